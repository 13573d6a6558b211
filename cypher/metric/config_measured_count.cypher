// A configured metric, how many experiments measured it and how many hypotheses target it
// (removing its configuration keeps a measured or targeted metric's node and deletes any
// other).
MATCH (m:Metric {key: $key})
WHERE m.direction IS NOT NULL
OPTIONAL MATCH (e:Experiment)-[r:MEASURED]->(m)
WITH m, count(r) AS measured
OPTIONAL MATCH (h:Hypothesis)-[t:TARGETS]->(m)
RETURN m.name AS name, measured, count(t) AS targeted
