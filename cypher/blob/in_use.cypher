// How many live (not compacted) chunks of any experiment are stored as the blob `$digest`,
// and how many have it as their overview (one row each): a blob that no live chunk names
// may be deleted.
MATCH (c:MetricChunk {digest: $digest})
WHERE c.compacted_into IS NULL
RETURN count(c) AS live
UNION ALL
MATCH (o:MetricChunk {overview_digest: $digest})
WHERE o.compacted_into IS NULL
RETURN count(o) AS live
