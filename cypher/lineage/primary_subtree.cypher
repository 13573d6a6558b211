// Primary descendants with their primary parent and stored diff, for refreshing cached features.
// Two MATCH clauses: within one pattern the last hop could not be matched again as (d)->(p).
MATCH (root:Experiment {id: $id})<-[:CHILD_OF*1..]-(d:Experiment)
MATCH (d)-[:CHILD_OF]->(p:Experiment)
RETURN d.id AS id, d.number AS number, p.id AS parent_id, d.features_diff AS features_diff,
       d.features_full AS features_full
