// A new API token; only the SHA-256 of its secret is stored.
CREATE (t:ApiToken {
  id: $id, user_id: $user_id, name: $name, role: $role, scoped: $scoped, projects: $projects,
  secret_hash: $secret_hash, created_at: $created_at, revoked: false
})
RETURN t.id AS id, t.user_id AS user_id, t.name AS name, t.role AS role, t.scoped AS scoped,
       t.projects AS projects, t.created_at AS created_at, t.last_used_at AS last_used_at,
       t.revoked AS revoked
