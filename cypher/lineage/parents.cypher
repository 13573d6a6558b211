// Direct parents, the primary one (CHILD_OF) first.
MATCH (e:Experiment {id: $id})-[r:CHILD_OF|MERGED_FROM]->(p:Experiment)
RETURN p.id AS id, p.project_id AS project_id, p.number AS number, p.name AS name,
       p.status AS status, p.progress AS progress, p.notes AS notes, p.tags AS tags,
       p.created_at AS created_at, p.updated_at AS updated_at,
       p.started_at AS started_at, p.ended_at AS ended_at, type(r) AS kind
ORDER BY kind, number
