// The experiments that rerun this one, by number.
MATCH (e:Experiment {id: $id})<-[:RERUN_OF]-(r:Experiment)
RETURN r.id AS id, r.project_id AS project_id, r.number AS number, r.name AS name,
       r.status AS status, r.progress AS progress, r.notes AS notes, r.tags AS tags,
       r.created_at AS created_at, r.updated_at AS updated_at,
       r.started_at AS started_at, r.ended_at AS ended_at
ORDER BY number
