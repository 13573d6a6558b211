// The first refresh token of a new family (a new sign-in); only its secret's hash is stored.
CREATE (t:RefreshToken {
  id: $id, family: $family, user_id: $user_id, secret_hash: $secret_hash,
  created_at: $now, expires_at: $expires_at, used: false, revoked: false
})
RETURN t.id AS id
