// A new project; the caller has checked that the name is free.
CREATE (p:Project {
  id: $id, name: $name, description: $description,
  created_at: $created_at, settings: $settings, next_number: 1
})
RETURN p.id AS id
