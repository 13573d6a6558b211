//! Experiment files: the contents stored once by hash (`Artifact` nodes) and the versions of
//! each path an experiment produced (`PRODUCED` edges), with the capture policies that decide
//! which files a project keeps.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::ExperimentId;

/// How a content's bytes are kept in the blob store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentStorage {
    /// One blob holds the whole content.
    Full,
    /// A blob holds a delta that rebuilds the content from its base content.
    Delta,
}

impl ContentStorage {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentStorage::Full => "full",
            ContentStorage::Delta => "delta",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "full" => Ok(ContentStorage::Full),
            "delta" => Ok(ContentStorage::Delta),
            other => Err(Error::Internal(format!("unknown content storage `{other}`"))),
        }
    }
}

/// A file content, stored once however many experiments and paths hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContent {
    /// The sha256 of the content, lowercase hex.
    pub hash: String,
    /// The content's size in bytes.
    pub size: i64,
    /// Its media type, as the client declared it.
    pub mime: String,
    /// Whether it is text (UTF-8 without NUL bytes), so it can be diffed line by line.
    pub text: bool,
    /// Whole, or a delta against `base`.
    pub storage: ContentStorage,
    /// The digest of the blob holding the content or its delta.
    pub blob: String,
    /// For a delta, the hash of the content it applies to.
    pub base: Option<String>,
    /// How many deltas must be applied to rebuild it (0 for a whole blob).
    pub chain: i64,
}

/// One version of one path of an experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVersion {
    /// The path below the experiment root, `/`-separated.
    pub path: String,
    /// 1 for the first version of the path in this experiment, then 2, 3, ...
    pub version: i64,
    /// True for a version that records the path's deletion (its content is what was deleted).
    pub deleted: bool,
    /// The experiment whose version of this path first held this content: the experiment
    /// itself, or the ancestor it inherited the file unchanged from.
    pub introduced_by: ExperimentId,
    /// When the version was recorded.
    pub created_at: DateTime<Utc>,
    /// The content's hash, size, media type and whether it is text.
    pub hash: String,
    pub size: i64,
    pub mime: String,
    pub text: bool,
    /// How the content is stored.
    pub storage: ContentStorage,
}

/// A path's new content in a commit of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    /// The sha256 of a content already stored.
    pub hash: String,
}

/// Every stored content with what garbage collection needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentUse {
    pub hash: String,
    pub blob: String,
    pub base: Option<String>,
    pub created_at: DateTime<Utc>,
    /// How many file versions point to it.
    pub uses: i64,
}
