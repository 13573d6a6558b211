// Hypotheses whose inputs include an experiment (by id) through their links: linked to it,
// or linked to one of its primary children (it is their parent baseline). A row per path.
MATCH (e:Experiment {id: $id})<-[:CHILD_OF*0..1]-(x:Experiment)<-[:TESTED_BY]-(h:Hypothesis)
RETURN h.id AS id
