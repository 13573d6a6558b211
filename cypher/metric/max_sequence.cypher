// The largest sequence an experiment's chunks ever had, so that a new chunk's sequence is
// never reused. A live chunk always holds it: a compaction's chunk takes the largest sequence
// of the chunks it replaces.
MATCH (c:MetricChunk {live_in: $experiment_id})
RETURN max(c.sequence) AS sequence
