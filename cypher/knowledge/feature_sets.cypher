// Every feature change of a project's experiments against their primary parents (their SETS
// edges) in one indexed read: what cross-experiment reasoning groups by feature path. A
// root's edges add its features to nothing: `parent` (the cached primary parent number) tells.
MATCH (e:Experiment {project_id: $project_id})-[s:SETS]->(f:Feature)
RETURN e.number AS number, e.parent_number AS parent, f.path AS path, s.op AS op, s.value AS value
