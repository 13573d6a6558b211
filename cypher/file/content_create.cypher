// Records a file content once: a content uploaded again (or by two clients at once) keeps
// the first record, whose blob holds the same bytes.
MERGE (a:Artifact {hash: $hash})
  ON CREATE SET a.size = $size, a.mime = $mime, a.text = $text, a.storage = $storage,
                a.blob = $blob, a.base = $base, a.chain = $chain, a.created_at = $now
RETURN a.hash AS hash, a.size AS size, a.mime AS mime, a.text AS text, a.storage AS storage,
       a.blob AS blob, a.base AS base, a.chain AS chain
