// A new experiment in its project; also advances the project's number counter.
MATCH (p:Project {id: $project_id})
CREATE (e:Experiment {
  id: $id, key: $key, project_id: $project_id, number: $number, name: $name,
  status: $status, progress: $progress, notes: $notes, tags: $tags,
  created_at: $now, updated_at: $now, started_at: $started_at, ended_at: $ended_at,
  features_diff: $features_diff, features_full: $features_full
})-[:IN_PROJECT]->(p)
SET p.next_number = $next_number
RETURN e.id AS id
