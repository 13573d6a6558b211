MATCH (t:RefreshToken {family: $family})
SET t.revoked = true
