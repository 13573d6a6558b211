// Removes every ABOUT edge of a hypothesis (the Feature nodes stay: experiments share them).
MATCH (h:Hypothesis {id: $id})-[a:ABOUT]->(:Feature)
DELETE a
