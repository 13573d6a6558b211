// The edge and its cached parent number change together (the DAG view reads the cache).
MATCH (child:Experiment {id: $child_id}), (parent:Experiment {id: $parent_id})
CREATE (child)-[:CHILD_OF]->(parent)
SET child.parent_number = parent.number
