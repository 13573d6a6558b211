// Direct children through either kind of parent edge.
MATCH (e:Experiment {id: $id})<-[r:CHILD_OF|MERGED_FROM]-(c:Experiment)
RETURN c.id AS id, c.project_id AS project_id, c.number AS number, c.name AS name,
       c.status AS status, c.progress AS progress, c.notes AS notes, c.tags AS tags,
       c.created_at AS created_at, c.updated_at AS updated_at,
       c.started_at AS started_at, c.ended_at AS ended_at, type(r) AS kind
ORDER BY number
