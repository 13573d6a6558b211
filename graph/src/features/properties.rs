//! Property tests of the features module: diffs replay, explanations are exact, merges behave.
//!
//! Trees are drawn from a small set of keys and values so that independent trees overlap often,
//! and the keys include the characters that paths escape.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::tree::{insert_at, leaves, remove_at, value_at};
use super::*;

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "lr", "x.y", "[0]", r"back\slash", ""]).prop_map(String::from)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-2i64..3).prop_map(Value::from),
        prop::sample::select(vec![0.5, -1.25, 1e-3, 3.0e10]).prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::from),
        prop::collection::vec(-1i64..2, 0..3).prop_map(Value::from),
    ]
}

fn object_of<S: Strategy<Value = Value>>(values: S) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), values, 0..4)
        .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>()))
}

/// A features tree: an object of leaves and objects, up to four levels deep.
fn features() -> impl Strategy<Value = Value> {
    let node = leaf().prop_recursive(3, 24, 4, object_of);
    object_of(node)
}

fn segments_of(path: &str) -> Result<Vec<String>, TestCaseError> {
    path_string_to_segments(path).map_err(|error| TestCaseError::fail(error.to_string()))
}

fn conflict_paths(preview: &MergePreview) -> Vec<String> {
    preview
        .conflicts
        .iter()
        .map(|conflict| conflict.path.clone())
        .collect()
}

/// Keys as configuration files write them: plain words, some of which YAML 1.1 read as
/// booleans or numbers but 1.2 reads as text.
fn config_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "lr",
        "model",
        "data.augment",
        "batch_size",
        "a-b",
        "x/y",
        "_p",
        "yes",
        "on",
        "inf",
        "nan",
        "e1",
    ])
    .prop_map(String::from)
}

/// Text that YAML writes as a plain or simply quoted scalar (no quote inside).
fn config_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9 _./-]{0,8}[a-z0-9]",
        "/[a-z0-9_./-]{0,8}",
        prop::sample::select(vec![
            "", "true", "null", "~", "007", "1e3", "-", "a: b", "a #b", "#x", "[1]", "{}", "x:", "- y", "&a",
            ".inf", "0x1F", "+1", " padded "
        ])
        .prop_map(String::from),
    ]
}

fn config_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        prop::sample::select(vec![0.0, -0.5, 1e-8, 0.0003, 1e300]).prop_map(Value::from),
        config_text().prop_map(Value::from),
    ]
}

/// A configuration file's tree: nested mappings of word keys over scalars and lists of them.
fn config_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![4 => config_scalar(), 1 => prop::collection::vec(config_scalar(), 0..4).prop_map(Value::from)];
    let node = leaf.prop_recursive(4, 32, 5, |inner| {
        prop::collection::vec((config_key(), inner), 0..5)
            .prop_map(|entries| Value::Object(entries.into_iter().collect()))
    });
    prop::collection::vec((config_key(), node), 1..6)
        .prop_map(|entries| Value::Object(entries.into_iter().collect()))
}

/// One line of a document that may or may not be in the block reader's subset.
fn config_line() -> impl Strategy<Value = String> {
    let indent = prop::sample::select(vec!["", "", "", " ", "  ", "    "]);
    let key = prop_oneof![
        3 => prop::sample::select(vec!["a", "b", "c", "lr", "x.y"]),
        1 => prop::sample::select(vec!["true", "1", "a b", "<<", "&k a", "'q'", "- a", "-", "?"]),
    ];
    let separator = prop_oneof![3 => Just(": "), 1 => prop::sample::select(vec![":", " : ", ":  ", ""])];
    let value = prop::sample::select(vec![
        "",
        "1",
        "-1",
        "-0",
        "007",
        "-007",
        "1e3",
        "1E-3",
        "1e999",
        ".5",
        "5.",
        "-.5",
        "+1",
        "0x10",
        "0o7",
        ".inf",
        "-.inf",
        ".nan",
        "nan",
        "yes",
        "~",
        "null",
        "NULL",
        "True",
        "'q'",
        "'it''s'",
        "\"q\"",
        "\"a\\tb\"",
        "\"a #b\"",
        "[1, a]",
        "[]",
        "[ ]",
        "[1,]",
        "[[1]]",
        "{}",
        "{a: 1}",
        "- 1",
        "-",
        "a: b",
        "a #c",
        "#c",
        "|",
        ">",
        "&x 1",
        "*x",
        "!!str 1",
        "a]",
        "x:",
        "http://a",
        "a#b",
        "1_000",
        "/data/runs",
        "//x",
        "/a: b",
        "/a #b",
        "1.2.3",
        "18446744073709551616",
        "-9223372036854775809",
        "@",
        "`",
        "%",
        "a\"b",
        "'a",
        "b'",
    ]);
    (indent, key, separator, value)
        .prop_map(|(indent, key, separator, value)| format!("{indent}{key}{separator}{value}"))
}

proptest! {
    #[test]
    fn the_block_reader_reads_written_configurations_exactly(tree in config_tree()) {
        let text = serde_yaml_ng::to_string(&tree).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let full = super::parse::parse_yaml_with_libyaml(&text).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&full, &tree);
        match super::block_yaml::read(&text) {
            Some(read) => prop_assert_eq!(read, tree),
            // Only text that YAML has to quote with escapes leaves the subset.
            None => prop_assert!(text.contains(['"', '\'']), "{text}"),
        }
    }

    #[test]
    fn the_block_reader_reads_what_libyaml_reads_or_nothing(lines in prop::collection::vec(config_line(), 1..8)) {
        let text = lines.join("\n");
        if let Some(read) = super::block_yaml::read(&text) {
            let full = super::parse::parse_yaml_with_libyaml(&text);
            prop_assert_eq!(full.ok(), Some(read), "{}", text);
        }
    }

    #[test]
    fn yaml_read_directly_is_what_the_detour_reads(tree in features()) {
        let text = serde_yaml_ng::to_string(&tree).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let direct = super::parse::parse_yaml_with_libyaml(&text).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let detour = super::parse::parse_yaml_through_value(&text)
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&direct, &detour);
        prop_assert_eq!(direct, tree);
    }

    #[test]
    fn applying_a_diff_gives_the_target(before in features(), after in features()) {
        let patched = apply(&before, &diff(&before, &after));
        prop_assert_eq!(patched.ok(), Some(after));
    }

    #[test]
    fn a_tree_has_no_changes_against_itself(tree in features()) {
        prop_assert!(explain(&tree, &tree).is_empty());
        prop_assert!(diff(&tree, &tree).0.is_empty());
    }

    #[test]
    fn replaying_explained_changes_on_the_leaves_gives_the_target(
        before in features(),
        after in features(),
    ) {
        let mut current_leaves: BTreeMap<Vec<String>, Value> = leaves(&before)
            .into_iter()
            .map(|(segments, value)| (segments, value.clone()))
            .collect();
        for change in explain(&before, &after) {
            let segments = segments_of(&change.path)?;
            match change.after {
                Some(value) => current_leaves.insert(segments, value),
                None => current_leaves.remove(&segments),
            };
        }
        let mut rebuilt = Value::Object(Map::new());
        for (segments, value) in current_leaves {
            insert_at(&mut rebuilt, &segments, value);
        }
        prop_assert_eq!(rebuilt, after);
    }

    #[test]
    fn explaining_walks_to_the_same_changes_as_comparing_every_leaf(
        before in features(),
        after in features(),
    ) {
        let (old, new) = (leaves(&before), leaves(&after));
        let every_path: std::collections::BTreeSet<&Vec<String>> = old.keys().chain(new.keys()).collect();
        let compared: Vec<(String, Option<Value>, Option<Value>)> = every_path
            .into_iter()
            .map(|segments| (segments, old.get(segments).copied(), new.get(segments).copied()))
            .filter(|(_, old, new)| old != new)
            .map(|(segments, old, new)| (path_segments_to_string(segments), old.cloned(), new.cloned()))
            .collect();
        let explained: Vec<(String, Option<Value>, Option<Value>)> = explain(&before, &after)
            .into_iter()
            .map(|change| (change.path, change.before, change.after))
            .collect();
        prop_assert_eq!(explained, compared);
    }

    #[test]
    fn explained_changes_are_sorted_and_well_formed(before in features(), after in features()) {
        let changes = explain(&before, &after);
        let segment_lists = changes
            .iter()
            .map(|change| segments_of(&change.path))
            .collect::<Result<Vec<_>, _>>()?;
        prop_assert!(segment_lists.windows(2).all(|pair| pair[0] < pair[1]));
        for change in &changes {
            let well_formed = match change.op {
                ChangeOp::Add => change.before.is_none() && change.after.is_some(),
                ChangeOp::Remove => change.before.is_some() && change.after.is_none(),
                ChangeOp::Replace => change.before.is_some() && change.before != change.after,
            };
            prop_assert!(well_formed, "{:?}", change);
        }
    }

    #[test]
    fn merging_with_an_untouched_side_gives_the_changed_side(
        base in features(),
        changed in features(),
    ) {
        let preview = merge3(&base, &changed, &base);
        prop_assert!(preview.conflicts.is_empty());
        prop_assert_eq!(&preview.merged, &changed);

        let preview = merge3(&base, &base, &changed);
        prop_assert!(preview.conflicts.is_empty());
        prop_assert_eq!(preview.merged, changed);
    }

    #[test]
    fn merging_identical_sides_gives_that_side(base in features(), both in features()) {
        let preview = merge3(&base, &both, &both);
        prop_assert!(preview.conflicts.is_empty());
        prop_assert_eq!(preview.merged, both);
    }

    #[test]
    fn merge_conflicts_do_not_depend_on_which_side_is_ours(
        base in features(),
        left in features(),
        right in features(),
    ) {
        let left_first = merge3(&base, &left, &right);
        let right_first = merge3(&base, &right, &left);
        prop_assert_eq!(conflict_paths(&left_first), conflict_paths(&right_first));
        for (one, other) in left_first.conflicts.iter().zip(&right_first.conflicts) {
            prop_assert_eq!(&one.base, &other.base);
            prop_assert_eq!(&one.ours, &other.theirs);
            prop_assert_eq!(&one.theirs, &other.ours);
        }
    }

    #[test]
    fn a_merge_keeps_ours_at_each_conflict_and_nests_no_conflicts(
        base in features(),
        ours in features(),
        theirs in features(),
    ) {
        let preview = merge3(&base, &ours, &theirs);
        prop_assert!(preview.merged.is_object());
        let mut previous: Option<Vec<String>> = None;
        for conflict in &preview.conflicts {
            let segments = segments_of(&conflict.path)?;
            prop_assert_eq!(value_at(&preview.merged, &segments), value_at(&ours, &segments));
            if let Some(previous) = &previous {
                prop_assert!(previous < &segments);
                let nested = segments.starts_with(previous);
                prop_assert!(!nested, "{:?} nests in {:?}", segments, previous);
            }
            previous = Some(segments);
        }
    }

    #[test]
    fn a_merge_keeps_every_leaf_both_sides_agree_on(
        base in features(),
        ours in features(),
        theirs in features(),
    ) {
        let preview = merge3(&base, &ours, &theirs);
        let merged_leaves = leaves(&preview.merged);
        let their_leaves = leaves(&theirs);
        for (segments, our_value) in leaves(&ours) {
            if their_leaves.get(&segments) == Some(&our_value) {
                prop_assert_eq!(merged_leaves.get(&segments), Some(&our_value));
            }
        }
    }

    #[test]
    fn paths_split_back_into_their_keys(segments in prop::collection::vec(".{0,4}", 1..4)) {
        let path = path_segments_to_string(&segments);
        prop_assert_eq!(path_string_to_segments(&path).ok(), Some(segments));
    }

    #[test]
    fn features_survive_a_json_round_trip(tree in features()) {
        let text = serde_json::to_string_pretty(&tree)
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(parse_features(&text).ok(), Some(tree));
    }

    #[test]
    fn features_survive_a_yaml_round_trip(tree in features()) {
        let text = serde_yaml_ng::to_string(&tree)
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(parse_features(&text).ok(), Some(tree), "yaml text:\n{}", text);
    }

    #[test]
    fn removing_then_inserting_a_leaf_restores_the_tree(tree in features()) {
        for (segments, value) in leaves(&tree) {
            let mut edited = tree.clone();
            remove_at(&mut edited, &segments);
            insert_at(&mut edited, &segments, value.clone());
            prop_assert_eq!(&edited, &tree);
        }
    }
}
