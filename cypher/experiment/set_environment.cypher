// Stores (or replaces) the experiment's environment record: one JSON text, variables already
// screened by the project's allow-list and the secret screen.
MATCH (e:Experiment {id: $id})
SET e.environment = $environment, e.updated_at = $now
