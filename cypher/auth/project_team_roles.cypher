// The user's roles in the teams that own one project (the service takes the highest).
MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(:Team)-[:OWNS]->(p:Project)
WHERE p.id = $project_id
RETURN m.role AS role
