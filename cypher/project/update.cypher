MATCH (p:Project {id: $id})
SET p.description = $description, p.settings = $settings
