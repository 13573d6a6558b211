MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(t:Team)
WHERE t.name = $team
DELETE m
