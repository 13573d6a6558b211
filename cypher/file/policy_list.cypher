// The named capture policies of a project.
MATCH (c:CapturePolicy {project_id: $project_id})
RETURN c.name AS name, c.policy AS policy
ORDER BY c.name
