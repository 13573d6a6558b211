// The stored evidence units of a hypothesis, by experiment number then metric; anchored at
// the hypothesis. `normalized_delta` and `contribution` exist only on units stored before
// the hypothesis recorded its scales (they are derived from the scales since).
MATCH (h:Hypothesis {id: $id})<-[u:EVIDENCE]-(e:Experiment)
RETURN e.number AS experiment, u.metric AS metric, u.baseline_value AS baseline_value,
       u.experiment_value AS experiment_value, u.delta AS delta,
       u.normalized_delta AS normalized_delta, u.direction AS direction,
       u.confidence AS confidence, u.weight AS weight, u.contribution AS contribution,
       u.baseline_experiment AS baseline_experiment, u.computed_at AS computed_at
ORDER BY experiment, metric
