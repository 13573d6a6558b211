// Marks a chunk as replaced by a compacted one: it stops being listed (and leaves the
// `live_in` index).
MATCH (c:MetricChunk {key: $key})
SET c.compacted_into = $compacted_into, c.live_in = null
