//! Checking a restored tree against the snapshot's manifest.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::error::{Error, Result};

use super::paths::{archive_segments, RESERVED_FOLDER};
use super::{sha256_file, SourceFile};

/// How many paths of each problem [`Verification`]'s summary names.
const SHOWN_PROBLEMS: usize = 3;

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Manifest files checked.
    pub checked: usize,
    /// Files whose content has the manifest's sha256.
    pub matched: usize,
    /// Files whose content differs (or that are not regular files).
    pub mismatched: Vec<String>,
    /// Manifest files absent from the tree.
    pub missing: Vec<String>,
    /// Files in the tree the manifest does not list (besides `.git/`, `.rsdk/` and links):
    /// reported, but not a failure (a git restore brings back the tracked files the capture
    /// excluded).
    pub extra: Vec<String>,
}

impl Verification {
    /// Whether every manifest file is present with its content.
    pub fn ok(&self) -> bool {
        self.mismatched.is_empty() && self.missing.is_empty()
    }

    /// `self`, or [`Error::Verification`] with the summary when not [`Verification::ok`].
    pub fn into_result(self) -> Result<Self> {
        if self.ok() {
            Ok(self)
        } else {
            Err(Error::Verification(self.to_string()))
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "verified {} files against the manifest: {} match",
            self.checked, self.matched
        )?;
        for (paths, what) in [
            (&self.mismatched, "differ"),
            (&self.missing, "missing"),
            (&self.extra, "extra"),
        ] {
            if !paths.is_empty() {
                write!(formatter, ", {} {what} ({})", paths.len(), first_few(paths))?;
            }
        }
        Ok(())
    }
}

fn first_few(paths: &[String]) -> String {
    let shown: Vec<&str> = paths.iter().take(SHOWN_PROBLEMS).map(String::as_str).collect();
    let more = if paths.len() > SHOWN_PROBLEMS { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Hashes every manifest file under `dir` and lists the files `dir` has beyond them.
/// `progress` gets the manifest's length and advances by one per file.
pub fn verify(dir: &Path, manifest: &[SourceFile], progress: Option<&ProgressBar>) -> Result<Verification> {
    if let Some(progress) = progress {
        progress.set_length(manifest.len() as u64);
    }
    let mut verification = Verification::default();
    for file in manifest {
        let segments = archive_segments(&file.path)
            .map_err(|reason| Error::invalid("manifest", format!("the path {} {reason}", file.path)))?;
        let path = segments
            .into_iter()
            .fold(dir.to_path_buf(), |path, segment| path.join(segment));
        verification.checked += 1;
        match check_file(&path, file)? {
            Check::Matched => verification.matched += 1,
            Check::Mismatched => verification.mismatched.push(file.path.clone()),
            Check::Missing => verification.missing.push(file.path.clone()),
        }
        if let Some(progress) = progress {
            progress.inc(1);
        }
    }
    let listed: BTreeSet<&str> = manifest.iter().map(|file| file.path.as_str()).collect();
    verification.extra = files_below(dir)?
        .into_iter()
        .filter(|path| !listed.contains(path.as_str()))
        .collect();
    Ok(verification)
}

#[derive(Debug, PartialEq, Eq)]
enum Check {
    Matched,
    Mismatched,
    Missing,
}

fn check_file(path: &Path, file: &SourceFile) -> Result<Check> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Check::Missing),
        Err(error) => return Err(Error::io(path, error)),
    };
    if !metadata.is_file() {
        return Ok(Check::Mismatched);
    }
    let (hash, size) = sha256_file(path)?;
    if hash == file.hash && size == file.size {
        Ok(Check::Matched)
    } else {
        Ok(Check::Mismatched)
    }
}

/// The regular files below `dir` (`/`-separated, sorted), without the top-level `.git/` and
/// `.rsdk/` and without following links.
fn files_below(dir: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut folders: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|error| Error::io(&folder, error))?;
        for entry in entries {
            let entry = entry.map_err(|error| Error::io(&folder, error))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if prefix.is_empty() && (name == ".git" || name == RESERVED_FOLDER) {
                continue;
            }
            let file_type = entry
                .file_type()
                .map_err(|error| Error::io(entry.path(), error))?;
            let path = format!("{prefix}{name}");
            if file_type.is_dir() {
                folders.push((entry.path(), format!("{path}/")));
            } else if file_type.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_first_problems() {
        let clean = Verification {
            checked: 12,
            matched: 12,
            ..Verification::default()
        };
        assert!(clean.ok());
        assert_eq!(
            clean.to_string(),
            "verified 12 files against the manifest: 12 match"
        );

        let broken = Verification {
            checked: 6,
            matched: 1,
            mismatched: ["a", "b", "c", "d"].map(String::from).to_vec(),
            missing: vec!["e".into()],
            extra: vec!["x".into()],
        };
        assert!(!broken.ok());
        assert_eq!(
            broken.to_string(),
            "verified 6 files against the manifest: 1 match, 4 differ (a, b, c, …), 1 missing (e), \
             1 extra (x)"
        );
        assert!(matches!(broken.into_result(), Err(Error::Verification(_))));
    }

    #[test]
    fn verify_finds_changed_missing_and_extra_files() -> Result<()> {
        let folder = tempfile::tempdir().map_err(|error| Error::Internal(error.to_string()))?;
        let write = |path: &str, content: &[u8]| -> Result<SourceFile> {
            let absolute = folder.path().join(path);
            if let Some(parent) = absolute.parent() {
                std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, error))?;
            }
            std::fs::write(&absolute, content).map_err(|error| Error::io(&absolute, error))?;
            let (hash, size) = sha256_file(&absolute)?;
            Ok(SourceFile {
                path: path.into(),
                hash,
                size,
                executable: false,
                untracked: false,
                stored: true,
            })
        };
        let same = write("src/same.py", b"same")?;
        let changed = write("src/changed.py", b"before")?;
        write("src/changed.py", b"after")?;
        let missing = write("gone.txt", b"gone")?;
        std::fs::remove_file(folder.path().join("gone.txt")).map_err(|error| Error::io("gone.txt", error))?;
        write("extra/new.txt", b"new")?;
        write(".rsdk/manifest.json", b"{}")?;
        write(".git/HEAD", b"ref")?;

        let bar = ProgressBar::hidden();
        let verification = verify(folder.path(), &[same, changed, missing], Some(&bar))?;
        assert_eq!(verification.checked, 3);
        assert_eq!(verification.matched, 1);
        assert_eq!(verification.mismatched, vec!["src/changed.py".to_owned()]);
        assert_eq!(verification.missing, vec!["gone.txt".to_owned()]);
        assert_eq!(verification.extra, vec!["extra/new.txt".to_owned()]);
        assert_eq!(bar.position(), 3);
        Ok(())
    }
}
