// Migration: the chunk counters of every experiment that has chunks (see
// `metric/set_experiment_summaries`; one without reads them as 0), from its live chunks: a
// live chunk always holds the largest sequence ever given. One pass over the chunks.
MATCH (c:MetricChunk)
WHERE c.live_in IS NOT NULL
WITH c.live_in AS experiment_id, count(c) AS live_chunks, max(c.sequence) AS chunk_sequence
MATCH (e:Experiment {id: experiment_id})
SET e.live_chunks = live_chunks, e.chunk_sequence = chunk_sequence
