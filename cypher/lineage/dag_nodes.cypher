// Every experiment of a project with its cached parent numbers: the whole DAG in one indexed
// read. `parent_number` and `merge_parent_numbers` are written by the same statements that
// create and delete the CHILD_OF and MERGED_FROM edges (see lineage/*_parent.cypher).
MATCH (e:Experiment {project_id: $project_id})
RETURN e.number AS number, e.name AS name, e.status AS status, e.progress AS progress,
       e.parent_number AS parent_number, e.merge_parent_numbers AS merge_parent_numbers
