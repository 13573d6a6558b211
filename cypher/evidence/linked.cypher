// The experiments linked to a hypothesis with what the evidence model reads of each: status,
// primary parent (the cached number), full features (for seed siblings), whether a code
// snapshot and an environment were captured. A row per (experiment, code snapshot): an
// experiment has at most one.
MATCH (h:Hypothesis {id: $id})-[:TESTED_BY]->(e:Experiment)
OPTIONAL MATCH (e)-[:HAS_CODE]->(c:CodeSnapshot)
RETURN e.id AS id, e.number AS number, e.status AS status, e.parent_number AS parent_number,
       e.features_full AS features_full, e.environment IS NOT NULL AS environment_captured,
       c.created_at AS code_created_at
ORDER BY number
