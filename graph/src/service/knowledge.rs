//! Whole-project reads for reasoning across experiments: every experiment with its full
//! features, and every feature change along the primary parent edges. One indexed read each,
//! so answering a question or weighing feature effects costs two queries, not one per run.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::features::opt_stored_json;
use super::{experiment_from_row, Graph};
use crate::error::{Error, Result};
use crate::ids::{ExperimentId, ProjectId};
use crate::model::Experiment;
use crate::queries;
use crate::value::Params;

/// The longest key of a hypothesis suggestion (`metric|path|value`).
pub const MAX_SUGGESTION_KEY: usize = 1_000;

/// An experiment with its full features (root features plus every diff down its chain).
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentWithFeatures {
    /// The experiment.
    pub experiment: Experiment,
    /// Its full features (`{}` when it has none).
    pub features: Json,
}

/// One feature path an experiment changed against its primary parent.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureChangeOf {
    /// The experiment's number.
    pub number: i64,
    /// Its primary parent's number (`None` for a root, whose changes add its features).
    pub parent: Option<i64>,
    /// Dotted feature path.
    pub path: String,
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// The new value (`None` for `remove`).
    pub value: Option<Json>,
}

/// A current file of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactOf {
    /// The experiment's id.
    pub experiment_id: ExperimentId,
    /// The experiment's number.
    pub number: i64,
    /// The file's path within the experiment.
    pub path: String,
    /// Its media type.
    pub mime: String,
}

impl Graph {
    /// The current (not deleted) files of every experiment of `project`, by number and path.
    pub async fn project_artifacts(&self, project: &str) -> Result<Vec<ArtifactOf>> {
        let project = self.project(project).await?;
        let rows = self
            .executor
            .execute(
                &queries::KNOWLEDGE_ARTIFACTS,
                Params::new().with("project_id", project.id.as_str()),
            )
            .await?;
        let mut artifacts = rows
            .iter()
            .map(|row| {
                Ok(ArtifactOf {
                    experiment_id: ExperimentId(row.string("experiment_id")?),
                    number: row.int("number")?,
                    path: row.string("path")?,
                    mime: row.string("mime")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        artifacts.sort_by(|a, b| (a.number, &a.path).cmp(&(b.number, &b.path)));
        Ok(artifacts)
    }

    /// Every experiment of `project`, by number, with its full features.
    pub async fn experiments_with_features(&self, project: &str) -> Result<Vec<ExperimentWithFeatures>> {
        let project = self.project(project).await?;
        let rows = self
            .executor
            .execute(
                &queries::KNOWLEDGE_EXPERIMENTS,
                Params::new().with("project_id", project.id.as_str()),
            )
            .await?;
        let mut experiments = rows
            .iter()
            .map(|row| {
                Ok(ExperimentWithFeatures {
                    experiment: experiment_from_row(row)?,
                    features: opt_stored_json(row, "features_full")?
                        .unwrap_or_else(|| Json::Object(Default::default())),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        experiments.sort_by_key(|entry| entry.experiment.number);
        Ok(experiments)
    }

    /// Every feature change of `project`'s experiments (their `SETS` edges), by experiment
    /// number and path.
    pub async fn project_feature_changes(&self, project: &str) -> Result<Vec<FeatureChangeOf>> {
        let project = self.project(project).await?;
        let rows = self
            .executor
            .execute(
                &queries::KNOWLEDGE_FEATURE_SETS,
                Params::new().with("project_id", project.id.as_str()),
            )
            .await?;
        let mut changes = rows
            .iter()
            .map(|row| {
                Ok(FeatureChangeOf {
                    number: row.int("number")?,
                    parent: row.opt_int("parent")?,
                    path: row.string("path")?,
                    op: row.string("op")?,
                    value: opt_stored_json(row, "value")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        changes.sort_by(|a, b| (a.number, &a.path).cmp(&(b.number, &b.path)));
        Ok(changes)
    }

    /// The keys of the hypothesis suggestions dismissed in `project`.
    pub async fn dismissed_suggestions(&self, project: &str) -> Result<BTreeSet<String>> {
        let project = self.project(project).await?;
        self.dismissed_of(&project.id).await
    }

    async fn dismissed_of(&self, project_id: &ProjectId) -> Result<BTreeSet<String>> {
        let rows = self
            .executor
            .execute(
                &queries::PROJECT_DISMISSED_SUGGESTIONS,
                Params::new().with("project_id", project_id.as_str()),
            )
            .await?;
        match rows.first() {
            Some(row) => Ok(opt_stored_json(row, "dismissed")?
                .map(serde_json::from_value)
                .transpose()
                .map_err(|error| {
                    Error::Internal(format!("stored dismissed suggestions are not a list: {error}"))
                })?
                .unwrap_or_default()),
            None => Ok(BTreeSet::new()),
        }
    }

    /// Records that the suggestion `key` was dismissed in `project` (it is offered no more).
    pub async fn dismiss_suggestion(&self, project: &str, key: &str) -> Result<()> {
        if key.trim().is_empty() || key.len() > MAX_SUGGESTION_KEY {
            return Err(Error::invalid(
                "key",
                format!("must be 1 to {MAX_SUGGESTION_KEY} bytes"),
            ));
        }
        let project = self.project(project).await?;
        let _gate = self.write_lock.acquire().await?;
        let mut dismissed = self.dismissed_of(&project.id).await?;
        dismissed.insert(key.to_owned());
        let text = serde_json::to_string(&dismissed)
            .map_err(|error| Error::Internal(format!("dismissed suggestions do not serialize: {error}")))?;
        self.executor
            .execute(
                &queries::PROJECT_SET_DISMISSED_SUGGESTIONS,
                Params::new()
                    .with("project_id", project.id.as_str())
                    .with("dismissed", text),
            )
            .await?;
        Ok(())
    }
}
