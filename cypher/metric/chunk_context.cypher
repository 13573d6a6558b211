// What recording a chunk needs to know about its experiment, in one read: its project and
// number, the names of the metrics it measured so far (for the per-experiment limit) and
// the summaries cached on it (which the write lays the chunk's summaries over).
MATCH (e:Experiment {id: $experiment_id})
OPTIONAL MATCH (e)-[r:MEASURED]->(:Metric)
RETURN e.project_id AS project_id, e.number AS number, e.measured AS measured,
       collect(r.metric) AS metrics
