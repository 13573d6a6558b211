// The first summary of a metric for an experiment: the metric node is shared by the project
// (created unconfigured when no configuration names it yet). Floats are text (`{:?}` of the
// f64): FalkorDB takes no NaN or infinity as a parameter and prints doubles with 15 digits;
// `recent` is the list of the values at the highest steps (evidence stability reads it).
MATCH (e:Experiment {id: $experiment_id})
MERGE (m:Metric {key: $metric_key})
  ON CREATE SET m.project_id = $project_id, m.name = $metric, m.source = 'scalar'
CREATE (e)-[:MEASURED {
  metric: $metric, last: $last, last_step: $last_step, min: $min, max: $max, mean: $mean,
  count: $count, finite_count: $finite_count, recent: $recent
}]->(m)
