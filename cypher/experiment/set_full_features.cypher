// Refreshes cached full features of many experiments at once.
UNWIND $rows AS row
MATCH (e:Experiment {id: row.id})
SET e.features_full = row.features_full
