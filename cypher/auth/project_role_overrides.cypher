// Every per-project role override on one project (the project members list).
MATCH (u:User)-[r:HAS_ROLE]->(p:Project {id: $project_id})
RETURN u.id AS id, u.display_name AS display_name, r.role AS role
