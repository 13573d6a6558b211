// A new experiment in its project; also advances the project's number counter. Its primary
// parent's number is cached from the start (`lineage/link_new_child` then adds the edge):
// setting it afterwards cost a second write of the node and its indexes.
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
SET p.next_number = $next_number
RETURN e.id AS id
