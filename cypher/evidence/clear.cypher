// Removes every EVIDENCE edge into a hypothesis (before its new units are written); anchored
// at the hypothesis (graphdblite plans from the first node of the pattern).
MATCH (h:Hypothesis {id: $id})<-[u:EVIDENCE]-(:Experiment)
DELETE u
