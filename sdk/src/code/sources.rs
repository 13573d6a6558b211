//! The source files of a capture as found on disk: the walk of a tarball's folder, each
//! file's hash, size and mode, and which contents fit the storage limits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::capture::CaptureOptions;
use super::paths::{path_problem, Exclusions};
use super::{platform, sha256_file, SourceFile};

/// A path to examine: where it is and whether its content must be stored.
#[derive(Debug)]
pub struct Candidate {
    pub path: String,
    pub absolute: PathBuf,
    pub untracked: bool,
    /// Untracked files and every file of a tarball: not storing it means skipping it.
    pub required: bool,
}

/// What is left out, by path (a folder once for all its files).
pub type SkipList = BTreeMap<String, String>;

/// Every file below `root` (not following links to folders), sorted by path, without the
/// excluded ones.
pub fn walk(root: &Path, exclusions: &Exclusions, skipped: &mut SkipList) -> Result<Vec<Candidate>> {
    let mut candidates = Vec::new();
    let mut folders = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let mut entries = read_folder(&folder)?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                let shown = format!("{prefix}{}", name.to_string_lossy());
                skipped.insert(shown, "the file name is not valid UTF-8".into());
                continue;
            };
            let path = format!("{prefix}{name}");
            let file_type = entry
                .file_type()
                .map_err(|error| Error::io(entry.path(), error))?;
            if let Some(exclusion) = exclusions.excluded(&path, file_type.is_dir()) {
                // `.git` is never a source file: not worth reporting.
                if name != ".git" {
                    skipped.insert(exclusion.path, exclusion.reason);
                }
                continue;
            }
            if file_type.is_dir() {
                folders.push((entry.path(), format!("{path}/")));
                continue;
            }
            if let Some(problem) = path_problem(&path) {
                skipped.insert(path, problem);
                continue;
            }
            candidates.push(Candidate {
                path,
                absolute: entry.path(),
                untracked: false,
                required: true,
            });
        }
    }
    candidates.sort_by(|left, right| left.path.cmp(&right.path));
    Ok(candidates)
}

fn read_folder(folder: &Path) -> Result<Vec<std::fs::DirEntry>> {
    std::fs::read_dir(folder)
        .and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>())
        .map_err(|error| Error::io(folder, error))
}

/// A candidate as found on disk.
#[derive(Debug)]
enum OnDisk {
    /// Gone (a tracked file deleted in the working tree): not a source file any more.
    Missing,
    Skipped(String),
    File {
        hash: String,
        size: u64,
        executable: bool,
    },
}

/// Hashes every candidate and decides which contents are stored; the files answered are
/// sorted by path.
pub fn examine_all(
    candidates: Vec<Candidate>,
    links_inside: Option<&Path>,
    options: &CaptureOptions,
    skipped: &mut SkipList,
) -> Result<Vec<SourceFile>> {
    let mut examined = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        match examine(&candidate.absolute, links_inside)? {
            OnDisk::Missing => {}
            OnDisk::Skipped(reason) => {
                skipped.insert(candidate.path, reason);
            }
            OnDisk::File {
                hash,
                size,
                executable,
            } => {
                let file = SourceFile {
                    path: candidate.path,
                    hash,
                    size,
                    executable,
                    untracked: candidate.untracked,
                    stored: false,
                };
                examined.push((file, candidate.required));
            }
        }
    }
    let mut files = assign_storage(examined, options, skipped);
    files.sort_by(|left, right| left.path.cmp(&right.path));
    Ok(files)
}

/// Reads a candidate's type, hash, size and mode. A symbolic link is skipped, except (for a
/// tarball, `links_inside` being its root) a link to a file inside the root, captured as
/// that file's content.
fn examine(path: &Path, links_inside: Option<&Path>) -> Result<OnDisk> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(error) => return Err(Error::io(path, error)),
    };
    let metadata = if metadata.file_type().is_symlink() {
        match followed_link(path, links_inside) {
            Ok(target) => target,
            Err(reason) => return Ok(OnDisk::Skipped(reason)),
        }
    } else {
        metadata
    };
    if metadata.is_dir() {
        let reason = "a folder in git's index (a submodule): its files are not captured";
        return Ok(OnDisk::Skipped(reason.into()));
    }
    if !metadata.is_file() {
        return Ok(OnDisk::Skipped("not a regular file".into()));
    }
    let (hash, size) = match sha256_file(path) {
        Ok(found) => found,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(OnDisk::Missing)
        }
        Err(error) => return Err(error),
    };
    Ok(OnDisk::File {
        hash,
        size,
        executable: platform::is_executable(&metadata),
    })
}

/// The metadata of the file a link points to, when links are followed and it is a file
/// inside the root; else why the link is skipped.
fn followed_link(path: &Path, links_inside: Option<&Path>) -> std::result::Result<std::fs::Metadata, String> {
    let Some(root) = links_inside else {
        return Err("a symbolic link: not captured (git restores tracked links)".into());
    };
    let target =
        std::fs::canonicalize(path).map_err(|_| "a symbolic link to nothing: not captured".to_owned())?;
    if !target.starts_with(root) {
        return Err("a symbolic link to outside the folder: not captured".into());
    }
    match std::fs::metadata(&target) {
        Ok(metadata) if metadata.is_file() => Ok(metadata),
        _ => Err("a symbolic link to a folder: not captured".into()),
    }
}

/// Decides which contents are stored within the limits: required files (untracked, or
/// every file of a tarball) get the budget first; one that cannot be stored is moved to
/// `skipped`. A tracked file that cannot be stored stays listed by hash only.
fn assign_storage(
    examined: Vec<(SourceFile, bool)>,
    options: &CaptureOptions,
    skipped: &mut SkipList,
) -> Vec<SourceFile> {
    let (required, optional): (Vec<_>, Vec<_>) = examined.into_iter().partition(|(_, required)| *required);
    let mut budget = options.max_total_bytes;
    let mut files = Vec::with_capacity(required.len() + optional.len());
    for (mut file, required) in required.into_iter().chain(optional) {
        let wanted = required || options.store_tracked;
        if !wanted {
            files.push(file);
            continue;
        }
        match storage_refusal(file.size, budget, options) {
            None => {
                budget -= file.size;
                file.stored = true;
                files.push(file);
            }
            Some(reason) if required => {
                skipped.insert(file.path, reason);
            }
            Some(_) => files.push(file),
        }
    }
    files
}

/// Why a content of `size` bytes cannot be stored with `budget` bytes left, if it cannot.
fn storage_refusal(size: u64, budget: u64, options: &CaptureOptions) -> Option<String> {
    if size > options.max_file_bytes {
        return Some(format!(
            "{size} bytes, over the limit of {} bytes for one stored file",
            options.max_file_bytes
        ));
    }
    if size > budget {
        return Some(format!(
            "{size} bytes would take the stored files over the limit of {} bytes",
            options.max_total_bytes
        ));
    }
    None
}
