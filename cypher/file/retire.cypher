// Marks the current version of a path superseded (a new version is produced in the same
// batch).
MATCH (e:Experiment {id: $experiment_id})-[p:PRODUCED]->(:Artifact)
WHERE p.path = $path AND p.current = true
SET p.current = false
