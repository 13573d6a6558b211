// What creating an experiment needs to know, in one read: whether its number is taken,
// when its parent is named by number, that parent's id and full features, and when it
// reruns an experiment, that experiment's id.
OPTIONAL MATCH (taken:Experiment {key: $number_key})
OPTIONAL MATCH (parent:Experiment {key: $parent_key})
OPTIONAL MATCH (original:Experiment {key: $rerun_key})
RETURN taken.name AS taken_name, parent.id AS parent_id, parent.features_full AS parent_features,
       original.id AS rerun_of_id
