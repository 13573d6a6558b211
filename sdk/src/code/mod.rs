//! Code capture (the client side of code snapshots) and restore.
//!
//! [`capture`] describes the source tree an experiment runs: git metadata, the uncommitted
//! patch (`git diff --binary HEAD`), and a manifest of every source file with its sha256,
//! marking which contents are to be uploaded ("stored"). Outside a git repository (or with
//! [`CodeMode::Tarball`]) every file below the starting folder is stored instead.
//!
//! The restore side reads the tar the server sends (`GET …/code/restore`): [`extract`]
//! unpacks it safely, [`rebuild_from_git`] turns a `git` archive (patch and untracked files)
//! into the full tree over a checkout of the base commit, and [`verify`] checks the result
//! against the manifest.

mod capture;
mod extract;
mod git;
mod paths;
mod platform;
mod rebuild;
mod sources;
mod verify;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod roundtrip_tests;

use std::io::Read;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

pub use capture::{
    capture, Capture, CaptureOptions, CodeMode, GitInfo, Skipped, DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_TOTAL_BYTES, SERVER_MAX_FILE_BYTES,
};
pub use extract::{extract, RestoreArchive, RestoreDescription, RestoreMode};
pub use paths::path_problem;
pub use rebuild::rebuild_from_git;
pub use verify::{verify, Verification};

/// Where a restore archive describes itself (the server's `RESTORE_PATH`).
pub const RESTORE_PATH: &str = ".rsdk/restore.json";
/// Where a restore archive holds the manifest (the server's `MANIFEST_PATH`).
pub const MANIFEST_PATH: &str = ".rsdk/manifest.json";
/// Where a restore archive holds the patch (the server's `PATCH_PATH`).
pub const PATCH_PATH: &str = ".rsdk/patch.diff";

/// One source file of a snapshot's manifest, serialized exactly as the server's manifest
/// entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceFile {
    /// The path below the root, `/`-separated.
    pub path: String,
    /// The sha256 of the content, lowercase hex.
    pub hash: String,
    /// The content's length in bytes.
    pub size: u64,
    /// Restored with mode 0755.
    #[serde(default)]
    pub executable: bool,
    /// Not tracked by git (and not ignored): its content is always stored.
    #[serde(default)]
    pub untracked: bool,
    /// Whether the content is uploaded; a tracked file may be listed by hash only, to be
    /// restored from its commit.
    #[serde(default)]
    pub stored: bool,
}

/// The sha256 (lowercase hex) and length of a file's content, read in 64 KiB blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(|error| Error::io(path, error))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(Error::io(path, error)),
        };
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_file_streams_the_content() -> Result<()> {
        let folder = tempfile::tempdir().map_err(|error| Error::Internal(error.to_string()))?;
        let path = folder.path().join("big.bin");
        let content: Vec<u8> = (0..200_000u32).map(|index| (index % 251) as u8).collect();
        std::fs::write(&path, &content).map_err(|error| Error::io(&path, error))?;
        let (hash, size) = sha256_file(&path)?;
        assert_eq!(size, content.len() as u64);
        assert_eq!(hash, hex::encode(Sha256::digest(&content)));
        Ok(())
    }

    #[test]
    fn source_files_serialize_like_the_server_manifest() -> Result<()> {
        let file = SourceFile {
            path: "src/a.py".into(),
            hash: "ab".repeat(32),
            size: 3,
            executable: true,
            untracked: false,
            stored: true,
        };
        let json = serde_json::to_value(&file).map_err(|error| Error::Internal(error.to_string()))?;
        let keys: Vec<&str> = json
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 6);
        for key in ["path", "hash", "size", "executable", "untracked", "stored"] {
            assert!(keys.contains(&key), "{key} is serialized");
        }
        let minimal: SourceFile = serde_json::from_str(r#"{"path":"a","hash":"x","size":1}"#)
            .map_err(|error| Error::Internal(error.to_string()))?;
        assert!(!minimal.stored && !minimal.untracked && !minimal.executable);
        Ok(())
    }
}
