// Deletes a content record unless a file version points to it or a delta applies to it,
// checked in the same statement; returns how many records were deleted (0 or 1).
MATCH (a:Artifact {hash: $hash})
OPTIONAL MATCH (:Experiment)-[p:PRODUCED]->(a)
WITH a, count(p) AS uses
WHERE uses = 0 AND NOT a.hash IN $bases
DELETE a
RETURN count(a) AS deleted
