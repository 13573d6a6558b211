// Replaces the stored summary of a metric the experiment measured before (the caller merged it).
MATCH (e:Experiment {id: $experiment_id})-[r:MEASURED]->(m:Metric)
WHERE r.metric = $metric
SET r.last = $last, r.last_step = $last_step, r.min = $min, r.max = $max, r.mean = $mean,
    r.count = $count, r.finite_count = $finite_count, r.recent = $recent
