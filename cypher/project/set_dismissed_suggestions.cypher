// Replaces the keys of the dismissed hypothesis suggestions (a JSON list).
MATCH (p:Project {id: $project_id})
SET p.dismissed_suggestions = $dismissed
