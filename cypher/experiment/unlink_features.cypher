MATCH (e:Experiment {id: $id})-[s:SETS]->(:Feature)
DELETE s
