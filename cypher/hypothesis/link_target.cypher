// One TARGETS edge to an existing metric of the project (the service checked it exists).
MATCH (h:Hypothesis {id: $id})
MATCH (m:Metric {key: $metric_key})
CREATE (h)-[:TARGETS {weight: $weight}]->(m)
