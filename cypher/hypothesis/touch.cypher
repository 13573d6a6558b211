// Marks a hypothesis changed (its links changed in the same batch).
MATCH (h:Hypothesis {id: $id})
SET h.updated_at = $now
