MATCH (e:Experiment {id: $id})
RETURN e.features_diff AS features_diff, e.features_full AS features_full
