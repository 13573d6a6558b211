//! Capturing a source tree: git metadata, the patch, and the manifest of every source file
//! with which contents to upload.
//!
//! A `git` capture lists the working tree as it is now: the tracked files present on disk
//! and the untracked files git does not ignore. Untracked contents are always stored (the
//! server requires them); tracked ones too with [`CaptureOptions::store_tracked`], so the
//! snapshot restores without the repository. A `tarball` capture (outside a repository, or
//! asked for) lists and stores every file below the starting folder.
//!
//! Exclusions (built-in and [`CaptureOptions::exclude`]) leave files out of the manifest
//! only: the patch still holds every uncommitted change, so a git restore of a tree with an
//! excluded tracked file brings it back (from the commit and the patch), and `verify` then
//! reports it as an extra file.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::git::{self, Toplevel};
use super::paths::{path_problem, Exclusions};
use super::sources::{examine_all, walk, Candidate, SkipList};
use super::{platform, SourceFile};

pub use super::git::GitInfo;

/// Largest content (source file or patch) the server accepts.
pub const SERVER_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest file whose content a capture stores by default (the server's limit).
pub const DEFAULT_MAX_FILE_BYTES: u64 = SERVER_MAX_FILE_BYTES;
/// Most bytes of stored contents in one capture by default.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

/// How to capture a source tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeMode {
    /// `git` inside a git working tree, else `tarball`.
    #[default]
    Auto,
    /// `git`; an error outside a git working tree.
    Git,
    /// Every file below the starting folder, stored, without git metadata.
    Tarball,
}

/// What a capture lists and stores.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaptureOptions {
    /// `git`, `tarball` or whichever fits ([`CodeMode::Auto`]).
    pub mode: CodeMode,
    /// Also store the contents of tracked files, so the snapshot restores without the
    /// repository (default true).
    pub store_tracked: bool,
    /// Largest file whose content is stored (default 64 MiB, the server's limit): a larger
    /// tracked file is listed by hash only, a larger untracked one is skipped.
    pub max_file_bytes: u64,
    /// Most bytes of stored contents (default 256 MiB); untracked files get the budget
    /// first, and a file that no longer fits is handled like a file over
    /// [`CaptureOptions::max_file_bytes`].
    pub max_total_bytes: u64,
    /// Glob patterns of paths (relative to the root) to leave out, besides the built-in
    /// exclusions (`.git/`, `.rsdk/`, `__pycache__/`, `*.pyc`, `.venv/`, `venv/`,
    /// `node_modules/`, `.ipynb_checkpoints/`).
    pub exclude: Vec<String>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            mode: CodeMode::Auto,
            store_tracked: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
            exclude: Vec::new(),
        }
    }
}

/// A path a capture left out of the manifest, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// The file, or a folder with a trailing `/` when everything below it was left out.
    pub path: String,
    pub reason: String,
}

/// A captured source tree, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capture {
    /// The repository root (`git`) or the starting folder (`tarball`).
    pub root: PathBuf,
    /// `"git"` or `"tarball"`.
    pub format: String,
    /// Empty for a `tarball` capture.
    pub git: GitInfo,
    /// `git diff --binary HEAD`, exactly as git wrote it; `None` without changes or commit.
    pub patch: Option<Vec<u8>>,
    /// Every source file, by path.
    pub files: Vec<SourceFile>,
    /// What was left out, by path.
    pub skipped: Vec<Skipped>,
}

impl Capture {
    /// The files whose content is to be uploaded.
    pub fn stored_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|file| file.stored)
    }

    /// Where a listed file lies on disk.
    pub fn absolute(&self, file: &SourceFile) -> PathBuf {
        file.path
            .split('/')
            .fold(self.root.clone(), |path, segment| path.join(segment))
    }
}

/// Captures the source tree holding `start` (see the module documentation).
///
/// Errors: `start` is not a folder, an `exclude` pattern is invalid, [`CodeMode::Git`]
/// outside a git working tree, a git command fails, a file cannot be read, or the patch is
/// larger than [`SERVER_MAX_FILE_BYTES`] (the server would refuse it).
pub fn capture(start: &Path, options: &CaptureOptions) -> Result<Capture> {
    if !start.is_dir() {
        return Err(Error::invalid(
            "start",
            format!("{} is not a folder: give the folder to capture", start.display()),
        ));
    }
    let exclusions = Exclusions::new(&options.exclude)?;
    if options.mode == CodeMode::Tarball {
        return capture_tarball(start, options, &exclusions);
    }
    match git::toplevel(start)? {
        Toplevel::Root(root) => capture_git(&root, options, &exclusions),
        Toplevel::Outside(reason) if options.mode == CodeMode::Git => Err(Error::Command {
            program: "git".into(),
            reason: format!("{reason}: capture with mode auto or tarball"),
        }),
        Toplevel::Outside(_) => capture_tarball(start, options, &exclusions),
    }
}

fn capture_git(root: &Path, options: &CaptureOptions, exclusions: &Exclusions) -> Result<Capture> {
    let info = git::info(root)?;
    let patch = match info.commit {
        Some(_) => git::patch(root)?,
        None => None,
    };
    if let Some(patch) = &patch {
        check_patch_size(patch.len() as u64)?;
    }
    // Without a commit nothing can be restored from git: every file counts as untracked.
    let no_commit = info.commit.is_none();
    let mut skipped = SkipList::new();
    let mut candidates = Vec::new();
    for (raw_paths, untracked) in [
        (git::list_files(root, false)?, no_commit),
        (git::list_files(root, true)?, true),
    ] {
        for raw in raw_paths {
            let candidate = git_candidate(root, &raw, untracked, exclusions, &mut skipped);
            candidates.extend(candidate);
        }
    }
    let files = examine_all(candidates, None, options, &mut skipped)?;
    Ok(Capture {
        root: root.to_path_buf(),
        format: "git".into(),
        git: info,
        patch,
        files,
        skipped: skip_list(skipped),
    })
}

/// A path git listed, unless it is left out (then noted in `skipped`).
fn git_candidate(
    root: &Path,
    raw: &[u8],
    untracked: bool,
    exclusions: &Exclusions,
    skipped: &mut SkipList,
) -> Option<Candidate> {
    let Ok(path) = std::str::from_utf8(raw) else {
        let shown = String::from_utf8_lossy(raw).into_owned();
        skipped.insert(shown, "the file name is not valid UTF-8".into());
        return None;
    };
    // `ls-files --others` names a nested repository by its folder, with a trailing slash.
    let (path, nested_repository) = match path.strip_suffix('/') {
        Some(folder) => (folder, true),
        None => (path, false),
    };
    if let Some(exclusion) = exclusions.excluded(path, nested_repository) {
        skipped.insert(exclusion.path, exclusion.reason);
        return None;
    }
    if nested_repository {
        skipped.insert(format!("{path}/"), "a nested git repository: not captured".into());
        return None;
    }
    if let Some(problem) = path_problem(path) {
        skipped.insert(path.to_owned(), problem);
        return None;
    }
    let absolute = platform::path_from_bytes(raw).map(|relative| root.join(relative))?;
    Some(Candidate {
        path: path.to_owned(),
        absolute,
        untracked,
        required: untracked,
    })
}

fn capture_tarball(start: &Path, options: &CaptureOptions, exclusions: &Exclusions) -> Result<Capture> {
    let root = std::fs::canonicalize(start).map_err(|error| Error::io(start, error))?;
    let mut skipped = SkipList::new();
    let candidates = walk(&root, exclusions, &mut skipped)?;
    let files = examine_all(candidates, Some(&root), options, &mut skipped)?;
    Ok(Capture {
        root,
        format: "tarball".into(),
        git: GitInfo::default(),
        patch: None,
        files,
        skipped: skip_list(skipped),
    })
}

/// The patch is needed to restore from git, whatever the options say about storing files:
/// only the server's limit applies to it.
fn check_patch_size(size: u64) -> Result<()> {
    if size <= SERVER_MAX_FILE_BYTES {
        return Ok(());
    }
    Err(Error::invalid(
        "patch",
        format!(
            "the uncommitted changes are {size} bytes, over the server's limit of {SERVER_MAX_FILE_BYTES}: \
             commit them, or capture with mode tarball"
        ),
    ))
}

fn skip_list(skipped: SkipList) -> Vec<Skipped> {
    skipped
        .into_iter()
        .map(|(path, reason)| Skipped { path, reason })
        .collect()
}

#[cfg(test)]
mod tests;
