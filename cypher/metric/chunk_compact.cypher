// Marks the live chunks `$chunk_ids` of an experiment as replaced by the compacted chunk
// `$compacted_into`: they stop being listed (and leave the `live_in` index). One statement
// however many chunks a compaction replaces: found by the indexed `live_in` (a `$parameter`,
// so the index is used), filtered by id.
MATCH (c:MetricChunk {live_in: $experiment_id})
WHERE c.chunk_id IN $chunk_ids
SET c.compacted_into = $compacted_into, c.live_in = null
