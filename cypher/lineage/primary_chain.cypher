// The experiment and its primary ancestors, nearest first (the chain its features follow).
MATCH path = (e:Experiment {id: $id})-[:CHILD_OF*0..]->(a:Experiment)
RETURN a.id AS id, a.number AS number, length(path) AS depth
ORDER BY depth
