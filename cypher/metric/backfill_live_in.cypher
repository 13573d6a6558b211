// Migration 12: marks every live chunk with `live_in` (its experiment's id), which chunk
// lists and the next sequence read through an index of their own, so they no longer read
// the compacted chunks an experiment accumulates.
MATCH (c:MetricChunk)
WHERE c.compacted_into IS NULL
SET c.live_in = c.experiment_id
