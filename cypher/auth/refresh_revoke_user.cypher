// Password change or disabling: every session of the user ends.
MATCH (t:RefreshToken {user_id: $user_id})
SET t.revoked = true
