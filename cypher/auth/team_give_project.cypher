// The caller has checked that the team does not own the project yet.
MATCH (t:Team {name: $team}), (p:Project {name: $project})
CREATE (t)-[:OWNS]->(p)
