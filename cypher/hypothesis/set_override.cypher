// Sets (all four values) or clears (all four null) the manual status override.
MATCH (h:Hypothesis {id: $id})
SET h.override_status = $status, h.override_reason = $reason, h.override_author = $author,
    h.override_at = $at, h.updated_at = $now
