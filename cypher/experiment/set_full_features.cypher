// Refreshes one experiment's cached full features (one statement per experiment: an
// index is used only for a literal or a $parameter, never for `row.id` under UNWIND).
MATCH (e:Experiment {id: $id})
SET e.features_full = $features_full
