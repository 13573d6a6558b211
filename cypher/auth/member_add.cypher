// The caller removed any earlier membership in the same batch, so there is one edge at most.
MATCH (u:User {id: $user_id}), (t:Team {name: $team})
CREATE (u)-[:MEMBER_OF {role: $role}]->(t)
