// Records a failed attempt of a job its worker still holds: queued again to run after
// $retry_at, or dead once it has used all its attempts; no row when the worker lost it.
// The first SET takes the node's write lock on server engines before the status is read, so
// two transactions racing for the same job never both see the old status (Neo4j reads
// committed data; writing first serializes them). `locked_at` carries no meaning beyond that.
MATCH (j:Job {id: $id})
SET j.locked_at = $now
WITH j
WHERE j.status = 'running' AND j.claimed_by = $worker
SET j.status = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'queued' END,
    j.finished_at = CASE WHEN j.attempts >= j.max_attempts THEN $now ELSE null END,
    j.last_error = $error, j.run_after = $retry_at, j.claimed_by = null,
    j.lease_until = null, j.updated_at = $now
RETURN j.id AS id, j.kind AS kind, j.payload AS payload, j.dedupe_key AS dedupe_key,
       j.status AS status, j.attempts AS attempts, j.max_attempts AS max_attempts,
       j.run_after AS run_after, j.lease_until AS lease_until, j.claimed_by AS claimed_by,
       j.last_error AS last_error, j.created_at AS created_at, j.updated_at AS updated_at,
       j.finished_at AS finished_at
