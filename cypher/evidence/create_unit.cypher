// One evidence unit: an EVIDENCE edge from the linked experiment (by key) to the hypothesis,
// with the unit's scale-free parts (the normalised delta and the contribution follow from
// them and the scale stored on the hypothesis). Floats are text (Rust's shortest exact
// form, see cypher/README.md).
MATCH (h:Hypothesis {id: $id})
MATCH (e:Experiment {key: $key})
CREATE (e)-[:EVIDENCE {
  metric: $metric, baseline_value: $baseline_value, experiment_value: $experiment_value,
  delta: $delta, direction: $direction, confidence: $confidence, weight: $weight,
  baseline_experiment: $baseline_experiment, computed_at: $computed_at
}]->(h)
