// Erasure: a user's refresh tokens go entirely.
MATCH (t:RefreshToken {user_id: $user_id})
DELETE t
