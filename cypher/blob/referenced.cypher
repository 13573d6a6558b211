// Every blob a record names (a digest may repeat): contents, live metric chunks and their
// overviews. A stored blob that is not among them is an orphan (left by a crash between a
// put and its record, or between a record's deletion and its blob's).
MATCH (a:Artifact)
RETURN a.blob AS digest
UNION ALL
MATCH (c:MetricChunk)
WHERE c.compacted_into IS NULL
RETURN c.digest AS digest
UNION ALL
MATCH (o:MetricChunk)
WHERE o.compacted_into IS NULL AND o.overview_digest IS NOT NULL
RETURN o.overview_digest AS digest
