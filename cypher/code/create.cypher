// A new code snapshot of an experiment (an earlier one is removed in the same batch); the
// optional git metadata is set after the create so that an absent value stores nothing.
MATCH (e:Experiment {id: $experiment_id})
CREATE (e)-[:HAS_CODE]->(c:CodeSnapshot {experiment_id: $experiment_id, format: $format,
                                          manifest: $manifest, file_count: $file_count,
                                          stored_count: $stored_count,
                                          untracked_count: $untracked_count,
                                          total_size: $total_size, created_at: $now})
SET c.repository = $repository, c.remote_url = $remote_url, c.branch = $branch,
    c.commit = $commit, c.patch = $patch
