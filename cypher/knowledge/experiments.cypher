// Every experiment of a project with its full features, in one indexed read: what questions
// filter by status, date and feature value, and what recommendations compare.
MATCH (e:Experiment {project_id: $project_id})
RETURN e.id AS id, e.project_id AS project_id, e.number AS number, e.name AS name,
       e.status AS status, e.progress AS progress, e.notes AS notes, e.tags AS tags,
       e.created_at AS created_at, e.updated_at AS updated_at,
       e.started_at AS started_at, e.ended_at AS ended_at, e.features_full AS features_full
