//! Features of experiments: stored diffs, cached full features, `SETS` edges,
//! explanations between any two experiments and merge previews.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::evidence_snapshot::ValuesChange;
use super::Graph;
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::features::{self, FeatureChange, MergePreview};
use crate::ids::ExperimentId;
use crate::model::{Experiment, Project};
use crate::queries;
use crate::value::{Params, Row, Value};

/// An experiment's stored features.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentFeatures {
    /// RFC 6902 JSON Patch against the primary parent's full features.
    pub diff: Json,
    /// Root features with every diff down the primary chain applied.
    pub full: Json,
}

/// A feature path an experiment changed against its primary parent (a `SETS` edge).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSet {
    /// Dotted feature path.
    pub path: String,
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// The new value (`None` for `remove`).
    pub value: Option<Json>,
}

/// A merge preview and the common ancestor it was computed against.
#[derive(Debug, Clone, PartialEq)]
pub struct MergePreviewResult {
    /// The lowest common ancestor on the primary chains; `None` merges against empty features.
    pub base: Option<i64>,
    /// Merged features and the conflicting paths.
    pub preview: MergePreview,
}

/// What storing `full` under a parent with `parent_full` writes.
#[derive(Debug, Clone)]
pub(super) struct FeatureChangeSet {
    pub diff_json: String,
    pub full_json: String,
    /// Changed leaves that the project's diff policy does not ignore.
    pub changes: Vec<FeatureChange>,
    project_id: String,
}

fn to_json_text(value: &impl serde::Serialize, what: &str) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|error| Error::Internal(format!("{what} does not serialize: {error}")))
}

pub(super) fn stored_json(row: &Row, column: &str) -> Result<Json> {
    let text = row.string(column)?;
    parse_stored(column, &text)
}

/// A nullable JSON text column (`None` for null).
pub(super) fn opt_stored_json(row: &Row, column: &str) -> Result<Option<Json>> {
    row.opt_string(column)?
        .map(|text| parse_stored(column, &text))
        .transpose()
}

fn parse_stored(column: &str, text: &str) -> Result<Json> {
    serde_json::from_str(text)
        .map_err(|error| Error::Internal(format!("stored {column} is not JSON: {error}")))
}

impl FeatureChangeSet {
    pub fn between(project: &Project, parent_full: &Json, full: &Json) -> Result<Self> {
        let diff = features::diff(parent_full, full);
        let changes = features::explain(parent_full, full)
            .into_iter()
            .filter(|change| !project.settings.feature_diff.ignores(&change.path))
            .collect();
        Ok(Self {
            diff_json: to_json_text(&diff, "feature diff")?,
            full_json: to_json_text(full, "features")?,
            changes,
            project_id: project.id.to_string(),
        })
    }

    /// Statements that store this diff and full features on `experiment` and
    /// replace its `SETS` edges.
    pub fn replace_statements(&self, experiment: &ExperimentId) -> Vec<Statement> {
        let id = experiment.as_str();
        let mut statements = vec![
            Statement::new(
                &queries::EXPERIMENT_SET_FEATURES,
                Params::new()
                    .with("id", id)
                    .with("features_diff", self.diff_json.as_str())
                    .with("features_full", self.full_json.as_str()),
            ),
            Statement::new(&queries::EXPERIMENT_UNLINK_FEATURES, Params::new().with("id", id)),
        ];
        statements.extend(self.link_statement(experiment));
        statements
    }

    /// The statement that links `experiment` to a `Feature` node per changed leaf (`SETS`
    /// edges), `None` when nothing changed.
    pub fn link_statement(&self, experiment: &ExperimentId) -> Option<Statement> {
        if self.changes.is_empty() {
            return None;
        }
        let project_id = self.project_id.as_str();
        let column = |field: &dyn Fn(&FeatureChange) -> Value| -> Vec<Value> {
            self.changes.iter().map(field).collect()
        };
        Some(Statement::new(
            &queries::EXPERIMENT_LINK_FEATURES,
            Params::new()
                .with("id", experiment.as_str())
                .with("project_id", project_id)
                .with(
                    "keys",
                    column(&|change| format!("{project_id}/{}", change.path).into()),
                )
                .with("paths", column(&|change| change.path.as_str().into()))
                .with("ops", column(&|change| change.op.as_str().into()))
                .with(
                    "values",
                    column(&|change| change.after.as_ref().map(|after| after.to_string()).into()),
                ),
        ))
    }
}

/// Features text up to this size is parsed where it arrives, on the async runtime (a few
/// milliseconds at most); a larger document goes to the blocking pool. YAML parses at 4–6 MB/s:
/// a document near the 1 MiB limit took 170–250 ms as YAML and 90 ms as JSON on a 2-core
/// server, a stall of every other request on the runtime's worker had it run there.
const PARSE_ON_RUNTIME_BYTES: usize = 16 * 1024;

/// [`features::parse_features`], off the async runtime for a large document.
pub(super) async fn parse_features_text(text: &str) -> Result<Json> {
    if text.len() <= PARSE_ON_RUNTIME_BYTES {
        return features::parse_features(text);
    }
    let text = text.to_owned();
    tokio::task::spawn_blocking(move || features::parse_features(&text))
        .await
        .map_err(|error| Error::Internal(format!("features parse task failed: {error}")))?
}

impl Graph {
    pub(super) async fn features_of(&self, id: &ExperimentId) -> Result<ExperimentFeatures> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_FEATURES,
                Params::new().with("id", id.as_str()),
            )
            .await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            entity: "experiment",
            id: id.to_string(),
        })?;
        Ok(ExperimentFeatures {
            diff: stored_json(row, "features_diff")?,
            full: stored_json(row, "features_full")?,
        })
    }

    /// The stored diff and cached full features of an experiment.
    pub async fn features(&self, experiment: &Experiment) -> Result<ExperimentFeatures> {
        self.features_of(&experiment.id).await
    }

    /// The feature paths `experiment` changed against its primary parent, by path.
    pub async fn feature_sets(&self, experiment: &Experiment) -> Result<Vec<FeatureSet>> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_FEATURE_SETS,
                Params::new().with("id", experiment.id.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FeatureSet {
                    path: row.string("path")?,
                    op: row.string("op")?,
                    value: opt_stored_json(row, "value")?,
                })
            })
            .collect()
    }

    /// Leaf-level changes from experiment `a`'s features to `b`'s.
    pub async fn feature_diff(&self, project: &str, a: i64, b: i64) -> Result<Vec<FeatureChange>> {
        let project = self.project(project).await?;
        let before = self.experiment_in(&project, a).await?;
        let after = self.experiment_in(&project, b).await?;
        let before = self.features_of(&before.id).await?.full;
        let after = self.features_of(&after.id).await?.full;
        Ok(features::explain(&before, &after)
            .into_iter()
            .filter(|change| !project.settings.feature_diff.ignores(&change.path))
            .collect())
    }

    /// Three-way merge of `a`'s and `b`'s features against their lowest common
    /// ancestor on the primary chains.
    pub async fn merge_preview(&self, project: &str, a: i64, b: i64) -> Result<MergePreviewResult> {
        let project = self.project(project).await?;
        let ours = self.experiment_in(&project, a).await?;
        let theirs = self.experiment_in(&project, b).await?;
        let (our_chain, their_chain) =
            tokio::try_join!(self.primary_chain(&ours.id), self.primary_chain(&theirs.id))?;
        let base = our_chain
            .iter()
            .find(|(id, _)| their_chain.iter().any(|(their_id, _)| their_id == id))
            .cloned();
        let base_features = match &base {
            Some((id, _)) => self.features_of(id).await?.full,
            None => serde_json::json!({}),
        };
        let ours = self.features_of(&ours.id).await?.full;
        let theirs = self.features_of(&theirs.id).await?.full;
        Ok(MergePreviewResult {
            base: base.map(|(_, number)| number),
            preview: features::merge3(&base_features, &ours, &theirs),
        })
    }

    /// The experiment and its primary ancestors, nearest first, as (id, number).
    async fn primary_chain(&self, id: &ExperimentId) -> Result<Vec<(ExperimentId, i64)>> {
        let rows = self
            .executor
            .execute(&queries::PRIMARY_CHAIN, Params::new().with("id", id.as_str()))
            .await?;
        rows.iter()
            .map(|row| Ok((ExperimentId(row.string("id")?), row.int("number")?)))
            .collect()
    }

    /// Replaces experiment `number`'s features (a retroactive correction). Its diff is
    /// recomputed against its parent; its primary descendants keep their own diffs, so
    /// they inherit the correction, and their cached full features are refreshed in
    /// the same transaction. Refused (CONFLICT) when a descendant's diff no longer applies.
    #[tracing::instrument(skip_all, fields(project = %project, number))]
    pub async fn update_features(
        &self,
        project: &str,
        number: i64,
        features_text: &str,
    ) -> Result<Experiment> {
        let full = parse_features_text(features_text).await?;
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let parent_full = match self.primary_parent(&experiment).await? {
            Some(parent) => self.features_of(&parent.id).await?.full,
            None => serde_json::json!({}),
        };
        let changes = FeatureChangeSet::between(&project, &parent_full, &full)?;
        let mut statements = changes.replace_statements(&experiment.id);
        statements.extend(self.refresh_descendant_features(&experiment.id, &full).await?);
        // Seed siblings are judged by full features, which the evidence snapshots hold.
        self.execute_changing_values(statements, &project.id, experiment.number, ValuesChange::Features)
            .await?;
        Ok(experiment)
    }

    /// Recomputes the cached full features of `root`'s primary descendants from
    /// `root_full` and their stored diffs; returns statements writing those that changed.
    pub(super) async fn refresh_descendant_features(
        &self,
        root: &ExperimentId,
        root_full: &Json,
    ) -> Result<Vec<Statement>> {
        let rows = self
            .executor
            .execute(&queries::PRIMARY_SUBTREE, Params::new().with("id", root.as_str()))
            .await?;
        let mut children_of: HashMap<String, Vec<&Row>> = HashMap::new();
        for row in &rows {
            children_of.entry(row.string("parent_id")?).or_default().push(row);
        }
        let mut updates = Vec::new();
        let mut pending = vec![(root.to_string(), root_full.clone())];
        while let Some((parent_id, parent_full)) = pending.pop() {
            for child in children_of.get(&parent_id).map(Vec::as_slice).unwrap_or_default() {
                let diff: json_patch::Patch = serde_json::from_value(stored_json(child, "features_diff")?)
                    .map_err(|error| {
                        Error::Internal(format!("stored features_diff is not a patch: {error}"))
                    })?;
                let full = features::apply(&parent_full, &diff).map_err(|_| {
                    Error::conflict(
                        "features",
                        format!(
                            "descendant #{} changes features that the new features no longer have; \
                             edit or reparent it first",
                            child.int("number").unwrap_or_default()
                        ),
                    )
                })?;
                if stored_json(child, "features_full")? != full {
                    updates.push(Statement::new(
                        &queries::EXPERIMENT_SET_FULL_FEATURES,
                        Params::new()
                            .with("id", child.string("id")?)
                            .with("features_full", to_json_text(&full, "features")?),
                    ));
                }
                pending.push((child.string("id")?, full));
            }
        }
        Ok(updates)
    }
}
