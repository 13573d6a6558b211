MATCH (t:Team {name: $team})-[:OWNS]->(p:Project)
WHERE p.name = $project
RETURN p.id AS id
