// Marks a chunk as replaced by a compacted one: it stops being listed.
MATCH (c:MetricChunk {key: $key})
SET c.compacted_into = $compacted_into
