// The live chunks of an experiment (not replaced by a compaction), by sequence.
// Chunks belong to their experiment through the indexed `experiment_id`, not an edge.
MATCH (c:MetricChunk {experiment_id: $experiment_id})
WHERE c.compacted_into IS NULL
RETURN c.experiment_id AS experiment_id, c.chunk_id AS chunk_id, c.sequence AS sequence,
       c.digest AS digest, c.points AS points, c.min_step AS min_step, c.max_step AS max_step,
       c.metrics AS metrics, c.bytes AS bytes, c.created_at AS created_at,
       c.compacted_into AS compacted_into, c.overview_digest AS overview_digest
ORDER BY sequence
