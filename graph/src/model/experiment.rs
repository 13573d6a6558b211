//! Experiments and the lineage views built from them (DAG, Kanban).

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{ExperimentId, ProjectId};

/// Where an experiment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Created, not started.
    Planned,
    /// Started, not finished.
    Running,
    /// Finished successfully.
    Complete,
    /// Finished with an error.
    Failed,
}

impl Status {
    /// Every status, in Kanban column order.
    pub const ALL: [Status; 4] = [Status::Planned, Status::Running, Status::Complete, Status::Failed];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Running => "running",
            Status::Complete => "complete",
            Status::Failed => "failed",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!("`{text}` is not one of planned, running, complete, failed"),
                )
            })
    }

    /// Whether the run has ended.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Complete | Status::Failed)
    }
}

/// A stored experiment, without its features (those are read on demand: they can be large).
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Its id.
    pub id: ExperimentId,
    /// Its project.
    pub project_id: ProjectId,
    /// Per-project number, the `12` of `12_from_8_lr_sweep`.
    pub number: i64,
    /// Its name, valid by the project's naming pattern.
    pub name: String,
    /// Lifecycle status.
    pub status: Status,
    /// Progress in percent, 0–100.
    pub progress: i64,
    /// Free-text notes.
    pub notes: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When anything about it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it first started running.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or failed.
    pub ended_at: Option<DateTime<Utc>>,
}

/// How a new experiment's primary parent is given explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentRef {
    /// By per-project number.
    Number(i64),
    /// By id.
    Id(ExperimentId),
}

/// Input of experiment creation.
#[derive(Debug, Clone, Default)]
pub struct NewExperiment {
    /// Project name.
    pub project: String,
    /// Experiment name.
    pub name: String,
    /// Explicit primary parent; wins over the name's `parent` group.
    pub parent: Option<ParentRef>,
    /// Full features as YAML or JSON text; `None` inherits the parent's.
    pub features: Option<String>,
    /// Initial status; `None` is `running` (the SDK creates an experiment as it starts).
    pub status: Option<Status>,
    /// Notes.
    pub notes: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// The number of the experiment of the same project this one reruns (`RERUN_OF`). A rerun
    /// usually repeats the original's name, so the name's `number` group is ignored and the
    /// next free number is used; the name's `parent` group applies as usual.
    pub rerun_of: Option<i64>,
}

/// A partial update of the lifecycle fields; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct ExperimentUpdate {
    /// New status; entering `running` sets `started_at` once, finishing sets `ended_at`.
    pub status: Option<Status>,
    /// New progress, 0–100.
    pub progress: Option<i64>,
    /// New notes.
    pub notes: Option<String>,
    /// New tags (replaces them all).
    pub tags: Option<Vec<String>>,
}

/// The kind of a parent edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// `CHILD_OF`: the primary parent, which feature diffs are relative to.
    ChildOf,
    /// `MERGED_FROM`: a further parent of a merge.
    MergedFrom,
}

impl EdgeKind {
    /// Reads the relationship type.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "CHILD_OF" => Ok(EdgeKind::ChildOf),
            "MERGED_FROM" => Ok(EdgeKind::MergedFrom),
            other => Err(Error::Internal(format!("unexpected parent edge type `{other}`"))),
        }
    }
}

/// A node of the DAG view.
#[derive(Debug, Clone, PartialEq)]
pub struct DagNode {
    /// Experiment number.
    pub number: i64,
    /// Experiment name.
    pub name: String,
    /// Its status.
    pub status: Status,
    /// Its progress.
    pub progress: i64,
}

/// An edge of the DAG view, from parent to child.
#[derive(Debug, Clone, PartialEq)]
pub struct DagEdge {
    /// The parent's number.
    pub from: i64,
    /// The child's number.
    pub to: i64,
    /// Primary or merge.
    pub kind: EdgeKind,
}

/// A project's whole lineage graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dag {
    /// Every experiment, by number.
    pub nodes: Vec<DagNode>,
    /// Every parent edge.
    pub edges: Vec<DagEdge>,
}

/// One Kanban column.
#[derive(Debug, Clone, PartialEq)]
pub struct KanbanColumn {
    /// The column's status.
    pub status: Status,
    /// Its experiments, by number.
    pub experiments: Vec<Experiment>,
}
