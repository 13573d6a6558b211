// The computed fields of a hypothesis: status, score (text), time, explanation, what it was
// computed from (the target metrics' scales as JSON text among it), and the score history
// (JSON text, the last 1,000 points).
MATCH (h:Hypothesis {id: $id})
SET h.computed_status = $computed_status, h.evidence_score = $score, h.computed_at = $computed_at,
    h.evidence_explanation = $explanation, h.evidence_linked = $linked,
    h.evidence_with_units = $with_units, h.evidence_support_threshold = $support_threshold,
    h.evidence_refute_threshold = $refute_threshold, h.evidence_baseline = $baseline,
    h.evidence_scales = $scales, h.evidence_history = $history
