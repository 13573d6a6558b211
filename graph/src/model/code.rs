//! Code snapshots: what an experiment's source tree was when it ran — git metadata, the
//! uncommitted patch, and the source files whose contents were uploaded — so the run can be
//! restored without a git commit. The list of every source file with its hash (the manifest)
//! is itself a stored content; the graph records which contents a snapshot holds.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::ExperimentId;
use crate::model::FileChange;

/// How a snapshot captured the source tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeFormat {
    /// Git metadata, the uncommitted diff of tracked files and the untracked, non-ignored
    /// files.
    Git,
    /// A patch file only.
    Patch,
    /// Every source file (uploaded as a tarball or file by file).
    Tarball,
    /// A commit reference plus the diff against it.
    Commit,
}

impl CodeFormat {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeFormat::Git => "git",
            CodeFormat::Patch => "patch",
            CodeFormat::Tarball => "tarball",
            CodeFormat::Commit => "commit",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "git" => Ok(CodeFormat::Git),
            "patch" => Ok(CodeFormat::Patch),
            "tarball" => Ok(CodeFormat::Tarball),
            "commit" => Ok(CodeFormat::Commit),
            other => Err(Error::Internal(format!("unknown code snapshot format `{other}`"))),
        }
    }
}

/// Where a snapshot's tree comes from in git.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitReference {
    /// The name of the repository's root folder.
    pub repository: Option<String>,
    /// The remote the commit can be fetched from (never with credentials).
    pub remote_url: Option<String>,
    pub branch: Option<String>,
    /// The HEAD commit the patch applies to, lowercase hex.
    pub commit: Option<String>,
}

/// Counts over a snapshot's manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeCounts {
    /// Source files in the manifest.
    pub files: i64,
    /// Of those, the ones whose content was uploaded.
    pub stored: i64,
    /// Of those, the untracked ones.
    pub untracked: i64,
    /// Bytes of every source file.
    pub total_size: i64,
}

/// The code snapshot of an experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSnapshot {
    pub experiment_id: ExperimentId,
    pub format: CodeFormat,
    pub git: GitReference,
    /// The hash of the content holding the patch, if there is one.
    pub patch: Option<String>,
    /// The hash of the content holding the manifest (JSON).
    pub manifest: String,
    pub counts: CodeCounts,
    pub created_at: DateTime<Utc>,
}

/// A code snapshot to record; every content it names must be stored already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCodeSnapshot {
    pub format: CodeFormat,
    pub git: GitReference,
    pub patch: Option<String>,
    pub manifest: String,
    pub counts: CodeCounts,
    /// Every stored content the snapshot holds (source files, patch, manifest) by path.
    pub contents: Vec<FileChange>,
}
