// Counts a change to what the DAG view reads of a project's experiments (a status, a
// progress, a parent edge), in the batch that makes the change: a process that keeps a
// project's DAG in memory compares this version to know when to read it again
// (`Graph::dag`, graph/src/service/lineage.rs). `experiment/create` counts its own.
MATCH (p:Project {id: $project_id})
SET p.dag_version = coalesce(p.dag_version, 0) + 1
