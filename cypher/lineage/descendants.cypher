// Every experiment that reaches this one through parent edges.
// One row per path: the service removes duplicates (a node-level DISTINCT is quadratic in graphdblite).
MATCH (e:Experiment {id: $id})<-[:CHILD_OF|MERGED_FROM*1..]-(d:Experiment)
RETURN d.id AS id, d.project_id AS project_id, d.number AS number, d.name AS name,
       d.status AS status, d.progress AS progress, d.notes AS notes, d.tags AS tags,
       d.created_at AS created_at, d.updated_at AS updated_at,
       d.started_at AS started_at, d.ended_at AS ended_at
