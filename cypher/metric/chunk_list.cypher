// The live chunks of an experiment (not replaced by a compaction), by sequence: found by
// the indexed `live_in`, which only live chunks have, so the compacted chunks a long run
// accumulates (kept so that their ids stay known) are never read.
MATCH (c:MetricChunk {live_in: $experiment_id})
RETURN c.experiment_id AS experiment_id, c.chunk_id AS chunk_id, c.sequence AS sequence,
       c.digest AS digest, c.points AS points, c.min_step AS min_step, c.max_step AS max_step,
       c.metrics AS metrics, c.bytes AS bytes, c.created_at AS created_at,
       c.compacted_into AS compacted_into, c.overview_digest AS overview_digest
ORDER BY sequence
