// Writes the editable scalars; the service has merged the update into the current values.
MATCH (h:Hypothesis {id: $id})
SET h.title = $title, h.description = $description,
    h.baseline_kind = $baseline_kind, h.baseline_experiment = $baseline_experiment,
    h.updated_at = $now
