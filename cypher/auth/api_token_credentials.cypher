// The only API token query that returns the secret's hash: authentication compares it.
MATCH (t:ApiToken {id: $id})
RETURN t.id AS id, t.user_id AS user_id, t.name AS name, t.role AS role, t.scoped AS scoped,
       t.projects AS projects, t.created_at AS created_at, t.last_used_at AS last_used_at,
       t.revoked AS revoked,
       t.secret_hash AS secret_hash
