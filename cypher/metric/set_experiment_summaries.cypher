// The experiment's summaries of every metric, cached beside its MEASURED edges as one JSON
// text (`{"metric": [last, last_step, min, max, mean, count, finite_count]}`, floats as exact
// text), written by the same batch that changes the edges: the runs table of a whole
// project is then one indexed read of one property per experiment.
MATCH (e:Experiment {id: $experiment_id})
SET e.measured = $measured
