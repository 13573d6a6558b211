// How restoring an experiment's code went (`verified` or `failed`), when, and the verifier's
// summary; replaces an earlier check. Evidence confidence reads the outcome.
MATCH (e:Experiment {id: $id})
SET e.restore_check = $outcome, e.restore_checked_at = $now, e.restore_detail = $detail
