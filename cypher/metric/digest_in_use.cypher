// How many live (not compacted) chunks of any experiment are stored as the blob `$digest`:
// a blob that no live chunk names may be deleted.
MATCH (c:MetricChunk {digest: $digest})
WHERE c.compacted_into IS NULL
RETURN count(c) AS live
