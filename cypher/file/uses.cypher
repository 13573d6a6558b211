// Every stored content with how many file versions and code snapshots point to it and the
// content its delta applies to: what blob garbage collection needs to find the unreferenced
// ones.
MATCH (a:Artifact)
OPTIONAL MATCH (:Experiment)-[p:PRODUCED]->(a)
WITH a, count(p) AS produced
OPTIONAL MATCH (:CodeSnapshot)-[c:CONTAINS]->(a)
WITH a, produced, count(c) AS contained
RETURN a.hash AS hash, a.blob AS blob, a.base AS base, a.created_at AS created_at,
       produced + contained AS uses
