MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(t:Team)
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version,
       t.id AS team_id, t.name AS team_name, t.created_at AS team_created_at, m.role AS role
ORDER BY team_name
