// A new user; the caller has checked that the email is free and hashed the password.
CREATE (u:User {
  id: $id, email: $email, display_name: $display_name, password_hash: $password_hash,
  created_at: $created_at, disabled: false, site_admin: $site_admin, token_version: 1,
  erased: false
})
RETURN u.id AS id, u.email AS email, u.display_name AS display_name, u.created_at AS created_at,
       u.disabled AS disabled, u.site_admin AS site_admin, u.token_version AS token_version
