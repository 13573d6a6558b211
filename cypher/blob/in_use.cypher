// How many records name the blob `$digest`, one row per kind: file and code contents stored
// as it, live (not compacted) metric chunks stored as it, live chunks whose overview it is.
// Blobs are content-addressed, so records of different kinds may share one: a blob that no
// record names may be deleted.
MATCH (a:Artifact {blob: $digest})
RETURN count(a) AS uses
UNION ALL
MATCH (c:MetricChunk {digest: $digest})
WHERE c.compacted_into IS NULL
RETURN count(c) AS uses
UNION ALL
MATCH (o:MetricChunk {overview_digest: $digest})
WHERE o.compacted_into IS NULL
RETURN count(o) AS uses
