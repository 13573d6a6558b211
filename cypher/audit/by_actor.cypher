// One actor's records, newest first, through the actor index.
MATCH (a:AuditEntry {actor: $actor})
WHERE ($action IS NULL OR a.action = $action)
  AND ($since IS NULL OR a.at >= $since)
  AND ($until IS NULL OR a.at <= $until)
RETURN a.id AS id, a.actor AS actor, a.action AS action, a.target AS target, a.outcome AS outcome,
       a.summary AS summary, a.at AS at, a.request_id AS request_id, a.client AS client
ORDER BY at DESC, id DESC
LIMIT $first
