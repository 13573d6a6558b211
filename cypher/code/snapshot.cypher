// The code snapshot of an experiment: its format, git metadata, and the contents holding its
// patch and its manifest (every source file's hash).
MATCH (e:Experiment {id: $experiment_id})-[:HAS_CODE]->(c:CodeSnapshot)
RETURN c.format AS format, c.repository AS repository, c.remote_url AS remote_url,
       c.branch AS branch, c.commit AS commit, c.patch AS patch, c.manifest AS manifest,
       c.file_count AS file_count, c.stored_count AS stored_count,
       c.untracked_count AS untracked_count, c.total_size AS total_size,
       c.created_at AS created_at
