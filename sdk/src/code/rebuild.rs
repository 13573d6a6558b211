//! Rebuilding the source tree of a `git` restore archive: a checkout of the base commit with
//! the patch applied, under the untracked files the archive held.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

use super::extract::{RestoreArchive, RestoreMode};
use super::git::Git;
use super::paths::archive_segments;

/// Turns an extracted `git` archive in `dir` into the full source tree: clones the
/// repository (`repository`, a local path or url, else the snapshot's remote) into a
/// temporary folder next to `dir`, checks out the commit (detached), applies
/// `.rsdk/patch.diff`, and moves the checkout, `.git` included, into `dir`. The files the
/// archive holds (the untracked ones) are kept where the checkout has the same path.
/// `.rsdk/` is added to `.git/info/exclude` so `git status` shows the snapshot's changes only.
///
/// A `full` archive is complete already: nothing is done.
pub fn rebuild_from_git(dir: &Path, archive: &RestoreArchive, repository: Option<&str>) -> Result<()> {
    let description = &archive.description;
    if description.mode == RestoreMode::Full {
        return Ok(());
    }
    let commit = description.commit.as_deref().ok_or_else(|| {
        Error::invalid(
            "commit",
            "the archive names no commit to check out: restore with mode full",
        )
    })?;
    let source = repository.or(description.remote_url.as_deref()).ok_or_else(|| {
        Error::invalid(
            "repo",
            "the snapshot records no remote to clone the commit from: pass --repo PATH_OR_URL",
        )
    })?;
    let dir = std::fs::canonicalize(dir).map_err(|error| Error::io(dir, error))?;
    let parent = dir.parent().ok_or_else(|| {
        Error::invalid(
            "dir",
            "the root folder cannot be restored into: choose a subfolder",
        )
    })?;
    let checkout = tempfile::Builder::new()
        .prefix(".rsdk-checkout-")
        .tempdir_in(parent)
        .map_err(|error| Error::io(parent, error))?;

    clone_commit(&resolve_source(source), checkout.path(), commit)?;
    if let Some(patch) = &description.patch {
        apply_patch(checkout.path(), &dir, patch, commit)?;
    }
    merge_move(checkout.path(), &dir)?;
    exclude_snapshot_folder(&dir)
}

/// A local repository as an absolute path (the clone runs in another folder); a url as is.
fn resolve_source(source: &str) -> OsString {
    match std::fs::canonicalize(source) {
        Ok(path) => path.into_os_string(),
        Err(_) => OsString::from(source),
    }
}

/// Clones `source` into the empty folder `checkout` and checks out `commit`, fetching it
/// when no branch of the clone holds it.
fn clone_commit(source: &OsString, checkout: &Path, commit: &str) -> Result<()> {
    let shown = source.to_string_lossy();
    Git::new(checkout)
        .args(["clone", "--quiet", "--no-checkout"])
        .args([source.as_os_str(), checkout.as_os_str()])
        .output(&format!(
            "check that {shown} is a repository you can read, or pass --repo PATH_OR_URL"
        ))?;
    let wanted = format!("{commit}^{{commit}}");
    let present = Git::new(checkout)
        .args(["cat-file", "-e", wanted.as_str()])
        .optional_output()?;
    if present.is_none() {
        Git::new(checkout)
            .args(["fetch", "--quiet", "origin", commit])
            .output(&format!(
                "the commit {commit} is not in {shown}: push it, or pass --repo with a \
                 repository that has it"
            ))?;
    }
    Git::new(checkout)
        .args(["checkout", "--quiet", "--detach", commit])
        .output(&format!("the commit {commit} cannot be checked out"))?;
    Ok(())
}

/// Applies the archive's patch (a path inside `dir`) to the checkout.
fn apply_patch(checkout: &Path, dir: &Path, patch: &str, commit: &str) -> Result<()> {
    let segments =
        archive_segments(patch).map_err(|reason| Error::invalid("archive", format!("patch {reason}")))?;
    let patch_file = segments
        .into_iter()
        .fold(dir.to_path_buf(), |path, segment| path.join(segment));
    if !patch_file.is_file() {
        return Err(Error::invalid(
            "archive",
            format!("names the patch {patch} but does not hold it"),
        ));
    }
    Git::new(checkout)
        .args(["apply", "--binary", "--whitespace=nowarn"])
        .args([patch_file.as_os_str()])
        .output(&format!(
            "the patch does not apply to the commit {commit}: is --repo the right repository?"
        ))?;
    Ok(())
}

/// Moves everything in `from` into `into`, merging folders; where `into` already has a file
/// (extracted from the archive), that file is kept.
fn merge_move(from: &Path, into: &Path) -> Result<()> {
    let entries = std::fs::read_dir(from).map_err(|error| Error::io(from, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| Error::io(from, error))?;
        let source = entry.path();
        let target = into.join(entry.file_name());
        let source_is_folder = entry
            .file_type()
            .map_err(|error| Error::io(&source, error))?
            .is_dir();
        match std::fs::symlink_metadata(&target) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::rename(&source, &target).map_err(|error| Error::io(&target, error))?;
            }
            Err(error) => return Err(Error::io(&target, error)),
            Ok(existing) if existing.is_dir() && source_is_folder => merge_move(&source, &target)?,
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Adds `.rsdk/` to the restored repository's `.git/info/exclude`.
fn exclude_snapshot_folder(dir: &Path) -> Result<()> {
    let info = dir.join(".git").join("info");
    std::fs::create_dir_all(&info).map_err(|error| Error::io(&info, error))?;
    let exclude = info.join("exclude");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&exclude)
        .map_err(|error| Error::io(&exclude, error))?;
    file.write_all(b"\n# the restored snapshot's own files\n/.rsdk/\n")
        .map_err(|error| Error::io(&exclude, error))
}
