// Records the schema version after a migration step.
MERGE (m:Meta {key: 'schema'})
SET m.version = $version
