// Removes every TARGETS edge of a hypothesis (before its new targets are linked).
MATCH (h:Hypothesis {id: $id})-[t:TARGETS]->(:Metric)
DELETE t
