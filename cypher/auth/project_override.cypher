// The user's per-project role override on one project, if any.
MATCH (u:User {id: $user_id})-[r:HAS_ROLE]->(p:Project)
WHERE p.id = $project_id
RETURN r.role AS role
