// Hypotheses of a project that name an experiment (by number) as their baseline, and, when
// `$finished` (the experiment is or was part of the project distribution), every one whose
// baseline is `best` or `root`.
MATCH (h:Hypothesis {project_id: $project_id})
WHERE (h.baseline_kind = 'experiment' AND h.baseline_experiment = $number)
   OR ($finished AND (h.baseline_kind = 'best' OR h.baseline_kind = 'root'))
RETURN h.id AS id
