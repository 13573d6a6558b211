// The only query that returns a password hash: sign-in checks it and nothing else reads it.
MATCH (u:User {email: $email})
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version,
       u.password_hash AS password_hash, u.erased AS erased
