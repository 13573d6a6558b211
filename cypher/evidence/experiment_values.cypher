// One experiment (by key) with the columns of evidence/project_values: a linked run created
// after a process read its project's values is read in on its own.
MATCH (e:Experiment {key: $key})
OPTIONAL MATCH (e)-[:RERUN_OF]->(o:Experiment)
OPTIONAL MATCH (e)-[:HAS_CODE]->(c:CodeSnapshot)
RETURN e.number AS number, e.status AS status, e.parent_number AS parent_number,
       o.number AS rerun_of, e.environment IS NOT NULL AS environment_captured,
       e.restore_check AS restore_check,
       c.created_at AS code_created_at, e.features_full AS features_full,
       e.measured AS measured, e.recent AS recent
