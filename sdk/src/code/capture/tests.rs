//! Capture tests on real git repositories ([`super::super::fixture`]).

use super::super::fixture::{self, internal, write};
use super::*;

fn data_excluded() -> CaptureOptions {
    CaptureOptions {
        exclude: vec!["data/".into()],
        ..CaptureOptions::default()
    }
}

fn skipped_paths(capture: &Capture) -> Vec<&str> {
    capture
        .skipped
        .iter()
        .map(|skipped| skipped.path.as_str())
        .collect()
}

#[test]
fn a_git_capture_lists_the_working_tree_as_it_is_now() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root.join("src"), &data_excluded())?;

    assert_eq!(capture.format, "git");
    assert_eq!(capture.root, repository.root);
    assert_eq!(capture.git.commit.as_deref(), Some(repository.commit.as_str()));
    assert_eq!(capture.git.branch.as_deref(), Some("main"));
    assert_eq!(capture.git.repository.as_deref(), Some("project"));
    assert_eq!(capture.git.remote_url, None);
    let listed: Vec<&str> = capture.files.iter().map(|file| file.path.as_str()).collect();
    let expected: Vec<&str> = repository.expected.keys().map(String::as_str).collect();
    assert_eq!(listed, expected);
    for file in &capture.files {
        let wanted = &repository.expected[&file.path];
        assert_eq!(
            file.hash,
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&wanted.content))
        );
        assert_eq!(file.size, wanted.content.len() as u64, "{}", file.path);
        assert_eq!(file.executable, wanted.executable && cfg!(unix), "{}", file.path);
        assert_eq!(file.untracked, wanted.untracked, "{}", file.path);
        assert!(file.stored, "{} is stored by default", file.path);
        assert_eq!(capture.absolute(file), repository.root.join(&file.path));
    }
    assert_eq!(capture.stored_files().count(), capture.files.len());

    let skipped = skipped_paths(&capture);
    for left_out in ["data/", "node_modules/", "pkg/__pycache__/"] {
        assert!(skipped.contains(&left_out), "{left_out} in {skipped:?}");
    }
    #[cfg(unix)]
    assert!(skipped.contains(&"link.txt"), "{skipped:?}");
    assert!(
        !skipped
            .iter()
            .any(|path| path.contains("log") || path.starts_with("ignored")),
        "ignored files are neither captured nor reported: {skipped:?}"
    );
    Ok(())
}

#[test]
fn the_patch_applies_to_a_clean_checkout_of_the_commit() -> Result<()> {
    let repository = fixture::repository()?;
    let capture = capture(&repository.root, &data_excluded())?;
    let patch = capture.patch.clone().ok_or_else(|| internal("no patch"))?;
    assert!(
        patch.starts_with(b"diff --git a/"),
        "git's own format, with prefixes"
    );

    let clean = repository.folder.path().join("clean");
    let clean_path = clean.to_string_lossy().into_owned();
    let root = repository.root.to_string_lossy().into_owned();
    fixture::git(
        repository.folder.path(),
        &["clone", "--quiet", &root, &clean_path],
    )?;
    fixture::git(&clean, &["checkout", "--quiet", "--detach", &repository.commit])?;
    let patch_file = repository.folder.path().join("change.diff");
    std::fs::write(&patch_file, &patch).map_err(|error| Error::io(&patch_file, error))?;
    let patch_path = patch_file.to_string_lossy().into_owned();
    fixture::git(&clean, &["apply", "--check", "--binary", &patch_path])?;
    fixture::git(&clean, &["apply", "--binary", &patch_path])?;
    for (path, wanted) in repository.expected.iter().filter(|(_, file)| !file.untracked) {
        let content = std::fs::read(clean.join(path)).map_err(|error| Error::io(path, error))?;
        assert_eq!(content, wanted.content, "{path} after the patch");
    }
    assert!(!clean.join("old.txt").exists(), "the deletion is in the patch");
    Ok(())
}

#[test]
fn credentials_are_stripped_from_the_remote_and_detached_heads_have_no_branch() -> Result<()> {
    let repository = fixture::repository()?;
    let root = &repository.root;
    fixture::git(
        root,
        &[
            "remote",
            "add",
            "origin",
            "https://me:token@example.com/org/r.git",
        ],
    )?;
    fixture::git(root, &["checkout", "--quiet", "--detach", "HEAD"])?;
    let capture = capture(root, &CaptureOptions::default())?;
    assert_eq!(
        capture.git.remote_url.as_deref(),
        Some("https://example.com/org/r.git")
    );
    assert_eq!(capture.git.branch, None);
    Ok(())
}

#[test]
fn tracked_contents_are_left_out_when_asked() -> Result<()> {
    let repository = fixture::repository()?;
    let options = CaptureOptions {
        store_tracked: false,
        ..data_excluded()
    };
    let capture = capture(&repository.root, &options)?;
    assert_eq!(capture.files.len(), repository.expected.len());
    for file in &capture.files {
        assert_eq!(file.stored, file.untracked, "{}", file.path);
    }
    Ok(())
}

#[test]
fn size_limits_skip_untracked_files_and_list_tracked_ones_by_hash() -> Result<()> {
    let repository = fixture::repository()?;
    let root = &repository.root;
    write(root, "notes/huge.txt", &[b'x'; 100])?;
    write(root, "README.md", &[b'y'; 100])?;
    let options = CaptureOptions {
        max_file_bytes: 50,
        ..data_excluded()
    };
    let capture = capture(root, &options)?;
    let readme = capture.files.iter().find(|file| file.path == "README.md");
    assert_eq!(readme.map(|file| (file.stored, file.size)), Some((false, 100)));
    assert!(!capture.files.iter().any(|file| file.path == "notes/huge.txt"));
    let huge = capture
        .skipped
        .iter()
        .find(|skipped| skipped.path == "notes/huge.txt");
    assert!(huge.is_some_and(|skipped| skipped.reason.contains("over the limit")));

    // 36 bytes of untracked files (new_file 5, with space 7, deploy.sh 24) come first.
    let options = CaptureOptions {
        max_total_bytes: 40,
        ..data_excluded()
    };
    let capture = super::capture(root, &options)?;
    let stored_bytes: u64 = capture.stored_files().map(|file| file.size).sum();
    assert!(stored_bytes <= 40, "{stored_bytes}");
    assert!(capture
        .files
        .iter()
        .filter(|file| file.untracked)
        .all(|file| file.stored));
    assert!(capture.files.iter().any(|file| !file.untracked && !file.stored));
    let skipped = skipped_paths(&capture);
    assert!(skipped.contains(&"notes/huge.txt"), "{skipped:?}");
    Ok(())
}

#[test]
fn a_repository_without_commits_counts_every_file_as_untracked() -> Result<()> {
    let folder = tempfile::tempdir().map_err(internal)?;
    let root = folder.path().join("fresh");
    fixture::init_repository(&root)?;
    write(&root, "a.py", b"a = 1\n")?;
    write(&root, "b.py", b"b = 2\n")?;
    fixture::git(&root, &["add", "a.py"])?;
    let capture = capture(&root, &CaptureOptions::default())?;
    assert_eq!(capture.format, "git");
    assert_eq!(
        (capture.git.commit.as_deref(), capture.patch.as_deref()),
        (None, None)
    );
    assert_eq!(capture.files.len(), 2);
    assert!(capture.files.iter().all(|file| file.untracked && file.stored));
    Ok(())
}

#[test]
fn a_folder_outside_git_is_a_tarball_with_every_file_stored() -> Result<()> {
    let folder = tempfile::tempdir().map_err(internal)?;
    let root = folder.path().join("plain");
    write(&root, "main.py", b"print(1)\n")?;
    write(&root, "lib/util.py", b"x = 1\n")?;
    write(&root, "lib/__pycache__/util.cpython-312.pyc", b"compiled")?;
    write(&root, ".venv/bin/python", b"python")?;
    write(&root, "data/big.csv", b"1,2\n")?;
    write(&root, "outside.txt", b"outside")?;
    #[cfg(unix)]
    {
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).map_err(|error| Error::io(name, error))
        };
        link(Path::new("main.py"), "inside_link.py")?;
        link(&folder.path().join("plain-outside"), "dangling")?;
        link(&root.join("lib"), "folder_link")?;
    }
    let options = data_excluded();
    if let Toplevel::Root(_) = git::toplevel(&root)? {
        return Ok(()); // the temporary folder lies in a repository: nothing to check
    }
    let capture = capture(&root, &options)?;
    assert_eq!(capture.format, "tarball");
    assert_eq!(capture.git, GitInfo::default());
    let listed: Vec<&str> = capture.files.iter().map(|file| file.path.as_str()).collect();
    let mut expected = vec!["lib/util.py", "main.py", "outside.txt"];
    if cfg!(unix) {
        expected.insert(0, "inside_link.py");
    }
    assert_eq!(listed, expected);
    assert!(capture.files.iter().all(|file| file.stored && !file.untracked));
    let skipped = skipped_paths(&capture);
    for left_out in [".venv/", "data/", "lib/__pycache__/"] {
        assert!(skipped.contains(&left_out), "{left_out} in {skipped:?}");
    }
    if cfg!(unix) {
        assert!(skipped.contains(&"dangling") && skipped.contains(&"folder_link"));
    }

    let git_only = CaptureOptions {
        mode: CodeMode::Git,
        ..CaptureOptions::default()
    };
    let refused = super::capture(&root, &git_only);
    assert!(matches!(refused, Err(Error::Command { .. })), "{refused:?}");
    Ok(())
}

#[test]
fn tarball_mode_in_a_repository_takes_every_file_below_the_start() -> Result<()> {
    let repository = fixture::repository()?;
    let options = CaptureOptions {
        mode: CodeMode::Tarball,
        ..CaptureOptions::default()
    };
    let capture = capture(&repository.root, &options)?;
    assert_eq!(capture.format, "tarball");
    let listed: Vec<&str> = capture.files.iter().map(|file| file.path.as_str()).collect();
    for path in ["train.log", "ignored/cache.bin", "data/raw.csv", "src/train.py"] {
        assert!(listed.contains(&path), "{path} in {listed:?}");
    }
    assert!(!listed.iter().any(|path| path.starts_with(".git/")));
    assert!(!skipped_paths(&capture)
        .iter()
        .any(|path| path.starts_with(".git")));
    Ok(())
}

#[test]
fn invalid_starts_and_patterns_are_refused() -> Result<()> {
    let repository = fixture::repository()?;
    let missing = capture(&repository.root.join("nope"), &CaptureOptions::default());
    assert!(matches!(missing, Err(Error::Invalid { ref field, .. }) if field == "start"));
    let options = CaptureOptions {
        exclude: vec!["a[".into()],
        ..CaptureOptions::default()
    };
    let bad_pattern = capture(&repository.root, &options);
    assert!(matches!(bad_pattern, Err(Error::Invalid { ref field, .. }) if field == "exclude"));
    Ok(())
}

#[cfg(unix)]
#[test]
fn unusable_names_and_nested_repositories_are_skipped_with_a_reason() -> Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let repository = fixture::repository()?;
    let root = &repository.root;
    let bad_name = root.join(std::ffi::OsStr::from_bytes(b"notes/bad\xff.txt"));
    std::fs::write(&bad_name, b"x").map_err(|error| Error::io(&bad_name, error))?;
    write(root, "notes/back\\slash.txt", b"x")?;
    fixture::init_repository(&root.join("vendor/other"))?;
    write(root, "vendor/other/lib.py", b"x")?;

    let capture = capture(root, &data_excluded())?;
    let listed: Vec<&str> = capture.files.iter().map(|file| file.path.as_str()).collect();
    let expected: Vec<&str> = repository.expected.keys().map(String::as_str).collect();
    assert_eq!(listed, expected);
    let reason = |path: &str| {
        capture
            .skipped
            .iter()
            .find(|skipped| skipped.path == path)
            .map(|skipped| skipped.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("notes/bad\u{fffd}.txt").contains("UTF-8"),
        "{:?}",
        capture.skipped
    );
    assert!(reason("notes/back\\slash.txt").contains("backslash"));
    assert!(reason("vendor/other/").contains("nested git repository"));
    Ok(())
}
