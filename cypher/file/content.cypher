// One stored file content by its sha256: how its bytes are kept (a whole blob, or a delta
// blob applied to the content `base`).
MATCH (a:Artifact {hash: $hash})
RETURN a.hash AS hash, a.size AS size, a.mime AS mime, a.text AS text, a.storage AS storage,
       a.blob AS blob, a.base AS base, a.chain AS chain
