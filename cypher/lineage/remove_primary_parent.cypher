MATCH (child:Experiment {id: $child_id})-[r:CHILD_OF]->(:Experiment)
DELETE r
