// Every hypothesis id of a project, by id.
MATCH (h:Hypothesis {project_id: $project_id})
RETURN h.id AS id
ORDER BY id
