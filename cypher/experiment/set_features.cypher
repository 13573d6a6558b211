// Stores a new diff against the primary parent together with the recomputed full features.
MATCH (e:Experiment {id: $id})
SET e.features_diff = $features_diff, e.features_full = $features_full
