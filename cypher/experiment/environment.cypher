// The experiment's environment record, one JSON text (null when none was recorded).
MATCH (e:Experiment {id: $id})
RETURN e.environment AS environment
