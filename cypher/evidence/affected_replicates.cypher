// Hypotheses linked to a rerun relative of an experiment (by id): a run within two RERUN_OF
// steps either way (its original, its reruns, the original's other reruns). A row per path.
MATCH (e:Experiment {id: $id})-[:RERUN_OF*1..2]-(r:Experiment)<-[:TESTED_BY]-(h:Hypothesis)
RETURN h.id AS id
