// Migration 9: caches every hypothesis' linked experiment numbers on it (see
// hypothesis/set_linked_numbers), from its TESTED_BY edges.
MATCH (h:Hypothesis)
OPTIONAL MATCH (h)-[:TESTED_BY]->(e:Experiment)
WITH h, collect(e.number) AS numbers
SET h.linked_numbers = numbers
