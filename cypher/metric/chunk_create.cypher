// Records a chunk of metric points in the experiment's manifest; `live_in` (the experiment's
// id, indexed) marks it live until a compaction replaces it.
CREATE (c:MetricChunk {
  key: $key, experiment_id: $experiment_id, live_in: $experiment_id, chunk_id: $chunk_id,
  sequence: $sequence,
  digest: $digest, points: $points, min_step: $min_step, max_step: $max_step,
  metrics: $metrics, bytes: $bytes, overview_digest: $overview_digest, created_at: $created_at
})
