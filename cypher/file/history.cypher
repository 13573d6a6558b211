// Every version of one path of an experiment, oldest first.
MATCH (e:Experiment {id: $experiment_id})-[p:PRODUCED]->(a:Artifact)
WHERE p.path = $path
RETURN p.path AS path, p.version AS version, p.deleted AS deleted,
       p.introduced_by AS introduced_by, p.created_at AS created_at,
       a.hash AS hash, a.size AS size, a.mime AS mime, a.text AS text, a.storage AS storage
ORDER BY p.version
