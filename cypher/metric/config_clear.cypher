// Forgets a measured metric's configuration: it reads as unconfigured and logged again.
MATCH (m:Metric {key: $key})
SET m.direction = null, m.aggregation = null, m.source = 'scalar', m.expression = null
