// Configures a metric of a project; the node may exist already because a run measured it.
MERGE (m:Metric {key: $key})
  ON CREATE SET m.project_id = $project_id, m.name = $name
SET m.direction = $direction, m.aggregation = $aggregation, m.source = $source,
    m.expression = $expression
