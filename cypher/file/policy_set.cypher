// Creates or replaces a named capture policy of a project (the policy as JSON text).
MERGE (c:CapturePolicy {key: $key})
  ON CREATE SET c.project_id = $project_id, c.name = $name
SET c.policy = $policy, c.updated_at = $now
