// Every metric of a project, configured or only measured (direction is null until configured).
// Membership is the indexed `project_id` property, not an edge (see cypher/README.md).
MATCH (m:Metric {project_id: $project_id})
RETURN m.name AS name, m.direction AS direction, m.aggregation AS aggregation,
       m.source AS source, m.expression AS expression
