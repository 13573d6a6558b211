// The version of what the evidence of a project reads about its experiments (see
// project/bump_values_version); null before the first change.
MATCH (p:Project {id: $project_id})
RETURN p.values_version AS version
