// Experiments whose feature diff (SETS) touches a feature the hypothesis is about: a row per
// (feature, experiment), de-duplicated and stripped of already linked experiments by the
// service (no node-level DISTINCT, see cypher/README.md).
MATCH (h:Hypothesis {id: $id})-[:ABOUT]->(f:Feature)<-[:SETS]-(e:Experiment)
RETURN e.id AS id, e.project_id AS project_id, e.number AS number, e.name AS name,
       e.status AS status, e.progress AS progress, e.notes AS notes, e.tags AS tags,
       e.created_at AS created_at, e.updated_at AS updated_at,
       e.started_at AS started_at, e.ended_at AS ended_at
ORDER BY number
