// A new password hash; older access tokens stop working (token_version goes up).
MATCH (u:User {id: $id})
SET u.password_hash = $password_hash, u.token_version = u.token_version + 1
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version
