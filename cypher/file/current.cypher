// An experiment's files as they stand: the current version of every path it ever produced
// (deleted paths included, marked), with the content each version points to.
MATCH (e:Experiment {id: $experiment_id})-[p:PRODUCED]->(a:Artifact)
WHERE p.current = true
RETURN p.path AS path, p.version AS version, p.deleted AS deleted,
       p.introduced_by AS introduced_by, p.created_at AS created_at,
       a.hash AS hash, a.size AS size, a.mime AS mime, a.text AS text, a.storage AS storage
