MATCH (t:RefreshToken {id: $id})
RETURN t.id AS id, t.family AS family, t.user_id AS user_id, t.secret_hash AS secret_hash,
       t.expires_at AS expires_at, t.used AS used, t.revoked AS revoked
