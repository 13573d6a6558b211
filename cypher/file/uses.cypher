// Every stored content with how many file versions point to it and the content its delta
// applies to: what blob garbage collection needs to find the unreferenced ones.
MATCH (a:Artifact)
OPTIONAL MATCH (:Experiment)-[p:PRODUCED]->(a)
RETURN a.hash AS hash, a.blob AS blob, a.base AS base, a.created_at AS created_at,
       count(p) AS uses
