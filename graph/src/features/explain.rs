//! A leaf-by-leaf account of how two features trees differ, for people rather than for storage.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::path::path_segments_to_string;
use super::tree::{leaves, leaves_below, LeafMap};

/// What happened to one leaf.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    /// The leaf exists only after the change.
    Add,
    /// The leaf exists only before the change.
    Remove,
    /// The leaf exists on both sides with different values.
    Replace,
}

impl ChangeOp {
    /// The RFC 6902 name of the operation: `add`, `remove` or `replace`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeOp::Add => "add",
            ChangeOp::Remove => "remove",
            ChangeOp::Replace => "replace",
        }
    }
}

/// The change of one leaf between two features trees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureChange {
    /// The dotted path of the leaf, as [`path_segments_to_string`] writes it.
    ///
    /// [`path_segments_to_string`]: super::path_segments_to_string
    pub path: String,
    /// Whether the leaf appeared, disappeared or changed value.
    pub op: ChangeOp,
    /// The value before the change; `None` for [`ChangeOp::Add`].
    pub before: Option<Value>,
    /// The value after the change; `None` for [`ChangeOp::Remove`].
    pub after: Option<Value>,
}

/// The leaf-level changes that turn `before` into `after`, sorted by path (key by key).
///
/// Leaves are scalars, arrays (compared whole) and empty objects. A subtree replaced by a leaf,
/// or the reverse, shows as a `Remove` of every old leaf and an `Add` of every new one; a
/// `Replace` always means the same path holds a leaf on both sides.
pub fn explain(before: &Value, after: &Value) -> Vec<FeatureChange> {
    let mut changes = Vec::new();
    explain_below(before, after, &mut Vec::new(), &mut changes);
    changes
}

/// Appends the changes under `prefix`, where `before` and `after` sit (both present). Equal
/// subtrees are skipped whole and objects on both sides are compared key by key, so a child
/// that changes a few leaves of its parent's features costs a walk, not a list of every leaf
/// of both (creation computes this for every experiment).
fn explain_below<'a>(
    before: &'a Value,
    after: &'a Value,
    prefix: &mut Vec<&'a str>,
    changes: &mut Vec<FeatureChange>,
) {
    if before == after {
        return;
    }
    let at_root = prefix.is_empty();
    match (before, after) {
        (Value::Object(old), Value::Object(new)) if at_root || (!old.is_empty() && !new.is_empty()) => {
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                prefix.push(key);
                match (old.get(key), new.get(key)) {
                    (Some(old), Some(new)) => explain_below(old, new, prefix, changes),
                    (old, new) => explain_leaves(
                        prefix,
                        old.map(leaves_below).unwrap_or_default(),
                        new.map(leaves_below).unwrap_or_default(),
                        changes,
                    ),
                }
                prefix.pop();
            }
        }
        _ => {
            let leaves_of = if at_root { leaves } else { leaves_below };
            explain_leaves(prefix, leaves_of(before), leaves_of(after), changes);
        }
    }
}

/// Appends the leaf-by-leaf changes between two sets of leaves found under `prefix` (keyed by
/// their key lists below it), in key-list order.
fn explain_leaves(
    prefix: &[&str],
    before: LeafMap<'_>,
    after: LeafMap<'_>,
    changes: &mut Vec<FeatureChange>,
) {
    let all_paths: BTreeSet<&Vec<String>> = before.keys().chain(after.keys()).collect();
    for segments in all_paths {
        let old = before.get(segments).copied();
        let new = after.get(segments).copied();
        let op = match (old, new) {
            (None, Some(_)) => ChangeOp::Add,
            (Some(_), None) => ChangeOp::Remove,
            (Some(old), Some(new)) if old != new => ChangeOp::Replace,
            _ => continue,
        };
        let path: Vec<&str> = prefix
            .iter()
            .copied()
            .chain(segments.iter().map(String::as_str))
            .collect();
        changes.push(FeatureChange {
            path: path_segments_to_string(&path),
            op,
            before: old.cloned(),
            after: new.cloned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(path: &str, op: ChangeOp, before: Option<Value>, after: Option<Value>) -> FeatureChange {
        FeatureChange {
            path: path.to_string(),
            op,
            before,
            after,
        }
    }

    #[test]
    fn identical_trees_have_no_changes() {
        let tree = json!({"a": {"b": 1}, "c": [1, 2], "d": {}});
        assert!(explain(&tree, &tree).is_empty());
    }

    #[test]
    fn changes_name_nested_leaves_by_dotted_path() {
        let before = json!({"optimizer": {"lr": 0.1, "name": "adam"}, "seed": 1});
        let after = json!({"optimizer": {"lr": 0.2, "name": "adam"}, "epochs": 3});
        assert_eq!(
            explain(&before, &after),
            vec![
                change("epochs", ChangeOp::Add, None, Some(json!(3))),
                change(
                    "optimizer.lr",
                    ChangeOp::Replace,
                    Some(json!(0.1)),
                    Some(json!(0.2))
                ),
                change("seed", ChangeOp::Remove, Some(json!(1)), None),
            ]
        );
    }

    #[test]
    fn an_array_changes_as_one_leaf() {
        let changes = explain(&json!({"layers": [1, 2, 3]}), &json!({"layers": [1, 3]}));
        assert_eq!(
            changes,
            vec![change(
                "layers",
                ChangeOp::Replace,
                Some(json!([1, 2, 3])),
                Some(json!([1, 3]))
            )]
        );
    }

    #[test]
    fn a_subtree_replaced_by_a_scalar_removes_each_old_leaf_and_adds_the_new_one() {
        let changes = explain(&json!({"a": {"x": 1, "y": 2}}), &json!({"a": 5}));
        assert_eq!(
            changes,
            vec![
                change("a", ChangeOp::Add, None, Some(json!(5))),
                change("a.x", ChangeOp::Remove, Some(json!(1)), None),
                change("a.y", ChangeOp::Remove, Some(json!(2)), None),
            ]
        );
    }

    #[test]
    fn keys_with_dots_are_escaped_in_change_paths() {
        let changes = explain(&json!({}), &json!({"a.b": {"c": 1}}));
        assert_eq!(changes[0].path, r"a\.b.c");
    }

    #[test]
    fn change_ops_serialize_in_lowercase() {
        let serialized = serde_json::to_value(ChangeOp::Replace).expect("serializes");
        assert_eq!(serialized, json!("replace"));
        assert_eq!(ChangeOp::Remove.as_str(), "remove");
    }
}
