// A new hypothesis. Membership is the indexed `project_id` property, not an edge to the
// project (as for experiments, see cypher/README.md). The computed fields start empty:
// `computed_status` is `proposed` until the evidence model computes one; `evidence_score`
// (text, Rust's shortest exact form) and `computed_at` stay null until then.
CREATE (h:Hypothesis {
  id: $id, project_id: $project_id, title: $title, description: $description,
  author: $author, computed_status: 'proposed',
  baseline_kind: $baseline_kind, baseline_experiment: $baseline_experiment,
  created_at: $now, updated_at: $now
})
RETURN h.id AS id
