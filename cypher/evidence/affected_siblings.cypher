// Hypotheses linked to a sibling of an experiment (by id) under the same primary parent (a
// superset of its seed siblings). A row per path.
MATCH (e:Experiment {id: $id})-[:CHILD_OF]->(p:Experiment)
MATCH (p)<-[:CHILD_OF]-(s:Experiment)<-[:TESTED_BY]-(h:Hypothesis)
WHERE s.number <> e.number
RETURN h.id AS id
