MATCH (child:Experiment {id: $child_id})-[r:MERGED_FROM]->(parent:Experiment {id: $parent_id})
DELETE r
RETURN count(*) AS removed
