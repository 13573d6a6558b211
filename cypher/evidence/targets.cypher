// The target metrics of a hypothesis with their weights (text) and the metrics' configuration
// (direction, aggregation, source and expression; all null while unconfigured).
MATCH (h:Hypothesis {id: $id})-[t:TARGETS]->(m:Metric)
RETURN m.name AS metric, t.weight AS weight, m.direction AS direction,
       m.aggregation AS aggregation, m.source AS source, m.expression AS expression
ORDER BY metric
