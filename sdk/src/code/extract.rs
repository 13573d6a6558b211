//! Extracting a restore archive (the tar the server sends from `GET …/code/restore`) into an
//! empty folder, safely: regular files and folders only, never outside the folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::error::{Error, Result};

use super::paths::archive_segments;
use super::{platform, SourceFile, MANIFEST_PATH, RESTORE_PATH};

/// What a restore archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RestoreMode {
    /// Every source file: the tree is complete once extracted.
    Full,
    /// The patch and the untracked files, to lay over a checkout of the commit
    /// ([`super::rebuild_from_git`]).
    Git,
}

/// The archive's `.rsdk/restore.json`: what it holds and the steps to rebuild the tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RestoreDescription {
    pub project: String,
    /// The experiment's number in its project.
    pub experiment: i64,
    /// The experiment's name.
    pub name: String,
    pub mode: RestoreMode,
    /// The snapshot's format (`git`, `patch`, `tarball` or `commit`).
    pub format: String,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub remote_url: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
    /// Where the patch lies in the archive (`.rsdk/patch.diff`), if it holds one.
    #[serde(default)]
    pub patch: Option<String>,
    /// Where the manifest lies in the archive (`.rsdk/manifest.json`).
    pub manifest: String,
    /// The source files the archive holds.
    #[serde(default)]
    pub files: Vec<String>,
    /// The steps to rebuild the tree, for a person.
    #[serde(default)]
    pub steps: Vec<String>,
}

/// An extracted restore archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreArchive {
    pub description: RestoreDescription,
    /// Every source file of the snapshot, with its sha256.
    pub manifest: Vec<SourceFile>,
}

/// The manifest's JSON, as the server stores it.
#[derive(Debug, serde::Deserialize)]
struct Manifest {
    version: u32,
    files: Vec<SourceFile>,
}

/// Extracts a restore archive into `dir` (which must be empty or not exist) and reads its
/// description and manifest. Files get mode 0755 when the tar header says executable, else
/// 0644. Links, devices, absolute paths and `..` are refused, and then everything extracted
/// so far is removed again. `progress` advances by the bytes of each file written.
pub fn extract(archive: impl Read, dir: &Path, progress: Option<&ProgressBar>) -> Result<RestoreArchive> {
    let created = prepare_folder(dir)?;
    let extracted = unpack(archive, dir, progress).and_then(|()| read_archive(dir));
    if extracted.is_err() {
        // Everything in `dir` is ours: it was empty.
        let _ = clear_folder(dir, created);
    }
    extracted
}

/// Checks that `dir` is an empty folder, or creates it (answering whether it did).
fn prepare_folder(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::invalid(
                    "dir",
                    format!("{} is not empty: choose an empty directory", dir.display()),
                ));
            }
            Ok(false)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|error| Error::io(dir, error))?;
            Ok(true)
        }
        Err(_) if dir.exists() => Err(Error::invalid(
            "dir",
            format!("{} is not a folder: choose an empty directory", dir.display()),
        )),
        Err(error) => Err(Error::io(dir, error)),
    }
}

/// Removes everything below `dir`, and `dir` itself when `created`.
fn clear_folder(dir: &Path, created: bool) -> std::io::Result<()> {
    if created {
        return std::fs::remove_dir_all(dir);
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn unpack(archive: impl Read, dir: &Path, progress: Option<&ProgressBar>) -> Result<()> {
    let mut archive = tar::Archive::new(archive);
    let entries = archive.entries().map_err(unreadable)?;
    for entry in entries {
        let mut entry = entry.map_err(unreadable)?;
        let raw_path = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw_path).into_owned();
        let field = format!("archive[{shown}]");
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            continue;
        }
        let path = std::str::from_utf8(&raw_path)
            .map_err(|_| Error::invalid(&field, "the path is not valid UTF-8"))?;
        let target = target_path(dir, path).map_err(|reason| Error::invalid(&field, reason))?;
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|error| Error::io(&target, error))?;
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(Error::invalid(
                &field,
                "is a link or a special file: a restore archive holds regular files only",
            ));
        }
        let executable = entry.header().mode().map_err(unreadable)? & 0o111 != 0;
        write_file(&mut entry, &target, &field)?;
        platform::set_executable(&target, executable)?;
        if let Some(progress) = progress {
            progress.inc(entry.size());
        }
    }
    Ok(())
}

/// Where an archive path lands below `dir`, if it stays below it.
fn target_path(dir: &Path, path: &str) -> std::result::Result<PathBuf, String> {
    let segments = archive_segments(path)?;
    Ok(segments
        .into_iter()
        .fold(dir.to_path_buf(), |target, segment| target.join(segment)))
}

/// Writes one file (which must not exist yet), creating its folders.
fn write_file(content: &mut impl Read, target: &Path, field: &str) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, error))?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::invalid(field, "appears twice in the archive"));
        }
        Err(error) => return Err(Error::io(target, error)),
    };
    std::io::copy(content, &mut file).map_err(|error| Error::io(target, error))?;
    Ok(())
}

fn unreadable(error: std::io::Error) -> Error {
    Error::invalid(
        "archive",
        format!("cannot be read (truncated, or not a tar archive): {error}"),
    )
}

/// Reads the extracted description and manifest.
fn read_archive(dir: &Path) -> Result<RestoreArchive> {
    let description: RestoreDescription = read_json(dir, RESTORE_PATH)?;
    let manifest: Manifest = read_json(dir, MANIFEST_PATH)?;
    if manifest.version != 1 {
        return Err(Error::invalid(
            "archive",
            format!(
                "{MANIFEST_PATH} has version {}; this rsdk reads version 1: update rsdk",
                manifest.version
            ),
        ));
    }
    Ok(RestoreArchive {
        description,
        manifest: manifest.files,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, path: &str) -> Result<T> {
    let absolute = target_path(dir, path).map_err(|reason| Error::invalid("archive", reason))?;
    let bytes = match std::fs::read(&absolute) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid(
                "archive",
                format!("has no {path}: is it a restore archive from the rsdk server?"),
            ));
        }
        Err(error) => return Err(Error::io(absolute, error)),
    };
    serde_json::from_slice(&bytes)
        .map_err(|error| Error::invalid("archive", format!("{path} is unreadable: {error}")))
}
