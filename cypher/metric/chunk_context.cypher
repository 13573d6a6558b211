// What recording a chunk needs to know about its experiment, in one read: its project and
// number, the names of the metrics it measured so far (for the per-experiment limit), the
// summaries and recent values cached on it (which the write lays the chunk's over), what
// the evidence snapshot of its project holds of it (status, parent, rerun original, captured
// environment and code, restore check, full features), which the snapshot takes in when it
// does not know the experiment yet, its chunk counters (live chunks, largest sequence ever
// given; kept on the node by `metric/set_experiment_summaries`, so no chunk is read) and
// whether chunk `$key` is recorded already.
MATCH (e:Experiment {id: $experiment_id})
OPTIONAL MATCH (e)-[:RERUN_OF]->(o:Experiment)
OPTIONAL MATCH (e)-[:HAS_CODE]->(c:CodeSnapshot)
OPTIONAL MATCH (e)-[r:MEASURED]->(:Metric)
WITH e, o, c, collect(r.metric) AS metrics
OPTIONAL MATCH (k:MetricChunk {key: $key})
RETURN e.project_id AS project_id, e.number AS number, e.measured AS measured, e.recent AS recent,
       e.status AS status, e.parent_number AS parent_number, o.number AS rerun_of,
       e.environment IS NOT NULL AS environment_captured, c.created_at AS code_created_at,
       e.restore_check AS restore_check,
       e.features_full AS features_full, metrics,
       coalesce(e.live_chunks, 0) AS live_chunks, coalesce(e.chunk_sequence, 0) AS chunk_sequence,
       k IS NOT NULL AS recorded
