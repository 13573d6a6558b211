MATCH (child:Experiment {id: $child_id}), (parent:Experiment {id: $parent_id})
CREATE (child)-[:MERGED_FROM]->(parent)
