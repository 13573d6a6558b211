// Removes a user's team memberships and project role overrides (erasure).
MATCH (u:User {id: $id})-[r]->()
WHERE type(r) = 'MEMBER_OF' OR type(r) = 'HAS_ROLE'
DELETE r
