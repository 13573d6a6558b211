// Deletes a metric no experiment measured (its configuration was all there was).
MATCH (m:Metric {key: $key})
DELETE m
