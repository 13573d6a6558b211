// Claims a queued, due job for one worker with a lease; no row when it is not claimable
// (another worker has it, it is not due yet, or it is finished).
// The first SET takes the node's write lock on server engines before the status is read, so
// two transactions racing for the same job never both see the old status (Neo4j reads
// committed data; writing first serializes them). `locked_at` carries no meaning beyond that.
MATCH (j:Job {id: $id})
SET j.locked_at = $now
WITH j
WHERE j.status = 'queued' AND j.run_after <= $now
SET j.status = 'running', j.attempts = j.attempts + 1, j.claimed_by = $worker,
    j.lease_until = $lease_until, j.updated_at = $now
RETURN j.id AS id, j.kind AS kind, j.payload AS payload, j.dedupe_key AS dedupe_key,
       j.status AS status, j.attempts AS attempts, j.max_attempts AS max_attempts,
       j.run_after AS run_after, j.lease_until AS lease_until, j.claimed_by AS claimed_by,
       j.last_error AS last_error, j.created_at AS created_at, j.updated_at AS updated_at,
       j.finished_at AS finished_at
