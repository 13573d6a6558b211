// One stored content of a code snapshot at its path (a source file, the patch or the
// manifest), so garbage collection keeps it and lineage can find it.
MATCH (c:CodeSnapshot {experiment_id: $experiment_id}), (a:Artifact {hash: $hash})
CREATE (c)-[:CONTAINS {path: $path}]->(a)
