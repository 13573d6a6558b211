// One experiment by its global id, in whichever project it is (routes that address
// experiments by id read its project next).
MATCH (e:Experiment {id: $id})
RETURN e.id AS id, e.project_id AS project_id, e.number AS number, e.name AS name,
       e.status AS status, e.progress AS progress, e.notes AS notes, e.tags AS tags,
       e.created_at AS created_at, e.updated_at AS updated_at,
       e.started_at AS started_at, e.ended_at AS ended_at
