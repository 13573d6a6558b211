// One SETS edge per changed leaf path; Feature nodes are shared within the project.
MATCH (e:Experiment {id: $id})
UNWIND $changes AS change
MERGE (f:Feature {key: change.key})
  ON CREATE SET f.path = change.path, f.project_id = $project_id
CREATE (e)-[:SETS {op: change.op, value: change.value}]->(f)
