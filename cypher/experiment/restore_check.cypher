// The experiment's last restore check (all null when it was never restored with `rsdk
// restore`).
MATCH (e:Experiment {id: $id})
RETURN e.restore_check AS outcome, e.restore_checked_at AS checked_at, e.restore_detail AS detail
