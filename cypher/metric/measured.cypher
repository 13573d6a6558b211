// The summaries of every metric an experiment measured.
MATCH (e:Experiment {id: $experiment_id})-[r:MEASURED]->(:Metric)
RETURN r.metric AS metric, r.last AS last, r.last_step AS last_step, r.min AS min,
       r.max AS max, r.mean AS mean, r.count AS count, r.finite_count AS finite_count,
       r.recent AS recent
