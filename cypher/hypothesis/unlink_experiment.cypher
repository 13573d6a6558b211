// Removes the TESTED_BY edge to one experiment, if there is one.
MATCH (h:Hypothesis {id: $id})-[t:TESTED_BY]->(e:Experiment {key: $key})
DELETE t
