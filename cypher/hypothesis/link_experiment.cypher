// One TESTED_BY edge; the service links only experiments not linked yet (under the write
// lock), so a repeated link changes nothing.
MATCH (h:Hypothesis {id: $id})
MATCH (e:Experiment {key: $key})
CREATE (h)-[:TESTED_BY]->(e)
