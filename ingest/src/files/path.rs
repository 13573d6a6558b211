//! File paths relative to an experiment root: what is accepted and the one normalized form it
//! is stored under.

use super::invalid;
use crate::Result;

/// The longest path accepted, in bytes (before normalization).
pub const MAX_PATH_BYTES: usize = 1024;
/// The longest path segment accepted, in bytes (the common file-system limit).
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Validates a file path relative to an experiment root and returns its normalized form:
/// forward slashes, no `.` segments, no duplicate or trailing slashes.
///
/// Refused (as `Error::Invalid` naming `field`): an empty path, one over
/// [`MAX_PATH_BYTES`], control characters (NUL included), backslashes (so Windows and UNC
/// paths), absolute paths, a Windows drive (`C:`), any `..` segment, a segment over
/// [`MAX_SEGMENT_BYTES`] and a path naming only the root (`.`, `./`).
///
/// The normalized form is a fixed point: validating it again returns it unchanged.
pub fn validate_path(field: &str, path: &str) -> Result<String> {
    if path.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(invalid(
            field,
            format!(
                "is {} bytes, longer than the limit of {MAX_PATH_BYTES}",
                path.len()
            ),
        ));
    }
    if let Some(control) = path.chars().find(|c| c.is_control()) {
        return Err(invalid(
            field,
            format!("contains the control character U+{:04X}", u32::from(control)),
        ));
    }
    if path.contains('\\') {
        return Err(invalid(
            field,
            "contains a backslash; use forward slashes (windows and unc paths are not accepted)",
        ));
    }
    if path.starts_with('/') {
        return Err(invalid(
            field,
            "is absolute; give a path relative to the experiment root",
        ));
    }

    let mut segments = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return Err(invalid(field, "contains a '..' segment")),
            _ if segment.len() > MAX_SEGMENT_BYTES => {
                return Err(invalid(
                    field,
                    format!(
                        "has a segment of {} bytes, longer than the limit of {MAX_SEGMENT_BYTES}",
                        segment.len()
                    ),
                ))
            }
            _ => segments.push(segment),
        }
    }
    let Some(first) = segments.first() else {
        return Err(invalid(field, "names no file (only '.' segments)"));
    };
    // Checked on the normalized first segment so that `./C:/x` is refused like `C:/x`.
    if is_windows_drive(first) {
        return Err(invalid(
            field,
            "starts with a windows drive letter; give a path relative to the experiment root",
        ));
    }
    Ok(segments.join("/"))
}

/// `C:`, `c:foo` and the like: a drive letter followed by a colon.
fn is_windows_drive(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn refusal(path: &str) -> String {
        match validate_path("path", path) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "path");
                reason
            }
            other => panic!("expected {path:?} to be refused, got {other:?}"),
        }
    }

    #[test]
    fn normalizes_dots_and_slashes() {
        let cases = [
            ("a.txt", "a.txt"),
            ("./a.txt", "a.txt"),
            ("a//b///c", "a/b/c"),
            ("a/./b/", "a/b"),
            ("checkpoints/epoch 1/model.pt", "checkpoints/epoch 1/model.pt"),
            ("données/é.csv", "données/é.csv"),
            ("run:1/c", "run:1/c"),
            ("...", "..."),
            ("a/..b/c..", "a/..b/c.."),
        ];
        for (input, expected) in cases {
            assert_eq!(validate_path("path", input).expect(input), expected);
        }
    }

    #[test]
    fn refuses_unsafe_paths_and_says_why() {
        assert_eq!(refusal(""), "is empty");
        assert!(refusal("/etc/passwd").contains("absolute"));
        assert!(refusal("../evil").contains("'..'"));
        assert!(refusal("a/../../evil").contains("'..'"));
        assert!(refusal("a/..").contains("'..'"));
        assert!(refusal("C:").contains("windows drive"));
        assert!(refusal("c:/x").contains("windows drive"));
        assert!(refusal("./C:/x").contains("windows drive"));
        assert!(refusal("c:\\x").contains("backslash"));
        assert!(refusal("\\\\server\\share\\x").contains("backslash"));
        assert!(refusal("a\\b").contains("backslash"));
        assert!(refusal("a\0b").contains("U+0000"));
        assert!(refusal("a\nb").contains("U+000A"));
        assert!(refusal("a\u{7f}").contains("U+007F"));
        assert!(refusal(".").contains("names no file"));
        assert!(refusal("././/").contains("names no file"));
    }

    #[test]
    fn refuses_paths_and_segments_over_the_limits() {
        let longest_segment = "s".repeat(MAX_SEGMENT_BYTES);
        assert!(validate_path("path", &longest_segment).is_ok());
        assert!(refusal(&format!("{longest_segment}s")).contains("segment of 256 bytes"));

        let longest_path = format!("{}/{}", "a".repeat(200), "b/".repeat(411)) + "c";
        assert_eq!(longest_path.len(), MAX_PATH_BYTES);
        assert!(validate_path("path", &longest_path).is_ok());
        assert!(refusal(&format!("{longest_path}c")).contains("1025 bytes"));
    }
}
