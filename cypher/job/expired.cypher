// Running jobs whose lease ran out: their worker crashed or hangs.
MATCH (j:Job {status: 'running'})
WHERE j.lease_until < $now
RETURN j.id AS id, j.kind AS kind, j.payload AS payload, j.dedupe_key AS dedupe_key,
       j.status AS status, j.attempts AS attempts, j.max_attempts AS max_attempts,
       j.run_after AS run_after, j.lease_until AS lease_until, j.claimed_by AS claimed_by,
       j.last_error AS last_error, j.created_at AS created_at, j.updated_at AS updated_at,
       j.finished_at AS finished_at
ORDER BY lease_until
LIMIT $limit
