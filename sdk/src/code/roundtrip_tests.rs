//! Capture → server-like restore archive → extract → rebuild → verify, on a real repository;
//! and the archives `extract` must refuse.

use std::path::Path;

use indicatif::ProgressBar;

use crate::error::{Error, Result};

use super::fixture::{self, assert_same_files, internal, raw_tar, restore_archive};
use super::{capture, extract, rebuild_from_git, verify, CaptureOptions, RestoreMode};

fn options() -> CaptureOptions {
    CaptureOptions {
        exclude: vec!["data/".into()],
        ..CaptureOptions::default()
    }
}

#[test]
fn a_full_archive_restores_the_tree_byte_for_byte() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root, &options())?;
    let archive = restore_archive(&capture, RestoreMode::Full, None)?;
    let restored = repository.folder.path().join("restored");

    let bar = ProgressBar::hidden();
    let extracted = extract(archive.as_slice(), &restored, Some(&bar))?;
    assert_eq!(extracted.description.mode, RestoreMode::Full);
    assert_eq!(extracted.description.experiment, 7);
    assert_eq!(extracted.manifest, capture.files);
    assert!(bar.position() > 0, "progress advanced by the bytes written");
    rebuild_from_git(&restored, &extracted, None)?; // nothing to do for a full archive

    let verification = verify(&restored, &extracted.manifest, None)?;
    assert!(verification.ok(), "{verification}");
    assert_eq!(verification.matched, capture.files.len());
    assert_eq!(verification.extra, Vec::<String>::new());
    assert_same_files(&capture, &restored)
}

#[test]
fn a_git_archive_is_rebuilt_over_a_checkout_of_the_commit() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root, &options())?;
    let remote = repository.root.to_string_lossy().into_owned();
    let archive = restore_archive(&capture, RestoreMode::Git, Some(&remote))?;
    let restored = repository.folder.path().join("restored");

    let extracted = extract(archive.as_slice(), &restored, None)?;
    assert_eq!(extracted.description.mode, RestoreMode::Git);
    assert!(restored.join(".rsdk/patch.diff").is_file());
    assert!(
        !restored.join("README.md").exists(),
        "tracked files come from the checkout"
    );
    rebuild_from_git(&restored, &extracted, None)?;

    let verification = verify(&restored, &extracted.manifest, None)?;
    assert!(verification.ok(), "{verification}");
    assert_eq!(verification.matched, capture.files.len());
    assert_eq!(verification.extra, Vec::<String>::new(), "{verification}");
    assert_same_files(&capture, &restored)?;
    assert!(
        !restored.join("old.txt").exists(),
        "the deleted file stays deleted"
    );
    let head = fixture::git(&restored, &["rev-parse", "HEAD"])?;
    assert_eq!(
        head, repository.commit,
        "the user gets the repository at the commit"
    );
    let status = fixture::git(&restored, &["status", "--porcelain"])?;
    assert!(
        !status.contains(".rsdk"),
        "the snapshot's folder is excluded: {status}"
    );
    let leftovers = std::fs::read_dir(repository.folder.path())
        .map_err(internal)?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".rsdk-checkout"))
        .count();
    assert_eq!(leftovers, 0, "the temporary checkout is removed");
    Ok(())
}

#[test]
fn a_git_archive_needs_a_repository_to_clone() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root, &options())?;
    let archive = restore_archive(&capture, RestoreMode::Git, None)?;

    let restored = repository.folder.path().join("without-remote");
    let extracted = extract(archive.as_slice(), &restored, None)?;
    let refused = rebuild_from_git(&restored, &extracted, None);
    match refused {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "repo");
            assert!(reason.contains("--repo"), "{reason}");
        }
        other => panic!("expected the repo to be asked for, got {other:?}"),
    }

    let restored = repository.folder.path().join("with-repo");
    let extracted = extract(archive.as_slice(), &restored, None)?;
    let remote = repository.root.to_string_lossy().into_owned();
    rebuild_from_git(&restored, &extracted, Some(&remote))?;
    let verification = verify(&restored, &extracted.manifest, None)?;
    assert!(verification.ok(), "{verification}");
    Ok(())
}

/// Extracting `archive` into `parent/target` is refused, and nothing is left behind.
fn assert_refused(archive: &[u8], what: &str) -> Result<()> {
    let parent = tempfile::tempdir().map_err(internal)?;
    let target = parent.path().join("nested").join("target");
    let refused = extract(archive, &target, None);
    assert!(
        matches!(refused, Err(Error::Invalid { .. })),
        "{what}: {refused:?}"
    );
    assert!(!parent.path().join("evil").exists(), "{what} wrote outside");
    assert!(
        !parent.path().join("nested").join("evil").exists(),
        "{what} wrote outside"
    );
    assert!(!target.exists(), "{what}: the folder it created is removed again");
    Ok(())
}

#[test]
fn extracting_refuses_escaping_paths_and_links() -> Result<()> {
    let regular = tar::EntryType::Regular;
    assert_refused(&raw_tar("../evil", regular, None, b"x")?, "a .. path")?;
    assert_refused(&raw_tar("a/../../evil", regular, None, b"x")?, "a nested .. path")?;
    let absolute = std::env::temp_dir().join("rsdk-absolute-evil");
    let absolute_name = absolute.to_string_lossy().into_owned();
    assert_refused(&raw_tar(&absolute_name, regular, None, b"x")?, "an absolute path")?;
    assert!(!absolute.exists(), "the absolute path was not written");
    let symlink = tar::EntryType::Symlink;
    assert_refused(
        &raw_tar("evil", symlink, Some("/etc/passwd"), b"")?,
        "a symbolic link",
    )?;
    let hard_link = tar::EntryType::Link;
    assert_refused(
        &raw_tar("evil", hard_link, Some("/etc/passwd"), b"")?,
        "a hard link",
    )?;
    let git_config = raw_tar(".git/config", regular, None, b"[core]\n\tfsmonitor = evil\n")?;
    assert_refused(&git_config, "git metadata")?;
    let device = tar::EntryType::Char;
    assert_refused(&raw_tar("evil", device, None, b"")?, "a device")?;
    assert_refused(&raw_tar("plain.txt", regular, None, b"x")?, "no restore.json")
}

#[test]
fn a_refused_archive_leaves_an_existing_empty_folder_empty() -> Result<()> {
    let parent = tempfile::tempdir().map_err(internal)?;
    let mut archive = raw_tar("good.txt", tar::EntryType::Regular, None, b"fine")?;
    // A second member after the first: drop the first one's end-of-archive blocks.
    archive.truncate(archive.len() - 1024);
    archive.extend(raw_tar("../evil", tar::EntryType::Regular, None, b"x")?);
    let refused = extract(archive.as_slice(), parent.path(), None);
    assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
    assert!(parent.path().is_dir());
    assert_eq!(std::fs::read_dir(parent.path()).map_err(internal)?.count(), 0);
    Ok(())
}

#[test]
fn extracting_into_a_folder_that_is_not_empty_is_refused() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root, &options())?;
    let archive = restore_archive(&capture, RestoreMode::Full, None)?;
    let refused = extract(archive.as_slice(), &repository.root, None);
    match refused {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "dir");
            assert!(reason.contains("choose an empty directory"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let readme = std::fs::read(repository.root.join("README.md")).map_err(internal)?;
    assert_eq!(readme, b"hello\n", "nothing was overwritten");
    let file = repository.root.join("README.md");
    assert!(
        extract(archive.as_slice(), &file, None).is_err(),
        "a file is not a folder"
    );
    assert!(Path::new(&file).is_file());
    Ok(())
}
