// The largest sequence an experiment's chunks ever had, compacted ones included, so that a
// new chunk's sequence is never reused.
MATCH (c:MetricChunk {experiment_id: $experiment_id})
RETURN max(c.sequence) AS sequence
