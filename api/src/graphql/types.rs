//! GraphQL output types: thin wrappers over domain types, resolving related data on demand.

use async_graphql::{ComplexObject, Context, Enum, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use graph::model;
use graph::Graph;

use super::auth::RoleGql;
use super::caller;
use super::metrics::MetricValue;
use crate::error::GraphQlResultExt;

/// Where an experiment is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Status")]
pub enum StatusGql {
    /// Created, not started.
    Planned,
    /// Running.
    Running,
    /// Finished successfully.
    Complete,
    /// Finished with an error.
    Failed,
}

impl From<model::Status> for StatusGql {
    fn from(status: model::Status) -> Self {
        match status {
            model::Status::Planned => StatusGql::Planned,
            model::Status::Running => StatusGql::Running,
            model::Status::Complete => StatusGql::Complete,
            model::Status::Failed => StatusGql::Failed,
        }
    }
}

impl From<StatusGql> for model::Status {
    fn from(status: StatusGql) -> Self {
        match status {
            StatusGql::Planned => model::Status::Planned,
            StatusGql::Running => model::Status::Running,
            StatusGql::Complete => model::Status::Complete,
            StatusGql::Failed => model::Status::Failed,
        }
    }
}

/// The kind of a parent edge.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "EdgeKind")]
pub enum EdgeKindGql {
    /// The primary parent: feature diffs are relative to it.
    ChildOf,
    /// A further parent of a merge.
    MergedFrom,
}

impl From<model::EdgeKind> for EdgeKindGql {
    fn from(kind: model::EdgeKind) -> Self {
        match kind {
            model::EdgeKind::ChildOf => EdgeKindGql::ChildOf,
            model::EdgeKind::MergedFrom => EdgeKindGql::MergedFrom,
        }
    }
}

/// A project: names, numbers and owns experiments.
#[derive(Debug)]
pub struct Project(pub model::Project);

#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Regex every experiment name must match; groups `number` and `parent` are read.
    async fn naming_pattern(&self) -> &str {
        &self.0.settings.naming_pattern
    }
    /// Whether a new experiment's parent is read from its name's `parent` group.
    async fn parent_from_name(&self) -> bool {
        self.0.settings.parent_detection.from_name
    }
    /// Whether a name naming a missing parent creates a root (otherwise it is refused).
    async fn missing_parent_makes_root(&self) -> bool {
        self.0.settings.parent_detection.missing_parent_makes_root
    }
    /// Feature paths whose changes are stored but not treated as changes.
    async fn ignored_feature_paths(&self) -> &[String] {
        &self.0.settings.feature_diff.ignored_paths
    }
    /// Environment variables an environment record keeps: names, or prefixes ending in `*`.
    /// Names that look secret are dropped even when listed.
    async fn environment_variables(&self) -> &[String] {
        &self.0.settings.environment_variables
    }
    /// E_hypothesis at or above this supports a hypothesis (default 3).
    async fn evidence_support_threshold(&self) -> f64 {
        self.0.settings.evidence_support_threshold
    }
    /// E_hypothesis at or below minus this refutes a hypothesis (default 3).
    async fn evidence_refute_threshold(&self) -> f64 {
        self.0.settings.evidence_refute_threshold
    }
    /// The number the next experiment without one in its name gets.
    async fn next_number(&self) -> i64 {
        self.0.next_number
    }
    /// The caller's role on the project (site admins are admins everywhere; an API token
    /// caps it); what the web UI offers follows it, the API checks it on every call.
    async fn my_role(&self, context: &Context<'_>) -> async_graphql::Result<Option<RoleGql>> {
        let graph = context.data::<Graph>()?;
        Ok(caller(context)
            .role_on(graph, &self.0)
            .await
            .gql()?
            .map(Into::into))
    }
}

/// One run: its lifecycle, lineage and features.
#[derive(Debug)]
pub struct Experiment(pub model::Experiment);

fn wrap(experiments: Vec<model::Experiment>) -> Vec<Experiment> {
    experiments.into_iter().map(Experiment).collect()
}

#[Object]
impl Experiment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Per-project number (the `12` of `12_from_8_lr_sweep`).
    async fn number(&self) -> i64 {
        self.0.number
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn status(&self) -> StatusGql {
        self.0.status.into()
    }
    /// Percent done, 0–100.
    async fn progress(&self) -> i64 {
        self.0.progress
    }
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When it first started running.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it completed or failed.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// The primary parent (`CHILD_OF`), which the feature diff is relative to.
    async fn parent(&self, context: &Context<'_>) -> async_graphql::Result<Option<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(graph.primary_parent(&self.0).await.gql()?.map(Experiment))
    }
    /// Every direct parent: the primary one first, then merge parents.
    async fn parents(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(wrap(graph.parents(&self.0).await.gql()?))
    }
    /// Direct children through either kind of edge.
    async fn children(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(wrap(graph.children(&self.0).await.gql()?))
    }
    /// The experiment this one reruns (`RERUN_OF`, given as `rerunOf` at creation); null
    /// when it is not a rerun. Not a parent: lineage and features do not follow it.
    async fn rerun_of(&self, context: &Context<'_>) -> async_graphql::Result<Option<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(graph.rerun_of(&self.0).await.gql()?.map(Experiment))
    }
    /// The experiments that rerun this one, by number.
    async fn reruns(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(wrap(graph.reruns(&self.0).await.gql()?))
    }
    /// The hypotheses this experiment tests (`TESTED_BY`), in creation order.
    async fn hypotheses(
        &self,
        context: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::hypotheses::Hypothesis>> {
        let graph = context.data::<Graph>()?;
        Ok(graph
            .experiment_hypotheses(&self.0)
            .await
            .gql()?
            .into_iter()
            .map(super::hypotheses::Hypothesis)
            .collect())
    }
    /// What this experiment contributes to each hypothesis whose evidence it enters (as
    /// last computed): the DAG overlay.
    async fn evidence(
        &self,
        context: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::evidence::ExperimentEvidence>> {
        let graph = context.data::<Graph>()?;
        super::evidence::experiment_evidence(graph, &self.0.id)
            .await
            .gql()
    }
    /// Every ancestor through either kind of edge, by number.
    async fn ancestors(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(wrap(graph.ancestors(&self.0).await.gql()?))
    }
    /// Every descendant through either kind of edge, by number.
    async fn descendants(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(wrap(graph.descendants(&self.0).await.gql()?))
    }
    /// RFC 6902 JSON Patch from the primary parent's full features to this experiment's.
    async fn features_diff(&self, context: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let graph = context.data::<Graph>()?;
        Ok(Json(graph.features(&self.0).await.gql()?.diff))
    }
    /// The experiment's full features: the root's with every diff down the primary chain applied.
    async fn features_full(&self, context: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let graph = context.data::<Graph>()?;
        Ok(Json(graph.features(&self.0).await.gql()?.full))
    }
    /// The summary of every metric the experiment logged (over its de-duplicated points).
    async fn measured(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Measured>> {
        let graph = context.data::<Graph>()?;
        Ok(graph
            .measured(&self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(|summary| Measured {
                metric: summary.metric,
                last: MetricValue(summary.last),
                last_step: summary.last_step,
                min: MetricValue(summary.min),
                max: MetricValue(summary.max),
                mean: MetricValue(summary.mean),
                count: summary.count,
            })
            .collect())
    }
}

/// One metric's summary for one experiment (`MEASURED`): min, max and mean over the non-NaN
/// values (NaN when there is none), last at the highest step.
#[derive(SimpleObject, Debug)]
pub struct Measured {
    pub metric: String,
    pub last: MetricValue,
    pub last_step: i64,
    pub min: MetricValue,
    pub max: MetricValue,
    pub mean: MetricValue,
    /// Points, one per step.
    pub count: i64,
}

/// A node of the project DAG.
#[derive(SimpleObject, Debug)]
pub struct DagNode {
    pub number: i64,
    pub name: String,
    pub status: StatusGql,
    pub progress: i64,
}

/// A parent edge of the project DAG, pointing from parent to child.
#[derive(SimpleObject, Debug)]
pub struct DagEdge {
    /// The parent's number.
    pub from: i64,
    /// The child's number.
    pub to: i64,
    pub kind: EdgeKindGql,
}

/// A project's whole lineage graph, for the graph view.
#[derive(SimpleObject, Debug)]
pub struct Dag {
    pub nodes: Vec<DagNode>,
    pub edges: Vec<DagEdge>,
}

impl From<model::Dag> for Dag {
    fn from(dag: model::Dag) -> Self {
        Dag {
            nodes: dag
                .nodes
                .into_iter()
                .map(|node| DagNode {
                    number: node.number,
                    name: node.name,
                    status: node.status.into(),
                    progress: node.progress,
                })
                .collect(),
            edges: dag
                .edges
                .into_iter()
                .map(|edge| DagEdge {
                    from: edge.from,
                    to: edge.to,
                    kind: edge.kind.into(),
                })
                .collect(),
        }
    }
}

/// One Kanban column: the experiments of one status.
#[derive(SimpleObject, Debug)]
pub struct KanbanColumn {
    pub status: StatusGql,
    pub experiments: Vec<Experiment>,
}

impl From<model::KanbanColumn> for KanbanColumn {
    fn from(column: model::KanbanColumn) -> Self {
        KanbanColumn {
            status: column.status.into(),
            experiments: wrap(column.experiments),
        }
    }
}

/// One leaf-level feature change.
#[derive(SimpleObject, Debug)]
pub struct FeatureChange {
    /// Dotted feature path, e.g. `optimizer.lr`.
    pub path: String,
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// The value before (absent for `add`).
    pub before: Option<Json<serde_json::Value>>,
    /// The value after (absent for `remove`).
    pub after: Option<Json<serde_json::Value>>,
}

impl From<graph::features::FeatureChange> for FeatureChange {
    fn from(change: graph::features::FeatureChange) -> Self {
        FeatureChange {
            path: change.path,
            op: change.op.as_str().to_owned(),
            before: change.before.map(Json),
            after: change.after.map(Json),
        }
    }
}

/// A path both sides changed differently since their common ancestor.
#[derive(SimpleObject, Debug)]
pub struct MergeConflict {
    pub path: String,
    pub base: Option<Json<serde_json::Value>>,
    pub ours: Option<Json<serde_json::Value>>,
    pub theirs: Option<Json<serde_json::Value>>,
}

/// The three-way merge of two experiments' features.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct MergePreview {
    /// Number of the lowest common ancestor on the primary chains; null merges against empty features.
    pub base: Option<i64>,
    /// Merged features; at a conflicting path it keeps `a`'s value.
    pub merged: Json<serde_json::Value>,
    /// Conflicting paths, sorted.
    pub conflicts: Vec<MergeConflict>,
}

#[ComplexObject]
impl MergePreview {
    /// Whether the merge applies without conflicts.
    async fn clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

impl From<graph::MergePreviewResult> for MergePreview {
    fn from(result: graph::MergePreviewResult) -> Self {
        MergePreview {
            base: result.base,
            merged: Json(result.preview.merged),
            conflicts: result
                .preview
                .conflicts
                .into_iter()
                .map(|conflict| MergeConflict {
                    path: conflict.path,
                    base: conflict.base.map(Json),
                    ours: conflict.ours.map(Json),
                    theirs: conflict.theirs.map(Json),
                })
                .collect(),
        }
    }
}

/// A background job's record (the dead-letter list shows these).
#[derive(SimpleObject, Debug)]
pub struct Job {
    pub id: ID,
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: Json<serde_json::Value>,
    /// `queued`, `running`, `succeeded` or `dead`.
    pub status: String,
    /// Attempts started so far.
    pub attempts: i64,
    /// Attempts allowed before it is dead-lettered.
    pub max_attempts: i64,
    /// The error of its last failed attempt.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it succeeded or died.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<model::Job> for Job {
    fn from(job: model::Job) -> Self {
        Self {
            id: ID(job.id.0),
            kind: job.kind,
            payload: Json(job.payload),
            status: job.status.as_str().to_owned(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error,
            created_at: job.created_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
        }
    }
}
