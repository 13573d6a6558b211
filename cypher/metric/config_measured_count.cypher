// A configured metric and how many experiments measured it (removing its configuration
// keeps a measured metric's node and deletes an unmeasured one).
MATCH (m:Metric {key: $key})
WHERE m.direction IS NOT NULL
OPTIONAL MATCH (e:Experiment)-[r:MEASURED]->(m)
RETURN m.name AS name, count(r) AS measured
