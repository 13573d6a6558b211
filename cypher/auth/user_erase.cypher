// Replaces a user's personal data with placeholders; the id stays as a pseudonym that the
// audit log keeps referring to.
MATCH (u:User {id: $id})
SET u.email = $email, u.display_name = 'erased user', u.password_hash = '',
    u.disabled = true, u.site_admin = false, u.erased = true,
    u.token_version = u.token_version + 1
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version
