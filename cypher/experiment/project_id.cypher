// The project an experiment (given by its global id) belongs to.
MATCH (e:Experiment {id: $id})
RETURN e.project_id AS project_id
