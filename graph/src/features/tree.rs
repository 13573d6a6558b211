//! Walking a features tree leaf by leaf, and writing into it by key list.
//!
//! Leaves are scalars (null included), arrays and empty objects. Key lists (`Vec<String>`) order
//! segment by segment, so a sorted map of them keeps every subtree's leaves together and in the
//! order of the tree's own keys.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::path::path_segments_to_string;

/// The leaves of a tree, keyed by the keys leading to them.
pub(crate) type LeafMap<'a> = BTreeMap<Vec<String>, &'a Value>;

/// Every leaf of `features` with its dotted path, in path order (compared key by key).
///
/// This is the list of feature names an experiment has: `{"optimizer": {"lr": 0.1}}` gives
/// `[("optimizer.lr", 0.1)]`. A root that is not an object, which [`validate_features`]
/// rejects, is reported as one leaf with the empty path.
///
/// [`validate_features`]: super::validate_features
pub fn feature_leaves(features: &Value) -> Vec<(String, &Value)> {
    leaves(features)
        .into_iter()
        .map(|(segments, value)| (path_segments_to_string(&segments), value))
        .collect()
}

/// The leaves of `root`, keyed by key list; a non-object root is the single leaf `[]`.
pub(crate) fn leaves(root: &Value) -> LeafMap<'_> {
    let mut found = LeafMap::new();
    match root {
        Value::Object(map) => collect_leaves(map, &mut Vec::new(), &mut found),
        other => {
            found.insert(Vec::new(), other);
        }
    }
    found
}

/// The leaves of `value` found below the root (an empty object there is a leaf), keyed by the
/// key lists below `value`: a leaf gives the single key list `[]`.
pub(crate) fn leaves_below(value: &Value) -> LeafMap<'_> {
    let mut found = LeafMap::new();
    match value {
        Value::Object(map) if !map.is_empty() => collect_leaves(map, &mut Vec::new(), &mut found),
        leaf => {
            found.insert(Vec::new(), leaf);
        }
    }
    found
}

fn collect_leaves<'a>(map: &'a Map<String, Value>, prefix: &mut Vec<String>, found: &mut LeafMap<'a>) {
    for (key, value) in map {
        prefix.push(key.clone());
        match value {
            Value::Object(child) if !child.is_empty() => collect_leaves(child, prefix, found),
            leaf => {
                found.insert(prefix.clone(), leaf);
            }
        }
        prefix.pop();
    }
}

/// Whether `value` is a leaf that cannot hold other leaves: anything but an object.
pub(crate) fn is_non_object(value: &Value) -> bool {
    !value.is_object()
}

/// The value (leaf or subtree) that `segments` addresses in `root`, if any.
pub(crate) fn value_at<'a>(root: &'a Value, segments: &[String]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(root, |node, key| node.as_object().and_then(|map| map.get(key)))
}

/// Writes `value` at `segments`, creating the objects on the way.
///
/// A non-object met on the way is replaced by an object, and an empty object written where an
/// object already stands leaves that object as it is, so inserting the leaves of a tree in any
/// order rebuilds it.
pub(crate) fn insert_at(root: &mut Value, segments: &[String], value: Value) {
    let Some((last, parents)) = segments.split_last() else {
        *root = value;
        return;
    };
    let mut node = root;
    for key in parents {
        let Some(map) = object_of(node) else { return };
        node = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Some(parent) = object_of(node) else {
        return;
    };
    let keeps_existing_object = is_empty_object(&value) && parent.get(last).is_some_and(Value::is_object);
    if !keeps_existing_object {
        parent.insert(last.clone(), value);
    }
}

/// Removes whatever `segments` addresses in `root`; a path that is not there is left alone.
pub(crate) fn remove_at(root: &mut Value, segments: &[String]) {
    let Some((last, parents)) = segments.split_last() else {
        *root = Value::Object(Map::new());
        return;
    };
    let mut node = root;
    for key in parents {
        match node.as_object_mut().and_then(|map| map.get_mut(key)) {
            Some(child) => node = child,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.remove(last);
    }
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// The object `node` holds, after turning it into an empty object if it held anything else.
///
/// Always `Some`; the `Option` only spares a panic path where the borrow checker cannot see it.
fn object_of(node: &mut Value) -> Option<&mut Map<String, Value>> {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys(path: &[&str]) -> Vec<String> {
        path.iter().map(|key| key.to_string()).collect()
    }

    #[test]
    fn leaves_are_scalars_arrays_and_empty_objects() {
        let tree = json!({"a": {"b": 1, "c": [1, {"d": 2}]}, "e": {}, "f": null});
        let found = feature_leaves(&tree);
        let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, ["a.b", "a.c", "e", "f"]);
        assert_eq!(found[1].1, &json!([1, {"d": 2}]));
    }

    #[test]
    fn leaves_of_a_subtree_stay_together_in_path_order() {
        let tree = json!({"a": {"z": 1}, "a-b": 2, "a0": 3});
        let paths: Vec<String> = feature_leaves(&tree).into_iter().map(|(path, _)| path).collect();
        assert_eq!(paths, ["a.z", "a-b", "a0"]);
    }

    #[test]
    fn value_at_reaches_subtrees_and_misses_cleanly() {
        let tree = json!({"a": {"b": {"c": 1}}, "s": 2});
        assert_eq!(value_at(&tree, &keys(&["a", "b"])), Some(&json!({"c": 1})));
        assert_eq!(value_at(&tree, &keys(&["s", "x"])), None);
        assert_eq!(value_at(&tree, &[]), Some(&tree));
    }

    #[test]
    fn inserting_every_leaf_rebuilds_the_tree() {
        let tree = json!({"a": {"b": 1, "e": {}}, "c": {}, "d": [1]});
        let mut rebuilt = json!({});
        for (segments, value) in leaves(&tree) {
            insert_at(&mut rebuilt, &segments, value.clone());
        }
        assert_eq!(rebuilt, tree);
    }

    #[test]
    fn an_empty_object_does_not_erase_an_existing_subtree() {
        let mut tree = json!({"a": {"b": 1}});
        insert_at(&mut tree, &keys(&["a"]), json!({}));
        assert_eq!(tree, json!({"a": {"b": 1}}));
    }

    #[test]
    fn removing_a_missing_path_changes_nothing() {
        let mut tree = json!({"a": {"b": 1}});
        remove_at(&mut tree, &keys(&["a", "x", "y"]));
        remove_at(&mut tree, &keys(&["z"]));
        assert_eq!(tree, json!({"a": {"b": 1}}));
        remove_at(&mut tree, &keys(&["a", "b"]));
        assert_eq!(tree, json!({"a": {}}));
    }
}
