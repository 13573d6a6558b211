// Deletes a content record unless a file version or a code snapshot points to it or a delta
// applies to it, checked in the same statement; returns how many records were deleted (0 or
// 1).
MATCH (a:Artifact {hash: $hash})
OPTIONAL MATCH (:Experiment)-[p:PRODUCED]->(a)
WITH a, count(p) AS produced
OPTIONAL MATCH (:CodeSnapshot)-[c:CONTAINS]->(a)
WITH a, produced, count(c) AS contained
WHERE produced + contained = 0 AND NOT a.hash IN $bases
DELETE a
RETURN count(a) AS deleted
