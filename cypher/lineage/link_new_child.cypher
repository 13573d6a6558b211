// The CHILD_OF edge of an experiment being created, in the same batch as
// `experiment/create`, which already cached the parent's number on it
// (`lineage/add_primary_parent` does both for an existing experiment).
MATCH (child:Experiment {id: $child_id}), (parent:Experiment {id: $parent_id})
CREATE (child)-[:CHILD_OF]->(parent)
