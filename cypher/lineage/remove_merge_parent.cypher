MATCH (child:Experiment {id: $child_id})-[r:MERGED_FROM]->(parent:Experiment {id: $parent_id})
DELETE r
SET child.merge_parent_numbers = [n IN coalesce(child.merge_parent_numbers, []) WHERE n <> parent.number]
RETURN count(*) AS removed
