// A rerun points at the experiment it repeats; written in the batch that creates the rerun.
// Not a parent edge: the DAG, features and lineage queries never follow RERUN_OF.
MATCH (rerun:Experiment {id: $rerun_id}), (original:Experiment {id: $original_id})
CREATE (rerun)-[:RERUN_OF]->(original)
