// What a recomputation needs to know about a hypothesis, and its stored result: the baseline
// rule, the manual override, the linked experiments' numbers, the computed fields (floats as text, Rust's shortest exact form),
// the scales of its target metrics and the score history (JSON texts, see
// graph/src/service/evidence.rs).
MATCH (h:Hypothesis {id: $id})
RETURN h.project_id AS project_id, h.baseline_kind AS baseline_kind,
       h.baseline_experiment AS baseline_experiment, h.override_status AS override_status,
       h.linked_numbers AS linked_numbers,
       h.computed_status AS computed_status, h.evidence_score AS evidence_score,
       h.computed_at AS computed_at, h.evidence_explanation AS explanation,
       h.evidence_linked AS linked, h.evidence_with_units AS with_units,
       h.evidence_support_threshold AS support_threshold,
       h.evidence_refute_threshold AS refute_threshold, h.evidence_baseline AS baseline,
       h.evidence_scales AS scales, h.evidence_history AS history
