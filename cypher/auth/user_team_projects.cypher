// Every project owned by a team the user is in, once per team (the service merges them).
MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(:Team)-[:OWNS]->(p:Project)
RETURN p.id AS project_id, p.name AS project_name, m.role AS role
