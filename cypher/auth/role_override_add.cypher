// The caller removed any earlier override in the same batch, so there is one edge at most.
MATCH (u:User {id: $user_id}), (p:Project {name: $project})
CREATE (u)-[:HAS_ROLE {role: $role}]->(p)
