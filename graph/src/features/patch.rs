//! The stored form of a child's features: an RFC 6902 patch against its parent's full features.
//!
//! The diff is written here rather than taken from `json_patch::diff`, which the workspace builds
//! without (json-patch has its default `diff` feature off), and so that arrays follow the same
//! rule as everywhere else in this module: an array that changed is replaced whole.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::Value;

use crate::error::{Error, Result};

/// The RFC 6902 patch that turns `parent_full` into `child_full`.
///
/// Objects are compared key by key: a key only in the parent is removed, a key only in the child
/// is added, and a value that differs is replaced (whole, unless both sides are objects, which
/// are compared in turn). Equal trees give the empty patch.
pub fn diff(parent_full: &Value, child_full: &Value) -> Patch {
    let mut operations = Vec::new();
    diff_into(parent_full, child_full, &mut PointerBuf::root(), &mut operations);
    Patch(operations)
}

/// Applies a stored patch to `base`, the parent's full features, and returns the child's.
///
/// A patch that does not apply means the stored data is inconsistent, not that the caller erred,
/// hence [`Error::Internal`].
pub fn apply(base: &Value, patch: &Patch) -> Result<Value> {
    let mut patched = base.clone();
    json_patch::patch(&mut patched, patch)
        .map_err(|error| Error::Internal(format!("stored features diff does not apply: {error}")))?;
    Ok(patched)
}

fn diff_into(before: &Value, after: &Value, pointer: &mut PointerBuf, operations: &mut Vec<PatchOperation>) {
    match (before, after) {
        (Value::Object(before_map), Value::Object(after_map)) => {
            for key in before_map.keys().filter(|key| !after_map.contains_key(*key)) {
                operations.push(PatchOperation::Remove(RemoveOperation {
                    path: pointer.with_trailing_token(key.as_str()),
                }));
            }
            for (key, after_value) in after_map {
                match before_map.get(key) {
                    Some(before_value) => {
                        pointer.push_back(key.as_str());
                        diff_into(before_value, after_value, pointer, operations);
                        pointer.pop_back();
                    }
                    None => operations.push(PatchOperation::Add(AddOperation {
                        path: pointer.with_trailing_token(key.as_str()),
                        value: after_value.clone(),
                    })),
                }
            }
        }
        _ if before == after => {}
        _ => operations.push(PatchOperation::Replace(ReplaceOperation {
            path: pointer.clone(),
            value: after.clone(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn operations_as_json(patch: &Patch) -> Value {
        serde_json::to_value(patch).expect("a patch serializes")
    }

    #[test]
    fn diff_of_equal_trees_is_empty() {
        let tree = json!({"a": {"b": [1, 2]}, "c": null});
        assert!(diff(&tree, &tree).0.is_empty());
    }

    #[test]
    fn diff_adds_removes_and_replaces_keys() {
        let parent = json!({"lr": 0.1, "old": true, "nested": {"depth": 3}});
        let child = json!({"lr": 0.2, "new": "x", "nested": {"depth": 3}});
        assert_eq!(
            operations_as_json(&diff(&parent, &child)),
            json!([
                {"op": "remove", "path": "/old"},
                {"op": "replace", "path": "/lr", "value": 0.2},
                {"op": "add", "path": "/new", "value": "x"},
            ])
        );
    }

    #[test]
    fn diff_replaces_a_changed_array_whole() {
        let parent = json!({"layers": [64, 64, 32]});
        let child = json!({"layers": [64, 32]});
        assert_eq!(
            operations_as_json(&diff(&parent, &child)),
            json!([{"op": "replace", "path": "/layers", "value": [64, 32]}])
        );
    }

    #[test]
    fn diff_escapes_keys_as_json_pointers() {
        let parent = json!({"a/b": {"c~d": 1}});
        let child = json!({"a/b": {"c~d": 2}});
        assert_eq!(
            operations_as_json(&diff(&parent, &child)),
            json!([{"op": "replace", "path": "/a~1b/c~0d", "value": 2}])
        );
        assert_eq!(apply(&parent, &diff(&parent, &child)).expect("applies"), child);
    }

    #[test]
    fn apply_replays_a_diff() {
        let parent = json!({"a": {"x": 1}, "b": [1], "c": "keep"});
        let child = json!({"a": 5, "b": [2], "c": "keep", "d": {}});
        assert_eq!(apply(&parent, &diff(&parent, &child)).expect("applies"), child);
    }

    #[test]
    fn apply_reports_an_inconsistent_patch_as_internal() {
        let patch: Patch = serde_json::from_value(json!([{"op": "remove", "path": "/missing"}]))
            .expect("a well-formed patch");
        let message = match apply(&json!({"a": 1}), &patch) {
            Err(Error::Internal(message)) => message,
            other => panic!("expected an internal error, got {other:?}"),
        };
        assert!(
            message.starts_with("stored features diff does not apply"),
            "{message}"
        );
    }
}
