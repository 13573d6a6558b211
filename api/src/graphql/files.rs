//! Experiment files over GraphQL: trees with their status against another experiment, the
//! history of a path, side-by-side diffs, and capture policies. Bytes move over REST
//! (`crate::files`).

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use graph::ids::ExperimentId;
use graph::model::{FileVersion, Role};
use graph::Graph;
use ingest::file_store::{FileDiff, FileStatus, FileStore};
use ingest::files::{CapturePolicy, LineKind, TextDiff};

use super::caller;
use crate::error::GraphQlResultExt;

/// How a path of an experiment compares with the other experiment's.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FileStatusGql {
    Added,
    Modified,
    Deleted,
    Unchanged,
}

impl From<FileStatus> for FileStatusGql {
    fn from(status: FileStatus) -> Self {
        match status {
            FileStatus::Added => FileStatusGql::Added,
            FileStatus::Modified => FileStatusGql::Modified,
            FileStatus::Deleted => FileStatusGql::Deleted,
            FileStatus::Unchanged => FileStatusGql::Unchanged,
        }
    }
}

/// One version of a file.
#[derive(SimpleObject, Debug, Clone)]
pub struct FileVersionGql {
    pub path: String,
    pub version: i64,
    /// True for the version that records the path's deletion.
    pub deleted: bool,
    /// The sha256 of the content.
    pub hash: String,
    pub size: i64,
    pub mime: String,
    pub text: bool,
    /// `full` (one blob) or `delta` (stored as a delta against an earlier version).
    pub storage: String,
    /// The number of the experiment that introduced this content at this path (itself or
    /// the ancestor it was inherited from unchanged).
    pub introduced_by: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
}

/// One path of a tree, with its status against the other experiment.
#[derive(SimpleObject, Debug)]
pub struct FileEntryGql {
    pub path: String,
    pub status: FileStatusGql,
    /// The version in this experiment (absent for a path only the other one has).
    pub current: Option<FileVersionGql>,
    /// The version in the other experiment.
    pub other: Option<FileVersionGql>,
}

/// A file tree compared with another experiment's.
#[derive(SimpleObject, Debug)]
pub struct FileTreeGql {
    /// The experiment compared with: the one asked for, else the primary parent (none for a
    /// root).
    pub against: Option<i64>,
    pub entries: Vec<FileEntryGql>,
}

/// A part of a diff line; `changed` marks the words that differ from the paired line.
#[derive(SimpleObject, Debug)]
pub struct DiffSegmentGql {
    pub text: String,
    pub changed: bool,
}

/// Whether a diff line is shared, only on the left (removed) or only on the right (added).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DiffLineKindGql {
    Context,
    Added,
    Removed,
}

/// One line of a hunk, numbered on the side(s) it is on.
#[derive(SimpleObject, Debug)]
pub struct DiffLineGql {
    pub kind: DiffLineKindGql,
    pub old_number: Option<i64>,
    pub new_number: Option<i64>,
    pub segments: Vec<DiffSegmentGql>,
}

/// A run of changed lines with context.
#[derive(SimpleObject, Debug)]
pub struct DiffHunkGql {
    pub old_start: i64,
    pub old_lines: i64,
    pub new_start: i64,
    pub new_lines: i64,
    pub lines: Vec<DiffLineGql>,
}

/// The diff of one path between two experiments. For binary (or very large) files only the
/// sides' hash, size and mime are given.
#[derive(SimpleObject, Debug)]
pub struct FileDiffGql {
    pub path: String,
    pub binary: bool,
    pub left: Option<FileVersionGql>,
    pub right: Option<FileVersionGql>,
    pub hunks: Vec<DiffHunkGql>,
    pub added: i64,
    pub removed: i64,
    /// True when the diff was cut at its line limit.
    pub truncated: bool,
}

/// A named capture policy: which files an experiment keeps and how large they may be.
/// `*` stays within a path segment, `**` crosses segments.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(input_name = "CapturePolicyInput")]
pub struct CapturePolicyGql {
    pub name: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Bytes (up to 2^53).
    pub max_file_bytes: i64,
    pub max_experiment_bytes: i64,
}

impl From<CapturePolicy> for CapturePolicyGql {
    fn from(policy: CapturePolicy) -> Self {
        CapturePolicyGql {
            name: policy.name,
            include: policy.include,
            exclude: policy.exclude,
            max_file_bytes: i64::try_from(policy.max_file_bytes).unwrap_or(i64::MAX),
            max_experiment_bytes: i64::try_from(policy.max_experiment_bytes).unwrap_or(i64::MAX),
        }
    }
}

impl CapturePolicyGql {
    fn into_policy(self) -> graph::Result<CapturePolicy> {
        let bytes = |field: &str, value: i64| {
            u64::try_from(value).map_err(|_| graph::Error::invalid(field, "must not be negative"))
        };
        Ok(CapturePolicy {
            name: self.name,
            include: self.include,
            exclude: self.exclude,
            max_file_bytes: bytes("maxFileBytes", self.max_file_bytes)?,
            max_experiment_bytes: bytes("maxExperimentBytes", self.max_experiment_bytes)?,
        })
    }
}

/// What a garbage collection of file contents did.
#[derive(SimpleObject, Debug)]
pub struct CollectReportGql {
    /// Contents no file version used, deleted with their blobs.
    pub deleted: i64,
    /// Contents kept: used, a delta base, or younger than the grace period.
    pub kept: i64,
    /// Blobs that no record named (left by a crash), older than the grace period, deleted.
    pub orphans: i64,
}

/// Experiment numbers by id, read once per id while mapping many versions.
#[derive(Default)]
struct Numbers(HashMap<ExperimentId, Option<i64>>);

impl Numbers {
    async fn of(&mut self, graph: &Graph, id: &ExperimentId) -> graph::Result<Option<i64>> {
        if let Some(number) = self.0.get(id) {
            return Ok(*number);
        }
        let number = match graph.experiment_by_id(id).await {
            Ok((_, experiment)) => Some(experiment.number),
            Err(graph::Error::NotFound { .. }) => None,
            Err(error) => return Err(error),
        };
        self.0.insert(id.clone(), number);
        Ok(number)
    }

    async fn version(&mut self, graph: &Graph, file: FileVersion) -> graph::Result<FileVersionGql> {
        let introduced_by = self.of(graph, &file.introduced_by).await?;
        Ok(FileVersionGql {
            storage: file.storage.as_str().into(),
            path: file.path,
            version: file.version,
            deleted: file.deleted,
            hash: file.hash,
            size: file.size,
            mime: file.mime,
            text: file.text,
            introduced_by,
            created_at: file.created_at.to_rfc3339(),
        })
    }

    async fn optional(
        &mut self,
        graph: &Graph,
        file: Option<FileVersion>,
    ) -> graph::Result<Option<FileVersionGql>> {
        match file {
            Some(file) => Ok(Some(self.version(graph, file).await?)),
            None => Ok(None),
        }
    }
}

pub(super) fn hunks(diff: TextDiff) -> Vec<DiffHunkGql> {
    diff.hunks
        .into_iter()
        .map(|hunk| DiffHunkGql {
            old_start: i64::from(hunk.old_start),
            old_lines: i64::from(hunk.old_lines),
            new_start: i64::from(hunk.new_start),
            new_lines: i64::from(hunk.new_lines),
            lines: hunk
                .lines
                .into_iter()
                .map(|line| DiffLineGql {
                    kind: match line.kind {
                        LineKind::Context => DiffLineKindGql::Context,
                        LineKind::Added => DiffLineKindGql::Added,
                        LineKind::Removed => DiffLineKindGql::Removed,
                    },
                    old_number: line.old_number.map(i64::from),
                    new_number: line.new_number.map(i64::from),
                    segments: line
                        .segments
                        .into_iter()
                        .map(|segment| DiffSegmentGql {
                            text: segment.text,
                            changed: segment.changed,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Default, Debug)]
pub struct FileQuery;

#[Object]
impl FileQuery {
    /// The files of an experiment, each with its status against `against` (an experiment
    /// number of the same project; default: the primary parent).
    async fn files(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        against: Option<i64>,
    ) -> async_graphql::Result<FileTreeGql> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        let other = graph.compared_with(&project, &experiment, against).await.gql()?;
        let entries = context
            .data::<FileStore>()?
            .tree(&experiment, other.as_ref())
            .await
            .gql()?;
        let mut numbers = Numbers::default();
        let mut mapped = Vec::with_capacity(entries.len());
        for entry in entries {
            mapped.push(FileEntryGql {
                path: entry.path,
                status: entry.status.into(),
                current: numbers.optional(graph, entry.this).await.gql()?,
                other: numbers.optional(graph, entry.other).await.gql()?,
            });
        }
        Ok(FileTreeGql {
            against: other.map(|other| other.number),
            entries: mapped,
        })
    }

    /// Every version of one path of an experiment, oldest first.
    async fn file_history(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        path: String,
    ) -> async_graphql::Result<Vec<FileVersionGql>> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        let path = ingest::files::validate_path("path", &path)
            .map_err(graph::Error::from)
            .gql()?;
        let mut numbers = Numbers::default();
        let mut versions = Vec::new();
        for file in graph.file_history(&experiment.id, &path).await.gql()? {
            versions.push(numbers.version(graph, file).await.gql()?);
        }
        Ok(versions)
    }

    /// The side-by-side diff of `path` between experiments `left` and `right` of a project:
    /// line hunks with word highlights for text, hash/size/mime for binary files.
    async fn file_diff(
        &self,
        context: &Context<'_>,
        project: String,
        left: i64,
        right: i64,
        path: String,
    ) -> async_graphql::Result<FileDiffGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let left = graph.experiment(&project, left).await.gql()?;
        let right = graph.experiment(&project, right).await.gql()?;
        let diff = context
            .data::<FileStore>()?
            .diff(&left.id, &right.id, &path)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        let mut numbers = Numbers::default();
        Ok(match diff {
            FileDiff::Text { left, right, diff } => FileDiffGql {
                path,
                binary: false,
                left: numbers.optional(graph, left).await.gql()?,
                right: numbers.optional(graph, right).await.gql()?,
                added: i64::from(diff.added),
                removed: i64::from(diff.removed),
                truncated: diff.truncated,
                hunks: hunks(diff),
            },
            FileDiff::Binary { left, right } => FileDiffGql {
                path,
                binary: true,
                left: numbers.optional(graph, left).await.gql()?,
                right: numbers.optional(graph, right).await.gql()?,
                hunks: Vec::new(),
                added: 0,
                removed: 0,
                truncated: false,
            },
        })
    }

    /// A project's capture policies (the built-in `project-default` unless replaced).
    async fn capture_policies(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<Vec<CapturePolicyGql>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let policies = context
            .data::<FileStore>()?
            .policies(&project)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(policies.into_iter().map(Into::into).collect())
    }
}

#[derive(Default, Debug)]
pub struct FileMutation;

#[Object]
impl FileMutation {
    /// Adds or replaces a named capture policy of a project (project admins).
    async fn set_capture_policy(
        &self,
        context: &Context<'_>,
        project: String,
        policy: CapturePolicyGql,
    ) -> async_graphql::Result<CapturePolicyGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Admin)
            .await
            .gql()?;
        let policy = policy.into_policy().gql()?;
        let stored = context
            .data::<FileStore>()?
            .set_policy(&project, policy)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(stored.into())
    }

    /// Removes a named capture policy of a project (project admins); removing a replaced
    /// `project-default` restores the built-in one.
    async fn remove_capture_policy(
        &self,
        context: &Context<'_>,
        project: String,
        name: String,
    ) -> async_graphql::Result<bool> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Admin)
            .await
            .gql()?;
        context
            .data::<FileStore>()?
            .remove_policy(&project, &name)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(true)
    }

    /// Deletes file contents no experiment uses any more, older than `graceSeconds` (so
    /// uploads awaiting their commit stay), with their blobs, then every blob that no record
    /// names and that was written more than `graceSeconds` ago (site administrators).
    async fn collect_file_garbage(
        &self,
        context: &Context<'_>,
        #[graphql(default = 3600)] grace_seconds: i64,
    ) -> async_graphql::Result<CollectReportGql> {
        caller(context).site_admin().gql()?;
        let grace = u64::try_from(grace_seconds)
            .map_err(|_| graph::Error::invalid("graceSeconds", "must not be negative"))
            .gql()?;
        let report = context
            .data::<FileStore>()?
            .collect_garbage(Duration::from_secs(grace))
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(CollectReportGql {
            deleted: report.deleted as i64,
            kept: report.kept as i64,
            orphans: report.orphans as i64,
        })
    }
}
