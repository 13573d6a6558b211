// Every experiment of a project with what evidence reads of it: status, primary parent (the
// cached number), the original it reruns, whether an environment and a code snapshot were
// captured, how restoring it went, full features (seed siblings share them once seeds are removed), and the
// summaries and recent values cached on it (`metric/set_experiment_summaries`). One indexed
// read that a process keeps while the project's values version holds
// (graph/src/service/evidence_snapshot.rs). A row per experiment: it reruns at most one and
// has at most one code snapshot.
MATCH (e:Experiment {project_id: $project_id})
OPTIONAL MATCH (e)-[:RERUN_OF]->(o:Experiment)
OPTIONAL MATCH (e)-[:HAS_CODE]->(c:CodeSnapshot)
RETURN e.number AS number, e.status AS status, e.parent_number AS parent_number,
       o.number AS rerun_of, e.environment IS NOT NULL AS environment_captured,
       e.restore_check AS restore_check,
       c.created_at AS code_created_at, e.features_full AS features_full,
       e.measured AS measured, e.recent AS recent
