// The edge and the cached list of merge parent numbers change together.
MATCH (child:Experiment {id: $child_id}), (parent:Experiment {id: $parent_id})
CREATE (child)-[:MERGED_FROM]->(parent)
SET child.merge_parent_numbers = coalesce(child.merge_parent_numbers, []) + [parent.number]
