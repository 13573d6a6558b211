// The target metrics of a hypothesis with their weights (text, Rust's shortest exact form:
// FalkorDB prints doubles with 15 digits) and the metrics' configured directions.
MATCH (h:Hypothesis {id: $id})-[t:TARGETS]->(m:Metric)
RETURN m.name AS metric, t.weight AS weight, m.direction AS direction
ORDER BY metric
