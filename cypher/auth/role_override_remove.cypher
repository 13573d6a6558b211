MATCH (u:User {id: $user_id})-[r:HAS_ROLE]->(p:Project)
WHERE p.name = $project
DELETE r
