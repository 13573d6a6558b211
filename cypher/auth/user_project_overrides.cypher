// Every per-project role override of one user.
MATCH (u:User {id: $user_id})-[r:HAS_ROLE]->(p:Project)
RETURN p.id AS project_id, p.name AS project_name, r.role AS role
