//! Code snapshots over GraphQL: what an experiment's snapshot holds, its source tree with
//! each path's status against another experiment, and per-file code diffs for the web UI.
//! Uploads and restore archives are REST (`crate::code`).

use async_graphql::{Context, Object, SimpleObject};
use graph::model::{CodeSnapshot, Role};
use graph::Graph;
use ingest::code_store::{CodeStore, SourceFile};

use super::caller;
use super::files::{hunks, DiffHunkGql, FileStatusGql};
use crate::error::GraphQlResultExt;

/// The code snapshot of an experiment.
#[derive(SimpleObject, Debug)]
pub struct CodeSnapshotGql {
    /// `git` (metadata, patch, untracked files), `patch`, `tarball` (every file) or `commit`
    /// (a commit reference plus diff).
    pub format: String,
    /// The repository root folder's name.
    pub repository: Option<String>,
    pub remote_url: Option<String>,
    pub branch: Option<String>,
    /// The HEAD commit the patch applies to.
    pub commit: Option<String>,
    /// The sha256 of the uncommitted patch, if any.
    pub patch_hash: Option<String>,
    /// Source files in the manifest, those whose content is stored, and the untracked ones.
    pub file_count: i64,
    pub stored_count: i64,
    pub untracked_count: i64,
    /// Bytes of every source file.
    pub total_size: i64,
    /// True when every file is stored: the tree can be restored without the repository.
    pub self_contained: bool,
    /// RFC 3339.
    pub created_at: String,
}

impl CodeSnapshotGql {
    fn new(snapshot: CodeSnapshot, self_contained: bool) -> Self {
        CodeSnapshotGql {
            format: snapshot.format.as_str().into(),
            repository: snapshot.git.repository,
            remote_url: snapshot.git.remote_url,
            branch: snapshot.git.branch,
            commit: snapshot.git.commit,
            patch_hash: snapshot.patch,
            file_count: snapshot.counts.files,
            stored_count: snapshot.counts.stored,
            untracked_count: snapshot.counts.untracked,
            total_size: snapshot.counts.total_size,
            self_contained,
            created_at: snapshot.created_at.to_rfc3339(),
        }
    }
}

/// One source file of a snapshot.
#[derive(SimpleObject, Debug)]
pub struct SourceFileGql {
    pub path: String,
    pub hash: String,
    pub size: i64,
    pub executable: bool,
    pub untracked: bool,
    /// Whether its content is stored (else it is restored from the commit).
    pub stored: bool,
}

impl From<SourceFile> for SourceFileGql {
    fn from(file: SourceFile) -> Self {
        SourceFileGql {
            path: file.path,
            hash: file.hash,
            size: i64::try_from(file.size).unwrap_or(i64::MAX),
            executable: file.executable,
            untracked: file.untracked,
            stored: file.stored,
        }
    }
}

/// One source path with its status against the other experiment's snapshot.
#[derive(SimpleObject, Debug)]
pub struct CodeEntryGql {
    pub path: String,
    pub status: FileStatusGql,
    pub current: Option<SourceFileGql>,
    pub other: Option<SourceFileGql>,
}

/// A snapshot's source tree compared with another experiment's.
#[derive(SimpleObject, Debug)]
pub struct CodeTreeGql {
    /// The experiment compared with: the one asked for, else the primary parent.
    pub against: Option<i64>,
    pub entries: Vec<CodeEntryGql>,
}

/// The diff of one source path between two experiments' snapshots.
#[derive(SimpleObject, Debug)]
pub struct CodeDiffGql {
    pub path: String,
    pub left: Option<SourceFileGql>,
    pub right: Option<SourceFileGql>,
    /// Whether line hunks are given; when not, `reason` says why (binary, too large, or a
    /// side whose content is only in the commit).
    pub text: bool,
    pub reason: Option<String>,
    pub hunks: Vec<DiffHunkGql>,
    pub added: i64,
    pub removed: i64,
    pub truncated: bool,
}

#[derive(Default, Debug)]
pub struct CodeQuery;

#[Object]
impl CodeQuery {
    /// The code snapshot of an experiment (null when it has none).
    async fn code_snapshot(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<Option<CodeSnapshotGql>> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        let snapshot = context
            .data::<CodeStore>()?
            .snapshot(&experiment.id)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(snapshot.map(|snapshot| {
            let self_contained = snapshot.self_contained();
            CodeSnapshotGql::new(snapshot.snapshot, self_contained)
        }))
    }

    /// The source files of an experiment's snapshot, each with its status against
    /// `against` (an experiment number of the same project; default: the primary parent).
    async fn code_tree(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        against: Option<i64>,
    ) -> async_graphql::Result<CodeTreeGql> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        let other = graph.compared_with(&project, &experiment, against).await.gql()?;
        let entries = context
            .data::<CodeStore>()?
            .tree(&experiment, other.as_ref())
            .await
            .map_err(graph::Error::from)
            .gql()?;
        Ok(CodeTreeGql {
            against: other.map(|other| other.number),
            entries: entries
                .into_iter()
                .map(|entry| CodeEntryGql {
                    path: entry.path,
                    status: entry.status.into(),
                    current: entry.this.map(Into::into),
                    other: entry.other.map(Into::into),
                })
                .collect(),
        })
    }

    /// The side-by-side diff of source file `path` between the snapshots of experiments
    /// `left` and `right` of a project.
    async fn code_diff(
        &self,
        context: &Context<'_>,
        project: String,
        left: i64,
        right: i64,
        path: String,
    ) -> async_graphql::Result<CodeDiffGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let left = graph.experiment(&project, left).await.gql()?;
        let right = graph.experiment(&project, right).await.gql()?;
        let diff = context
            .data::<CodeStore>()?
            .diff(&left.id, &right.id, &path)
            .await
            .map_err(graph::Error::from)
            .gql()?;
        let (added, removed, truncated) = diff.text.as_ref().map_or((0, 0, false), |text| {
            (i64::from(text.added), i64::from(text.removed), text.truncated)
        });
        Ok(CodeDiffGql {
            path,
            left: diff.left.map(Into::into),
            right: diff.right.map(Into::into),
            text: diff.text.is_some(),
            reason: diff.reason,
            hunks: diff.text.map(hunks).unwrap_or_default(),
            added,
            removed,
            truncated,
        })
    }
}
