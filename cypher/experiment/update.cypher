// Writes the lifecycle fields; the service has merged the update into the current values.
MATCH (e:Experiment {id: $id})
SET e.status = $status, e.progress = $progress, e.notes = $notes, e.tags = $tags,
    e.started_at = $started_at, e.ended_at = $ended_at, e.updated_at = $now
