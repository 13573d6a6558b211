// The experiment's summaries of every metric, cached beside its MEASURED edges as one JSON
// text (`{"metric": [last, last_step, min, max, mean, count, finite_count]}`, floats as exact
// text), written by the same batch that changes the edges: the runs table of a whole
// project is then one indexed read of one property per experiment. The recent values (the
// last points by step) go into a second text, `{"metric": [value, …]}`, which only evidence
// reads (for its linked runs), so the runs table does not parse them. The same batch keeps
// the chunk counters: how many chunks are live and the largest sequence ever given (a
// compaction's chunk takes the largest sequence of those it replaces, so it never grows).
MATCH (e:Experiment {id: $experiment_id})
SET e.measured = $measured, e.recent = $recent, e.live_chunks = $live_chunks,
    e.chunk_sequence = $chunk_sequence
