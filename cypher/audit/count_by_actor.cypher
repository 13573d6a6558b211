MATCH (a:AuditEntry {actor: $actor})
RETURN count(a) AS count
