MATCH (t:ApiToken {user_id: $user_id})
RETURN t.id AS id, t.user_id AS user_id, t.name AS name, t.role AS role, t.scoped AS scoped,
       t.projects AS projects, t.created_at AS created_at, t.last_used_at AS last_used_at,
       t.revoked AS revoked
ORDER BY created_at, id
