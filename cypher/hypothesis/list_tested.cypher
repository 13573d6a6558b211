// A page of the hypotheses an experiment (by key) is linked to, with the filters of
// `hypothesis/list`; anchored at the experiment's indexed key.
MATCH (e:Experiment {key: $key})<-[:TESTED_BY]-(h:Hypothesis)
WHERE h.id > $after
  AND ($status IS NULL OR coalesce(h.override_status, h.computed_status) = $status)
  AND ($search IS NULL OR toLower(h.title) CONTAINS toLower($search))
RETURN h.id AS id, h.project_id AS project_id, h.title AS title, h.description AS description,
       h.author AS author, h.computed_status AS computed_status, h.baseline_kind AS baseline_kind,
       h.baseline_experiment AS baseline_experiment, h.override_status AS override_status,
       h.override_reason AS override_reason, h.override_author AS override_author,
       h.override_at AS override_at, h.evidence_score AS evidence_score,
       h.computed_at AS computed_at, h.created_at AS created_at, h.updated_at AS updated_at
ORDER BY id
LIMIT $limit
