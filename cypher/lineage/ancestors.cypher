// Every experiment reachable through parent edges, anchored at the indexed start node.
// One row per path: the service removes duplicates (a node-level DISTINCT is quadratic in graphdblite).
MATCH (e:Experiment {id: $id})-[:CHILD_OF|MERGED_FROM*1..]->(a:Experiment)
RETURN a.id AS id, a.project_id AS project_id, a.number AS number, a.name AS name,
       a.status AS status, a.progress AS progress, a.notes AS notes, a.tags AS tags,
       a.created_at AS created_at, a.updated_at AS updated_at,
       a.started_at AS started_at, a.ended_at AS ended_at
