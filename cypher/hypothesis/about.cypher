// The feature paths a hypothesis is about.
MATCH (h:Hypothesis {id: $id})-[:ABOUT]->(f:Feature)
RETURN f.path AS path
ORDER BY path
