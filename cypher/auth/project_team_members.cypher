// The members of the teams that own one project, one row per (member, team), with their
// team role (the project members list).
MATCH (u:User)-[m:MEMBER_OF]->(t:Team)-[:OWNS]->(p:Project {id: $project_id})
RETURN u.id AS id, u.display_name AS display_name, t.name AS team, m.role AS role
