// One SETS edge for one changed leaf path; Feature nodes are shared within the project.
MATCH (e:Experiment {id: $id})
MERGE (f:Feature {key: $key})
  ON CREATE SET f.path = $path, f.project_id = $project_id
CREATE (e)-[:SETS {op: $op, value: $value}]->(f)
