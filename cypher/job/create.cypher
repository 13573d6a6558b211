// A new job record, queued; the graph is the record, a dispatcher only carries its id.
CREATE (j:Job {
  id: $id, kind: $kind, payload: $payload, dedupe_key: $dedupe_key, status: 'queued',
  attempts: 0, max_attempts: $max_attempts, run_after: $run_after,
  created_at: $now, updated_at: $now
})
RETURN j.id AS id, j.kind AS kind, j.payload AS payload, j.dedupe_key AS dedupe_key,
       j.status AS status, j.attempts AS attempts, j.max_attempts AS max_attempts,
       j.run_after AS run_after, j.lease_until AS lease_until, j.claimed_by AS claimed_by,
       j.last_error AS last_error, j.created_at AS created_at, j.updated_at AS updated_at,
       j.finished_at AS finished_at
