// The experiment this one reruns, if any.
MATCH (e:Experiment {id: $id})-[:RERUN_OF]->(o:Experiment)
RETURN o.id AS id, o.project_id AS project_id, o.number AS number, o.name AS name,
       o.status AS status, o.progress AS progress, o.notes AS notes, o.tags AS tags,
       o.created_at AS created_at, o.updated_at AS updated_at,
       o.started_at AS started_at, o.ended_at AS ended_at
