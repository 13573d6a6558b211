// Every stored content of an experiment's code snapshot with its path.
MATCH (c:CodeSnapshot {experiment_id: $experiment_id})-[r:CONTAINS]->(a:Artifact)
RETURN r.path AS path, a.hash AS hash
