// The numbers of the experiments linked to a hypothesis, cached on it beside its TESTED_BY
// edges and written by the batch that changes them (evidence reads the numbers without
// walking 200 edges; the experiments' values come from the project's evidence snapshot).
MATCH (h:Hypothesis {id: $id})
SET h.linked_numbers = $numbers
