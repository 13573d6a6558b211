// A new experiment in its project, its CHILD_OF edge to its primary parent, and the project's
// number counter and DAG version (`project/bump_dag_version`) advanced: one statement. The parent's number is cached on the node from the
// start. For a root `$parent_id` is null: the last MATCH finds nothing and the statement ends
// after the CREATE (which stays), so it returns no row.
// Membership is the indexed `project_id` property, not an edge to the project: graphdblite
// rewrites a node's whole adjacency list on every new edge, so an IN_PROJECT edge made each
// creation O(experiments in the project) (745/s falling to 590/s over 10,000 creations).
MATCH (p:Project {id: $project_id})
CREATE (e:Experiment {
  id: $id, key: $key, project_id: $project_id, number: $number, name: $name,
  status: $status, progress: $progress, notes: $notes, tags: $tags,
  created_at: $now, updated_at: $now, started_at: $started_at, ended_at: $ended_at,
  features_diff: $features_diff, features_full: $features_full, parent_number: $parent_number
})
SET p.next_number = $next_number, p.dag_version = coalesce(p.dag_version, 0) + 1
WITH e
MATCH (parent:Experiment {id: $parent_id})
CREATE (e)-[:CHILD_OF]->(parent)
