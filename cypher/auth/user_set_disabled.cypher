// Disables or enables a user; an erased user stays disabled. Older access tokens stop working.
MATCH (u:User {id: $id})
SET u.disabled = ($disabled OR coalesce(u.erased, false)), u.token_version = u.token_version + 1
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version
