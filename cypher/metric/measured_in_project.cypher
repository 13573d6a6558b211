// Every summary of every experiment of a project in one read (the runs table): one index
// seek on `project_id`, then each experiment's own MEASURED edges. One row per experiment
// with parallel lists (collected together, so their positions match): a row per summary
// would pass graphdblite's cap of 100,000 result rows at 10,000 runs × 20 metrics.
MATCH (e:Experiment {project_id: $project_id})-[r:MEASURED]->(:Metric)
RETURN e.number AS number, collect(r.metric) AS metric, collect(r.last) AS last,
       collect(r.last_step) AS last_step, collect(r.min) AS min, collect(r.max) AS max,
       collect(r.mean) AS mean, collect(r.count) AS count,
       collect(r.finite_count) AS finite_count
