// Erasure: a user's API tokens go entirely.
MATCH (t:ApiToken {user_id: $user_id})
DELETE t
