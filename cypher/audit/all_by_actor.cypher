// Every record of one actor, oldest first (a data export).
MATCH (a:AuditEntry {actor: $actor})
RETURN a.id AS id, a.actor AS actor, a.action AS action, a.target AS target, a.outcome AS outcome,
       a.summary AS summary, a.at AS at, a.request_id AS request_id, a.client AS client
ORDER BY at, id
