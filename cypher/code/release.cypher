// Removes the content edges of an experiment's code snapshot (before the snapshot itself is
// removed or replaced).
MATCH (c:CodeSnapshot {experiment_id: $experiment_id})-[r:CONTAINS]->(:Artifact)
DELETE r
