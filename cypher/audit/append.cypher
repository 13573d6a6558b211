// Audit records are only ever created: no query updates or deletes one.
CREATE (a:AuditEntry {
  id: $id, actor: $actor, action: $action, target: $target, outcome: $outcome,
  summary: $summary, at: $at, request_id: $request_id, client: $client
})
RETURN a.id AS id, a.actor AS actor, a.action AS action, a.target AS target, a.outcome AS outcome,
       a.summary AS summary, a.at AS at, a.request_id AS request_id, a.client AS client
