MATCH (t:Team {name: $name})
RETURN t.id AS team_id, t.name AS team_name, t.created_at AS team_created_at
