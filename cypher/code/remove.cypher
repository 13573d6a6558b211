// Removes an experiment's code snapshot node (its content edges are released first).
MATCH (e:Experiment {id: $experiment_id})-[h:HAS_CODE]->(c:CodeSnapshot)
DELETE h, c
