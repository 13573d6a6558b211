// Per linked experiment, the experiments within two RERUN_OF steps either way: its original,
// its reruns, and the original's other reruns. A row per path; the service drops repeats and
// the experiment itself.
MATCH (h:Hypothesis {id: $id})-[:TESTED_BY]->(e:Experiment)-[:RERUN_OF*1..2]-(r:Experiment)
RETURN e.number AS experiment, r.number AS replicate
