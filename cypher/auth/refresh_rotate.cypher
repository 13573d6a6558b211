// Spends a refresh token and creates the next one of its family, in one statement: of two
// racing redemptions exactly one gets a row. The first SET takes the node's write lock on
// server engines before `used` is read (as job claims do); `locked_at` means nothing else.
MATCH (t:RefreshToken {id: $id})
SET t.locked_at = $now
WITH t
WHERE t.used = false AND t.revoked = false AND t.expires_at > $now
SET t.used = true
CREATE (n:RefreshToken {
  id: $next_id, family: t.family, user_id: t.user_id, secret_hash: $next_secret_hash,
  created_at: $now, expires_at: $expires_at, used: false, revoked: false
})
RETURN n.id AS id, n.family AS family
