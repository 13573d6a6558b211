// The primary children of one experiment (by key) with their full features: the candidates
// for seed siblings of the linked experiments under it.
MATCH (p:Experiment {key: $key})<-[:CHILD_OF]-(c:Experiment)
RETURN c.number AS number, c.features_full AS features_full
