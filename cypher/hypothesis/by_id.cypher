// One hypothesis by its global id.
MATCH (h:Hypothesis {id: $id})
RETURN h.id AS id, h.project_id AS project_id, h.title AS title, h.description AS description,
       h.author AS author, h.computed_status AS computed_status, h.baseline_kind AS baseline_kind,
       h.baseline_experiment AS baseline_experiment, h.override_status AS override_status,
       h.override_reason AS override_reason, h.override_author AS override_author,
       h.override_at AS override_at, h.evidence_score AS evidence_score,
       h.computed_at AS computed_at, h.created_at AS created_at, h.updated_at AS updated_at
