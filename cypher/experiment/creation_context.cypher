// What creating an experiment needs to know, in one read: whether its number is taken
// and, when its parent is named by number, that parent's id and full features.
OPTIONAL MATCH (taken:Experiment {key: $number_key})
OPTIONAL MATCH (parent:Experiment {key: $parent_key})
RETURN taken.name AS taken_name, parent.id AS parent_id, parent.features_full AS parent_features
