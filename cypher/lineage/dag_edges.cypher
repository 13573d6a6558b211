// Parent edges inside a project, as (parent number, child number, edge type).
MATCH (p:Project {id: $project_id})<-[:IN_PROJECT]-(c:Experiment)-[r:CHILD_OF|MERGED_FROM]->(parent:Experiment)
RETURN parent.number AS parent, c.number AS child, type(r) AS kind
