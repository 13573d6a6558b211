MATCH (child:Experiment {id: $child_id}), (parent:Experiment {id: $parent_id})
CREATE (child)-[:CHILD_OF]->(parent)
