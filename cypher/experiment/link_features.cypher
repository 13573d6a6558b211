// The SETS edges of an experiment, one per changed leaf path, in one statement: the i-th
// entries of the parallel lists describe one leaf (parameters carry no maps, see README).
// Feature nodes are shared within the project. MERGE evaluates `$keys[i]` row by row and
// seeks the Feature key index with the value (unlike MATCH, which graphdblite plans as a
// label scan for anything but a literal or a parameter).
MATCH (e:Experiment {id: $id})
UNWIND range(0, size($keys) - 1) AS i
MERGE (f:Feature {key: $keys[i]})
  ON CREATE SET f.path = $paths[i], f.project_id = $project_id
CREATE (e)-[:SETS {op: $ops[i], value: $values[i]}]->(f)
