// The schema version the graph was migrated to (no row on a new graph).
MATCH (m:Meta {key: 'schema'})
RETURN m.version AS version
