// The runs table's first read: every experiment of a project with the columns of
// lineage/dag_nodes and the summaries of metric/measured_in_project, in one pass over the
// experiments rather than two. A process keeps both answers while the project's DAG and
// values versions hold (graph/src/service/metrics_table.rs).
MATCH (e:Experiment {project_id: $project_id})
RETURN e.number AS number, e.name AS name, e.status AS status, e.progress AS progress,
       e.parent_number AS parent_number, e.merge_parent_numbers AS merge_parent_numbers,
       e.measured AS measured
