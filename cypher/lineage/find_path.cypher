// A parent-edge path from one experiment to another, as experiment numbers (cycle check).
MATCH path = (from:Experiment {id: $from_id})-[:CHILD_OF|MERGED_FROM*1..]->(to:Experiment {id: $to_id})
RETURN [n IN nodes(path) | n.number] AS numbers
LIMIT 1
