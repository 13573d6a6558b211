// The stored evidence units of one experiment, for every hypothesis it is evidence for, with
// the hypothesis' scales (JSON text) that the normalised deltas follow from.
MATCH (e:Experiment {id: $id})-[u:EVIDENCE]->(h:Hypothesis)
RETURN h.id AS hypothesis, h.evidence_scales AS scales, e.number AS experiment, u.metric AS metric,
       u.baseline_value AS baseline_value, u.experiment_value AS experiment_value,
       u.delta AS delta, u.normalized_delta AS normalized_delta, u.direction AS direction,
       u.confidence AS confidence, u.weight AS weight, u.contribution AS contribution,
       u.baseline_experiment AS baseline_experiment, u.computed_at AS computed_at
ORDER BY hypothesis, metric
