// Every experiment of a project with its status, primary parent (the cached number) and the
// summaries cached on it (`metric/set_experiment_summaries`): the baselines, the scales and
// the replicates' values of a recomputation, in one indexed read.
MATCH (e:Experiment {project_id: $project_id})
RETURN e.number AS number, e.status AS status, e.parent_number AS parent_number,
       e.measured AS measured
