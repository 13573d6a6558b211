// The feature paths an experiment changed against its primary parent (its SETS edges).
MATCH (e:Experiment {id: $id})-[s:SETS]->(f:Feature)
RETURN f.path AS path, s.op AS op, s.value AS value
ORDER BY path
