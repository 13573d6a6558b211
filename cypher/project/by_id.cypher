MATCH (p:Project {id: $id})
RETURN p.id AS id, p.name AS name, p.description AS description,
       p.created_at AS created_at, p.settings AS settings, p.next_number AS next_number
