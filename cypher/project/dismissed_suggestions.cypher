// The keys of the hypothesis suggestions the project's researchers dismissed (a JSON list).
MATCH (p:Project {id: $project_id})
RETURN p.dismissed_suggestions AS dismissed
