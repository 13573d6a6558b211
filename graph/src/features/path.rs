//! Feature paths: the dotted names, such as `optimizer.lr`, that address one leaf of a tree.
//!
//! A path joins the keys from the root to a leaf with `.`. Inside a key, each of `\`, `.`, `[`
//! and `]` is preceded by a backslash, so `{"a.b": {"c": 1}}` has the leaf `a\.b.c` and every
//! path splits back into exactly one list of keys. Brackets are escaped although paths never
//! index arrays today, so that `[n]` stays free to mean an array element later, and so that
//! error messages can point into an array (`schedule[2]`) without ambiguity.

use crate::error::{Error, Result};

/// The characters that a key must escape with a backslash inside a path.
const ESCAPED_CHARACTERS: [char; 4] = ['\\', '.', '[', ']'];

/// Joins keys into a dotted path, escaping `\`, `.`, `[` and `]` inside each key.
///
/// `["optimizer", "lr"]` becomes `optimizer.lr` and `["a.b", "c"]` becomes `a\.b.c`. The empty
/// list gives the empty string, which is also the path of the single key `""`; features trees
/// are objects, so a leaf always has at least one key and the two never meet.
pub fn path_segments_to_string<S: AsRef<str>>(segments: &[S]) -> String {
    let mut path = String::new();
    for (index, segment) in segments.iter().enumerate() {
        if index > 0 {
            path.push('.');
        }
        push_escaped_key(&mut path, segment.as_ref());
    }
    path
}

/// Splits a dotted path back into its keys, the inverse of [`path_segments_to_string`].
///
/// Fails with [`Error::Invalid`] on the `path` field when a backslash ends the path or escapes
/// anything other than `\`, `.`, `[` or `]`, or when a bracket appears unescaped.
pub fn path_string_to_segments(path: &str) -> Result<Vec<String>> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut characters = path.chars();
    while let Some(character) = characters.next() {
        match character {
            '.' => segments.push(std::mem::take(&mut current)),
            '\\' => match characters.next() {
                Some(escaped) if ESCAPED_CHARACTERS.contains(&escaped) => current.push(escaped),
                Some(other) => {
                    return Err(Error::invalid(
                        "path",
                        format!("`{path}` escapes `{other}`, only `\\`, `.`, `[` and `]` can be escaped"),
                    ))
                }
                None => {
                    return Err(Error::invalid(
                        "path",
                        format!("`{path}` ends with an unfinished escape"),
                    ))
                }
            },
            '[' | ']' => {
                return Err(Error::invalid(
                    "path",
                    format!("`{path}` has an unescaped `{character}`, array elements are not addressable"),
                ))
            }
            plain => current.push(plain),
        }
    }
    segments.push(current);
    Ok(segments)
}

/// Appends `key` to `path` with the path's special characters escaped.
pub(crate) fn push_escaped_key(path: &mut String, key: &str) {
    for character in key.chars() {
        if ESCAPED_CHARACTERS.contains(&character) {
            path.push('\\');
        }
        path.push(character);
    }
}

/// Where a key's value sits, for error messages: `parent.key`, or `key` under the root (`None`).
pub(crate) fn child_location(parent: Option<&str>, key: &str) -> String {
    let mut location = String::new();
    if let Some(parent) = parent {
        location.push_str(parent);
        location.push('.');
    }
    push_escaped_key(&mut location, key);
    location
}

/// A location as error messages word it: ``at `a.b` `` or `at the top level`.
pub(crate) fn describe_location(location: Option<&str>) -> String {
    match location {
        Some(location) => format!("at `{location}`"),
        None => "at the top level".to_string(),
    }
}

/// Where a list element sits, for error messages: `parent[index]`, or `[index]` under the root.
pub(crate) fn element_location(parent: Option<&str>, index: usize) -> String {
    format!("{}[{index}]", parent.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_are_joined_with_dots() {
        assert_eq!(path_segments_to_string(&["optimizer", "lr"]), "optimizer.lr");
    }

    #[test]
    fn special_characters_inside_keys_are_escaped() {
        assert_eq!(path_segments_to_string(&["a.b", "c"]), r"a\.b.c");
        assert_eq!(path_segments_to_string(&[r"back\slash"]), r"back\\slash");
        assert_eq!(path_segments_to_string(&["[0]"]), r"\[0\]");
    }

    #[test]
    fn escaped_paths_split_back_into_the_same_keys() {
        let segments = ["a.b", "", r"c\", "[x]"];
        let path = path_segments_to_string(&segments);
        assert_eq!(
            path_string_to_segments(&path).ok(),
            Some(segments.map(String::from).to_vec())
        );
    }

    #[test]
    fn empty_keys_survive_the_round_trip() {
        assert_eq!(path_segments_to_string(&["a", ""]), "a.");
        assert_eq!(
            path_string_to_segments("a.").ok(),
            Some(vec!["a".to_string(), String::new()])
        );
    }

    #[test]
    fn parsing_refuses_an_unknown_escape() {
        let error = path_string_to_segments(r"a\b")
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some(r"path: `a\b` escapes `b`, only `\`, `.`, `[` and `]` can be escaped")
        );
    }

    #[test]
    fn parsing_refuses_a_trailing_backslash_and_bare_brackets() {
        assert!(path_string_to_segments(r"a\").is_err());
        assert!(path_string_to_segments("a[0]").is_err());
    }
}
