//! Source paths: which ones the server accepts, which ones a capture leaves out (built-in
//! and user exclusions), and the paths of a restore archive.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};

/// The longest source path the server accepts, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;
/// The longest path segment the server accepts, in bytes.
pub const MAX_SEGMENT_BYTES: usize = 255;
/// The folder the server reserves for a snapshot's own files.
pub const RESERVED_FOLDER: &str = ".rsdk";

/// Folders left out of every capture, at any depth.
const EXCLUDED_FOLDERS: [&str; 5] = [
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".ipynb_checkpoints",
];

/// Why the server would refuse `path` as a source path, if it would: it must be relative,
/// `/`-separated, without empty, `.` or `..` segments, control characters or backslashes,
/// at most [`MAX_PATH_BYTES`] long, and outside [`RESERVED_FOLDER`].
pub fn path_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("the path is empty".into());
    }
    if path.len() > MAX_PATH_BYTES {
        return Some(format!(
            "the path is {} bytes, over the server's limit of {MAX_PATH_BYTES}",
            path.len()
        ));
    }
    if path.chars().any(char::is_control) {
        return Some("the path contains a control character".into());
    }
    if path.contains('\\') {
        return Some("the path contains a backslash, which the server refuses".into());
    }
    if path.starts_with('/') {
        return Some("the path is absolute".into());
    }
    let segments: Vec<&str> = path.split('/').collect();
    if let Some(problem) = segments.iter().find_map(|segment| segment_problem(segment)) {
        return Some(problem);
    }
    if is_windows_drive(segments[0]) {
        return Some("the path starts like a windows drive (`C:`), which the server refuses".into());
    }
    if segments[0] == RESERVED_FOLDER {
        return Some(format!(
            "`{RESERVED_FOLDER}/` is reserved for the snapshot's own files"
        ));
    }
    None
}

fn segment_problem(segment: &str) -> Option<String> {
    match segment {
        "" => Some("the path has an empty segment".into()),
        "." | ".." => Some(format!("the path has a `{segment}` segment")),
        _ if segment.len() > MAX_SEGMENT_BYTES => Some(format!(
            "a segment is {} bytes, over the limit of {MAX_SEGMENT_BYTES}",
            segment.len()
        )),
        _ => None,
    }
}

/// `C:`, `c:foo` and the like: a drive letter followed by a colon.
fn is_windows_drive(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The segments of a path inside a restore archive, normalized the way the server writes
/// them (`./` and trailing slashes are tolerated). Refused: absolute paths, `..`, control
/// characters, backslashes and windows drives (anything that could land outside the
/// extraction folder), and `.git` in any case (a planted `.git/config` could run commands
/// when the user next runs git).
pub fn archive_segments(path: &str) -> std::result::Result<Vec<&str>, String> {
    if path.starts_with('/') {
        return Err("is absolute".into());
    }
    if path.chars().any(char::is_control) || path.contains('\\') {
        return Err("contains a control character or a backslash".into());
    }
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect();
    if segments.contains(&"..") {
        return Err("contains a `..` segment".into());
    }
    if segments
        .iter()
        .any(|segment| segment.eq_ignore_ascii_case(".git"))
    {
        return Err("is inside `.git`: git metadata is never restored from an archive".into());
    }
    match segments.first() {
        None => Err("names no file".into()),
        Some(first) if is_windows_drive(first) => Err("starts with a windows drive".into()),
        Some(_) => Ok(segments),
    }
}

/// A path a capture leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The excluded file, or the excluded folder with a trailing `/` (reported once for all
    /// the files below it).
    pub path: String,
    pub reason: String,
}

/// The built-in exclusions ([`EXCLUDED_FOLDERS`], `.git`, `*.pyc`, the reserved folder)
/// and the user's glob patterns.
#[derive(Debug, Clone)]
pub struct Exclusions {
    patterns: Vec<String>,
    globs: GlobSet,
}

impl Exclusions {
    /// Compiles the user's patterns (globset syntax, matched against the path relative to
    /// the root and against each of its folders, so `data` and `data/**` both leave out the
    /// folder; `*` also crosses `/`). A leading `./` or `/` and a trailing `/` are ignored.
    pub fn new(patterns: &[String]) -> Result<Self> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let trimmed = pattern.trim_start_matches("./").trim_matches('/');
            let glob = Glob::new(trimmed).map_err(|error| {
                Error::invalid(
                    "exclude",
                    format!("`{pattern}` is not a valid glob pattern: {error}"),
                )
            })?;
            builder.add(glob);
            kept.push(pattern.clone());
        }
        let globs = builder.build().map_err(|error| {
            Error::invalid("exclude", format!("the patterns cannot be compiled: {error}"))
        })?;
        Ok(Self {
            patterns: kept,
            globs,
        })
    }

    /// Whether (and why) `path` is left out; `is_folder` says whether `path` itself is a
    /// folder. The shortest excluded prefix is answered, so a folder is reported once.
    pub fn excluded(&self, path: &str, is_folder: bool) -> Option<Exclusion> {
        let segments: Vec<&str> = path.split('/').collect();
        let last = segments.len() - 1;
        let mut end = 0;
        for (index, segment) in segments.iter().enumerate() {
            end += segment.len() + usize::from(index > 0);
            let prefix = &path[..end];
            let folder = index < last || is_folder;
            if let Some(reason) = self.reason(index, segment, prefix, folder) {
                let path = if folder {
                    format!("{prefix}/")
                } else {
                    prefix.to_owned()
                };
                return Some(Exclusion { path, reason });
            }
        }
        None
    }

    /// Why the segment at `index` (ending the prefix `prefix`) is excluded, if it is.
    fn reason(&self, index: usize, segment: &str, prefix: &str, folder: bool) -> Option<String> {
        if segment == ".git" {
            return Some("git metadata".into());
        }
        if index == 0 && segment == RESERVED_FOLDER {
            return Some(format!(
                "`{RESERVED_FOLDER}/` is reserved for the snapshot's own files"
            ));
        }
        if folder && EXCLUDED_FOLDERS.contains(&segment) {
            return Some(format!("`{segment}/` is always excluded"));
        }
        if !folder && segment.ends_with(".pyc") {
            return Some("compiled python (`*.pyc`) is always excluded".into());
        }
        let matched = self.globs.matches(prefix);
        let pattern = matched.first().map(|&index| &self.patterns[index])?;
        Some(format!("excluded by the pattern `{pattern}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_problem_follows_the_server_rules() {
        for good in ["a.py", "src/a b/c.txt", "src/.rsdk/x", "é/ü.txt"] {
            assert_eq!(path_problem(good), None, "{good}");
        }
        let long = "a/".repeat(600);
        for bad in [
            "",
            "/abs",
            "a//b",
            "a/./b",
            "../x",
            "a\\b",
            "a\tb",
            "C:/x",
            ".rsdk/patch.diff",
            long.as_str(),
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn archive_paths_are_normalized_and_never_escape() {
        assert_eq!(archive_segments("./a/b/"), Ok(vec!["a", "b"]));
        assert_eq!(
            archive_segments(".rsdk/manifest.json"),
            Ok(vec![".rsdk", "manifest.json"])
        );
        for bad in [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "./",
            "C:/x",
            "a\\..\\b",
            ".git/config",
            "sub/.GIT/hooks/post-checkout",
        ] {
            assert!(archive_segments(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn built_in_exclusions_report_the_folder_once() -> Result<()> {
        let exclusions = Exclusions::new(&[])?;
        let excluded = |path: &str| exclusions.excluded(path, false).map(|found| found.path);
        assert_eq!(
            excluded("pkg/__pycache__/m.cpython-312.pyc").as_deref(),
            Some("pkg/__pycache__/")
        );
        assert_eq!(
            excluded("node_modules/x/index.js").as_deref(),
            Some("node_modules/")
        );
        assert_eq!(excluded("a/b.pyc").as_deref(), Some("a/b.pyc"));
        assert_eq!(excluded(".rsdk/restore.json").as_deref(), Some(".rsdk/"));
        assert_eq!(excluded("sub/.git").as_deref(), Some("sub/.git"));
        assert_eq!(excluded("src/.rsdk/x"), None);
        assert_eq!(excluded("src/venvironment.py"), None);
        assert_eq!(
            exclusions
                .excluded("venv", true)
                .map(|found| found.path)
                .as_deref(),
            Some("venv/")
        );
        Ok(())
    }

    #[test]
    fn user_patterns_match_files_and_folders() -> Result<()> {
        let exclusions = Exclusions::new(&["data/".into(), "*.ckpt".into()])?;
        let found = exclusions.excluded("data/raw/x.csv", false);
        assert_eq!(
            found,
            Some(Exclusion {
                path: "data/".into(),
                reason: "excluded by the pattern `data/`".into()
            })
        );
        assert_eq!(
            exclusions
                .excluded("runs/a/model.ckpt", false)
                .map(|found| found.path)
                .as_deref(),
            Some("runs/a/model.ckpt")
        );
        assert_eq!(exclusions.excluded("src/data.py", false), None);
        assert!(Exclusions::new(&["a[".into()]).is_err());
        Ok(())
    }
}
