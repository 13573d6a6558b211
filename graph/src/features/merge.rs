//! Three-way merge of features trees, previewed with its conflicts rather than refused.
//!
//! The merge decides leaf by leaf, with "absent" as a state of its own: when both sides agree,
//! or only one side moved away from the base, the answer is clear; when both moved differently,
//! the leaf conflicts. Deciding each leaf alone can pick a leaf at `a` and another under it at
//! `a.x`, which no tree can hold; that shape clash becomes one conflict at `a`, covering any leaf
//! conflicts beneath it. The conflicts found are the same whichever side is called ours, and the
//! merged tree keeps ours, whole, at every conflict path.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use super::path::path_segments_to_string;
use super::tree::{insert_at, is_non_object, leaves, remove_at, value_at, LeafMap};

/// A path that both sides changed, each in its own way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeConflict {
    /// The dotted path of the conflict; a leaf, or a subtree when the two sides changed its shape.
    pub path: String,
    /// The value at `path` in the common ancestor; `None` when it was absent.
    pub base: Option<Value>,
    /// Our value at `path`; `None` when we removed it.
    pub ours: Option<Value>,
    /// Their value at `path`; `None` when they removed it.
    pub theirs: Option<Value>,
}

/// The outcome of a three-way merge: the merged tree and what could not be decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergePreview {
    /// The merged features; at each conflict path it holds ours (or nothing, if ours is absent).
    pub merged: Value,
    /// The conflicts, sorted by path (key by key); empty when the merge is clean.
    pub conflicts: Vec<MergeConflict>,
}

/// Merges `ours` and `theirs`, two descendants of `base`, leaf by leaf.
///
/// For each leaf path: equal sides win; a side equal to the base yields to the other; otherwise
/// the path conflicts and `merged` keeps ours there. See the module documentation for how a
/// subtree on one side and a leaf on the other are handled.
pub fn merge3(base: &Value, ours: &Value, theirs: &Value) -> MergePreview {
    let decisions = decide_leaves(&leaves(base), &leaves(ours), &leaves(theirs));
    let mut conflict_candidates = shape_clashes(&decisions);
    conflict_candidates.extend(decisions.conflicts.iter().cloned());
    let conflict_paths = outermost(conflict_candidates);

    let mut merged = Value::Object(Map::new());
    for (segments, value) in &decisions.resolved {
        if !is_at_or_under_any(segments, &conflict_paths) {
            insert_at(&mut merged, segments, (*value).clone());
        }
    }
    for segments in &conflict_paths {
        match value_at(ours, segments) {
            Some(our_value) => insert_at(&mut merged, segments, our_value.clone()),
            None => remove_at(&mut merged, segments),
        }
    }

    let conflicts = conflict_paths
        .iter()
        .map(|segments| MergeConflict {
            path: path_segments_to_string(segments),
            base: value_at(base, segments).cloned(),
            ours: value_at(ours, segments).cloned(),
            theirs: value_at(theirs, segments).cloned(),
        })
        .collect();
    MergePreview { merged, conflicts }
}

/// The leaf-by-leaf verdicts: the leaves the merge keeps, and the leaf paths in conflict.
///
/// Both sets are the same whichever side is ours, which keeps the conflicts symmetric.
struct LeafDecisions<'a> {
    resolved: LeafMap<'a>,
    conflicts: BTreeSet<Vec<String>>,
}

fn decide_leaves<'a>(base: &LeafMap<'a>, ours: &LeafMap<'a>, theirs: &LeafMap<'a>) -> LeafDecisions<'a> {
    let all_paths: BTreeSet<&Vec<String>> = base.keys().chain(ours.keys()).chain(theirs.keys()).collect();
    let mut decisions = LeafDecisions {
        resolved: BTreeMap::new(),
        conflicts: BTreeSet::new(),
    };
    for segments in all_paths {
        let base_leaf = base.get(segments).copied();
        let our_leaf = ours.get(segments).copied();
        let their_leaf = theirs.get(segments).copied();
        let decided = if our_leaf == their_leaf || their_leaf == base_leaf {
            our_leaf
        } else if our_leaf == base_leaf {
            their_leaf
        } else {
            decisions.conflicts.insert(segments.clone());
            continue;
        };
        if let Some(value) = decided {
            decisions.resolved.insert(segments.clone(), value);
        }
    }
    decisions
}

/// Resolved leaves that are not objects yet have resolved leaves or conflicts beneath them.
///
/// An empty object with leaves beneath it is no clash: those leaves simply fill it.
fn shape_clashes(decisions: &LeafDecisions<'_>) -> BTreeSet<Vec<String>> {
    let mut clashes = BTreeSet::new();
    for segments in decisions.resolved.keys().chain(&decisions.conflicts) {
        for depth in 1..segments.len() {
            let ancestor = &segments[..depth];
            let ancestor_is_non_object_leaf = decisions
                .resolved
                .get(ancestor)
                .is_some_and(|value| is_non_object(value));
            if ancestor_is_non_object_leaf {
                clashes.insert(ancestor.to_vec());
            }
        }
    }
    clashes
}

/// The paths of `paths` that no other path of `paths` contains, in path order.
fn outermost(paths: BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let is_inside_another =
        |segments: &Vec<String>| (1..segments.len()).any(|depth| paths.contains(&segments[..depth]));
    paths
        .iter()
        .filter(|segments| !is_inside_another(segments))
        .cloned()
        .collect()
}

fn is_at_or_under_any(segments: &[String], paths: &BTreeSet<Vec<String>>) -> bool {
    (1..=segments.len()).any(|depth| paths.contains(&segments[..depth]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn conflict_paths(preview: &MergePreview) -> Vec<&str> {
        preview
            .conflicts
            .iter()
            .map(|conflict| conflict.path.as_str())
            .collect()
    }

    #[test]
    fn changes_to_different_leaves_merge_cleanly() {
        let base = json!({"lr": 0.1, "epochs": 10, "seed": 1});
        let ours = json!({"lr": 0.2, "epochs": 10, "seed": 1});
        let theirs = json!({"lr": 0.1, "epochs": 20});
        let preview = merge3(&base, &ours, &theirs);
        assert_eq!(preview.merged, json!({"lr": 0.2, "epochs": 20}));
        assert!(preview.conflicts.is_empty());
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = json!({"lr": 0.1});
        let both = json!({"lr": 0.3, "extra": [1]});
        let preview = merge3(&base, &both, &both);
        assert_eq!(preview.merged, both);
        assert!(preview.conflicts.is_empty());
    }

    #[test]
    fn different_changes_to_one_leaf_conflict_and_keep_ours() {
        let base = json!({"optimizer": {"lr": 0.1}});
        let ours = json!({"optimizer": {"lr": 0.2}});
        let theirs = json!({"optimizer": {"lr": 0.3}});
        let preview = merge3(&base, &ours, &theirs);
        assert_eq!(preview.merged, ours);
        assert_eq!(
            preview.conflicts,
            vec![MergeConflict {
                path: "optimizer.lr".to_string(),
                base: Some(json!(0.1)),
                ours: Some(json!(0.2)),
                theirs: Some(json!(0.3)),
            }]
        );
    }

    #[test]
    fn removing_a_leaf_the_other_side_changed_conflicts() {
        let base = json!({"a": 1, "b": 2});
        let ours = json!({"b": 2});
        let theirs = json!({"a": 5, "b": 2});
        let preview = merge3(&base, &ours, &theirs);
        assert_eq!(preview.merged, json!({"b": 2}));
        assert_eq!(preview.conflicts[0].ours, None);
        assert_eq!(preview.conflicts[0].theirs, Some(json!(5)));
    }

    #[test]
    fn adding_the_same_key_with_different_values_conflicts() {
        let preview = merge3(&json!({}), &json!({"a": 1}), &json!({"a": 2}));
        assert_eq!(conflict_paths(&preview), ["a"]);
        assert_eq!(preview.conflicts[0].base, None);
        assert_eq!(preview.merged, json!({"a": 1}));
    }

    #[test]
    fn a_leaf_replacing_a_subtree_the_other_side_edited_conflicts_at_the_subtree() {
        let base = json!({"a": {"q": 1}});
        let ours = json!({"a": 5});
        let theirs = json!({"a": {"q": 2}});
        let preview = merge3(&base, &ours, &theirs);
        assert_eq!(conflict_paths(&preview), ["a"]);
        assert_eq!(preview.conflicts[0].theirs, Some(json!({"q": 2})));
        assert_eq!(preview.merged, json!({"a": 5}));

        let swapped = merge3(&base, &theirs, &ours);
        assert_eq!(conflict_paths(&swapped), ["a"]);
        assert_eq!(swapped.merged, json!({"a": {"q": 2}}));
    }

    #[test]
    fn a_leaf_replacing_a_subtree_the_other_side_extended_conflicts_at_the_subtree() {
        let base = json!({"a": {"q": 1}});
        let ours = json!({"a": 5});
        let theirs = json!({"a": {"q": 1, "r": 2}});
        let preview = merge3(&base, &ours, &theirs);
        assert_eq!(conflict_paths(&preview), ["a"]);
        assert_eq!(preview.merged, json!({"a": 5}));
    }

    #[test]
    fn an_emptied_object_still_takes_the_other_sides_additions() {
        let base = json!({"a": {"x": 1}});
        let ours = json!({"a": {}});
        let theirs = json!({"a": {"x": 1, "y": 2}});
        let preview = merge3(&base, &ours, &theirs);
        assert!(preview.conflicts.is_empty());
        assert_eq!(preview.merged, json!({"a": {"y": 2}}));
    }

    #[test]
    fn an_untouched_side_yields_the_other_side_whole() {
        let base = json!({"a": {"b": 1}, "c": [1]});
        let ours = json!({"a": 7, "d": {}});
        let preview = merge3(&base, &ours, &base);
        assert_eq!(preview.merged, ours);
        assert!(preview.conflicts.is_empty());
    }
}
