MATCH (u:User {id: $id})
SET u.site_admin = $site_admin
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version
