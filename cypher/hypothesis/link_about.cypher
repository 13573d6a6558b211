// One ABOUT edge; the Feature node is shared within the project and created when missing,
// exactly as `experiment/link_features` creates it for a SETS edge.
MATCH (h:Hypothesis {id: $id})
MERGE (f:Feature {key: $key})
  ON CREATE SET f.path = $path, f.project_id = $project_id
CREATE (h)-[:ABOUT]->(f)
