// The project's DAG version (`project/bump_dag_version`; null before any change).
MATCH (p:Project {id: $project_id})
RETURN p.dag_version AS version
