// Removes the EVIDENCE edges of one experiment (by key) into a hypothesis: its units are
// rewritten while the hypothesis' other units stay. Anchored at the experiment, which has a
// few such edges (the hypothesis has one per unit).
MATCH (e:Experiment {key: $key})-[u:EVIDENCE]->(h:Hypothesis {id: $id})
DELETE u
