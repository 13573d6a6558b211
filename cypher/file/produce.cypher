// A new version of a path of an experiment: the content it holds (for a deletion, the content
// that was deleted) and the experiment that introduced that content at that path.
MATCH (e:Experiment {id: $experiment_id}), (a:Artifact {hash: $hash})
CREATE (e)-[:PRODUCED {path: $path, version: $version, current: true, deleted: $deleted,
                       introduced_by: $introduced_by, created_at: $now}]->(a)
