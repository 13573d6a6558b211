// The id and sequence of each of an experiment's live chunks whose id is in `$chunk_ids`:
// what a compaction checks before it replaces them (every one must still be live) and the
// sequence the compacted chunk takes (their largest). Reads those chunks' two properties,
// not the whole manifest.
MATCH (c:MetricChunk {live_in: $experiment_id})
WHERE c.chunk_id IN $chunk_ids
RETURN c.chunk_id AS chunk_id, c.sequence AS sequence
