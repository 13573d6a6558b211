MATCH (p:Project {id: $project_id})<-[:IN_PROJECT]-(e:Experiment)
RETURN e.number AS number, e.name AS name, e.status AS status, e.progress AS progress
ORDER BY number
