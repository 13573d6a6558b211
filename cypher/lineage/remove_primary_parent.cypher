MATCH (child:Experiment {id: $child_id})-[r:CHILD_OF]->(:Experiment)
DELETE r
SET child.parent_number = null
