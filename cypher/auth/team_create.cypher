// A new team; the caller has checked that the name is free.
CREATE (t:Team {id: $id, name: $name, created_at: $created_at})
RETURN t.id AS team_id, t.name AS team_name, t.created_at AS team_created_at
