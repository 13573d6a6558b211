// Counts a change to what the evidence of a project reads about its experiments (a status,
// a primary parent, the summaries), in the batch that makes the change: a process that keeps
// those values in memory compares this version to know when to read them again
// (graph/src/service/evidence_snapshot.rs).
MATCH (p:Project {id: $project_id})
SET p.values_version = coalesce(p.values_version, 0) + 1
RETURN p.values_version AS version
