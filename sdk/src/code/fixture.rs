//! Test fixtures: a real git repository with every case a capture meets, and restore
//! archives built the way the server builds them.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::extract::RestoreMode;
use super::git::Git;
use super::{Capture, SourceFile, MANIFEST_PATH, PATCH_PATH, RESTORE_PATH};

/// Any error as this crate's error, for `?` in tests.
pub fn internal(error: impl Display) -> Error {
    Error::Internal(error.to_string())
}

/// Runs git in `dir` with a test identity and no signing; answers its output as text.
pub fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Git::new(dir)
        .args([
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output("the test's git command failed")?;
    Ok(String::from_utf8_lossy(&output).trim().to_owned())
}

/// Writes a file below `root`, creating its folders.
pub fn write(root: &Path, path: &str, content: &[u8]) -> Result<()> {
    let absolute = root.join(path);
    if let Some(parent) = absolute.parent() {
        std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, error))?;
    }
    std::fs::write(&absolute, content).map_err(|error| Error::io(&absolute, error))
}

/// Gives a file mode 0755 or 0644.
pub fn set_mode(root: &Path, path: &str, executable: bool) -> Result<()> {
    super::platform::set_executable(&root.join(path), executable)
}

/// A fresh git repository (`main` branch, no global excludes, no autocrlf) in `root`.
pub fn init_repository(root: &Path) -> Result<()> {
    std::fs::create_dir_all(root).map_err(|error| Error::io(root, error))?;
    git(root, &["init", "--quiet"])?;
    let no_excludes = root.join(".git").join("no-excludes");
    std::fs::write(&no_excludes, b"").map_err(|error| Error::io(&no_excludes, error))?;
    let no_excludes = no_excludes.to_string_lossy().into_owned();
    git(root, &["config", "core.excludesFile", &no_excludes])?;
    git(root, &["config", "core.autocrlf", "false"])?;
    git(root, &["config", "core.fileMode", "true"])?;
    Ok(())
}

/// A file the capture of [`repository`] must list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub content: Vec<u8>,
    pub executable: bool,
    pub untracked: bool,
}

/// A repository with a commit and a working tree that has every case in it.
#[derive(Debug)]
pub struct Repository {
    /// Holds the repository (and anything a test puts next to it).
    pub folder: tempfile::TempDir,
    pub root: PathBuf,
    /// The HEAD commit.
    pub commit: String,
    /// The source files a capture must list, by path.
    pub expected: BTreeMap<String, Expected>,
}

/// The binary file's content before and after the uncommitted change: not UTF-8.
const BLOB_BEFORE: &[u8] = &[0, 159, 146, 150, 255, 254, 0, 1, 2, 3, 200, 10, 13, 0];
const BLOB_AFTER: &[u8] = &[0, 159, 146, 150, 255, 253, 7, 1, 2, 3, 201, 10, 13, 0, 128, 129];

/// Builds the repository: committed, modified, deleted, staged, untracked, binary,
/// executable, ignored, excluded (by the pattern `data/` and built in) and linked files.
pub fn repository() -> Result<Repository> {
    let folder = tempfile::tempdir().map_err(internal)?;
    let root = folder.path().join("project");
    init_repository(&root)?;
    let committed: [(&str, &[u8]); 7] = [
        ("README.md", b"hello\n"),
        ("src/train.py", b"print('v1')\n"),
        ("old.txt", b"old\n"),
        ("assets/blob.bin", BLOB_BEFORE),
        ("run.sh", b"#!/bin/sh\necho run\n"),
        (".gitignore", b"*.log\nignored/\n"),
        ("docs/r\u{e9}sum\u{e9}.md", b"v1\n"),
    ];
    for (path, content) in committed {
        write(&root, path, content)?;
    }
    set_mode(&root, "run.sh", true)?;
    git(&root, &["add", "--all"])?;
    git(&root, &["commit", "--quiet", "-m", "first"])?;
    let commit = git(&root, &["rev-parse", "HEAD"])?;

    // The working tree after the commit.
    write(&root, "src/train.py", b"print('v2')\nlr = 0.1\n")?;
    write(&root, "assets/blob.bin", BLOB_AFTER)?;
    write(&root, "docs/r\u{e9}sum\u{e9}.md", b"v2\n")?;
    std::fs::remove_file(root.join("old.txt")).map_err(|error| Error::io("old.txt", error))?;
    write(&root, "src/staged.py", b"staged = True\n")?;
    git(&root, &["add", "src/staged.py"])?;
    write(&root, "notes/new_file.txt", b"note\n")?;
    write(&root, "notes/with space.txt", b"spaced\n")?;
    write(&root, "tools/deploy.sh", b"#!/bin/sh\necho deploy\n")?;
    set_mode(&root, "tools/deploy.sh", true)?;
    write(&root, "train.log", b"ignored log\n")?;
    write(&root, "ignored/cache.bin", b"ignored cache\n")?;
    write(&root, "data/raw.csv", b"a,b\n1,2\n")?;
    write(&root, "node_modules/lib/index.js", b"module.exports = 1\n")?;
    write(&root, "pkg/__pycache__/mod.cpython-312.pyc", b"\x00compiled")?;
    #[cfg(unix)]
    std::os::unix::fs::symlink("README.md", root.join("link.txt"))
        .map_err(|error| Error::io("link.txt", error))?;

    let mut expected = BTreeMap::new();
    let mut expect = |path: &str, content: &[u8], executable: bool, untracked: bool| {
        let file = Expected {
            content: content.to_vec(),
            executable,
            untracked,
        };
        expected.insert(path.to_owned(), file);
    };
    expect(".gitignore", b"*.log\nignored/\n", false, false);
    expect("README.md", b"hello\n", false, false);
    expect("assets/blob.bin", BLOB_AFTER, false, false);
    expect("docs/r\u{e9}sum\u{e9}.md", b"v2\n", false, false);
    expect("run.sh", b"#!/bin/sh\necho run\n", true, false);
    expect("src/staged.py", b"staged = True\n", false, false);
    expect("src/train.py", b"print('v2')\nlr = 0.1\n", false, false);
    expect("notes/new_file.txt", b"note\n", false, true);
    expect("notes/with space.txt", b"spaced\n", false, true);
    expect("tools/deploy.sh", b"#!/bin/sh\necho deploy\n", true, true);
    Ok(Repository {
        folder,
        root,
        commit,
        expected,
    })
}

/// A restore archive for `capture`, built like the server's: `.rsdk/restore.json`, the
/// manifest, then for `Git` the patch and the untracked files, for `Full` every file.
pub fn restore_archive(capture: &Capture, mode: RestoreMode, remote_url: Option<&str>) -> Result<Vec<u8>> {
    let included: Vec<&SourceFile> = match mode {
        RestoreMode::Full => capture.files.iter().collect(),
        RestoreMode::Git => capture.files.iter().filter(|file| file.untracked).collect(),
    };
    let with_patch = mode == RestoreMode::Git && capture.patch.is_some();
    let description = serde_json::json!({
        "project": "demo",
        "experiment": 7,
        "name": "7_test",
        "mode": match mode { RestoreMode::Full => "full", RestoreMode::Git => "git" },
        "format": capture.format,
        "repository": capture.git.repository,
        "remote_url": remote_url,
        "branch": capture.git.branch,
        "commit": capture.git.commit,
        "patch": with_patch.then_some(PATCH_PATH),
        "manifest": MANIFEST_PATH,
        "files": included.iter().map(|file| file.path.as_str()).collect::<Vec<_>>(),
        "steps": ["extract this archive"],
    });
    let manifest = serde_json::json!({ "version": 1, "files": capture.files });
    let mut builder = tar::Builder::new(Vec::new());
    append(&mut builder, RESTORE_PATH, 0o644, &pretty(&description)?)?;
    append(&mut builder, MANIFEST_PATH, 0o644, &pretty(&manifest)?)?;
    if let (true, Some(patch)) = (with_patch, &capture.patch) {
        append(&mut builder, PATCH_PATH, 0o644, patch)?;
    }
    for file in included {
        let absolute = capture.absolute(file);
        let content = std::fs::read(&absolute).map_err(|error| Error::io(&absolute, error))?;
        let mode = if file.executable { 0o755 } else { 0o644 };
        append(&mut builder, &file.path, mode, &content)?;
    }
    builder.into_inner().map_err(internal)
}

fn pretty(value: &serde_json::Value) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(internal)
}

/// One regular member with a GNU header, as the server writes them.
fn append(builder: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32, content: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(content.len() as u64);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    builder.append_data(&mut header, path, content).map_err(internal)
}

/// A tar of one member whose name is written as is (the tar crate refuses to write `..`
/// or absolute names), of type `kind`, linking to `link` for links.
pub fn raw_tar(name: &str, kind: tar::EntryType, link: Option<&str>, content: &[u8]) -> Result<Vec<u8>> {
    let mut header = tar::Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().ok_or_else(|| internal("not a gnu header"))?;
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
    }
    header.set_entry_type(kind);
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(content);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    bytes.extend_from_slice(&[0; 1024]);
    Ok(bytes)
}

/// Checks that every captured file lies in `restored` with the original bytes and mode.
pub fn assert_same_files(capture: &Capture, restored: &Path) -> Result<()> {
    for file in &capture.files {
        let original = capture.absolute(file);
        let copy = file
            .path
            .split('/')
            .fold(restored.to_path_buf(), |path, segment| path.join(segment));
        let original_bytes = std::fs::read(&original).map_err(|error| Error::io(&original, error))?;
        let copy_bytes = std::fs::read(&copy).map_err(|error| Error::io(&copy, error))?;
        assert_eq!(original_bytes, copy_bytes, "{} differs", file.path);
        let metadata = std::fs::metadata(&copy).map_err(|error| Error::io(&copy, error))?;
        if !cfg!(unix) {
            continue;
        }
        assert_eq!(
            super::platform::is_executable(&metadata),
            file.executable,
            "{} has the wrong mode",
            file.path
        );
    }
    Ok(())
}
