// The current files of every experiment of a project (deleted paths left out), in one read:
// what the search index lists as artifacts.
MATCH (e:Experiment {project_id: $project_id})-[p:PRODUCED]->(a:Artifact)
WHERE p.current = true AND p.deleted = false
RETURN e.id AS experiment_id, e.number AS number, p.path AS path, a.mime AS mime
