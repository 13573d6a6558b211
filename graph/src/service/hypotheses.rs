//! Hypotheses: creation, edits, experiment links, the manual status override, lists and
//! link suggestions.
//!
//! A hypothesis belongs to its project through the indexed `project_id` property (like an
//! experiment). Its relations are edges: `TARGETS {weight}` to existing `Metric` nodes of the
//! project, `ABOUT` to the project's `Feature` nodes (created when missing, as `SETS` creates
//! them) and `TESTED_BY` to experiments of the project. Every write validates all of its input
//! first, then sends one atomic batch under the write lock.

use std::collections::BTreeSet;

use tracing::instrument;

use super::metrics::metric_key;
use super::{
    experiment_key, experiments_from_rows, now, optional_timestamp, parse_timestamp, timestamp, Graph,
};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::{ExperimentId, HypothesisId, ProjectId, UserId};
use crate::model::hypothesis::{
    normalize_about, normalize_numbers, validate_description, validate_reason, validate_search,
    validate_targets, validate_title,
};
use crate::model::{
    Direction, Experiment, Hypothesis, HypothesisBaseline, HypothesisFilter, HypothesisStatus,
    HypothesisTarget, HypothesisUpdate, NewHypothesis, Project, StatusOverride, TargetInput,
};
use crate::queries;
use crate::value::{Params, Row, Value};

/// The most hypotheses [`Graph::experiment_hypotheses`] returns (FalkorDB answers a `LIMIT`
/// of `i64::MAX` with no rows, and an experiment tests a handful of hypotheses).
const MAX_HYPOTHESES_PER_EXPERIMENT: i64 = 10_000;

/// A page of hypotheses and whether more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisPage {
    /// The hypotheses, by id (creation order).
    pub hypotheses: Vec<Hypothesis>,
    /// Whether more hypotheses match after the last one.
    pub has_more: bool,
}

/// A float kept as text (Rust's shortest exact form), or a native float.
pub(super) fn optional_float(row: &Row, column: &str) -> Result<Option<f64>> {
    match row.0.get(column) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Float(number)) => Ok(Some(*number)),
        Some(Value::Int(number)) => Ok(Some(*number as f64)),
        Some(Value::String(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| Error::Internal(format!("stored {column} `{text}` is not a number"))),
        Some(other) => Err(Error::Internal(format!(
            "stored {column} should be a number, found {other:?}"
        ))),
    }
}

/// The stored text of a float: Rust's shortest exact form.
pub(super) fn float_text(value: f64) -> String {
    format!("{value:?}")
}

fn status_override_from_row(row: &Row) -> Result<Option<StatusOverride>> {
    let Some(status) = row.opt_string("override_status")? else {
        return Ok(None);
    };
    let at = optional_timestamp(row, "override_at")?
        .ok_or_else(|| Error::Internal("a stored override lacks its time".into()))?;
    Ok(Some(StatusOverride {
        status: HypothesisStatus::parse(&status)?,
        reason: row.opt_string("override_reason")?.unwrap_or_default(),
        author: UserId(row.opt_string("override_author")?.unwrap_or_default()),
        at,
    }))
}

fn hypothesis_from_row(row: &Row) -> Result<Hypothesis> {
    Ok(Hypothesis {
        id: HypothesisId(row.string("id")?),
        project_id: ProjectId(row.string("project_id")?),
        title: row.string("title")?,
        description: row.opt_string("description")?.unwrap_or_default(),
        author: UserId(row.string("author")?),
        baseline: HypothesisBaseline::parse(
            &row.string("baseline_kind")?,
            row.opt_int("baseline_experiment")?,
        )?,
        computed_status: HypothesisStatus::parse(&row.string("computed_status")?)?,
        status_override: status_override_from_row(row)?,
        evidence_score: optional_float(row, "evidence_score")?,
        computed_at: optional_timestamp(row, "computed_at")?,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        updated_at: parse_timestamp("updated_at", &row.string("updated_at")?)?,
    })
}

fn hypotheses_from_rows(rows: &[Row]) -> Result<Vec<Hypothesis>> {
    rows.iter().map(hypothesis_from_row).collect()
}

fn not_found(id: &HypothesisId) -> Error {
    Error::NotFound {
        entity: "hypothesis",
        id: id.to_string(),
    }
}

/// Statements that replace a hypothesis' `TARGETS` edges.
fn target_statements(id: &HypothesisId, project_id: &ProjectId, targets: &[TargetInput]) -> Vec<Statement> {
    let mut statements = vec![Statement::new(
        &queries::HYPOTHESIS_UNLINK_TARGETS,
        Params::new().with("id", id.as_str()),
    )];
    statements.extend(targets.iter().map(|target| {
        Statement::new(
            &queries::HYPOTHESIS_LINK_TARGET,
            Params::new()
                .with("id", id.as_str())
                .with("metric_key", metric_key(project_id, &target.metric))
                .with("weight", float_text(target.weight)),
        )
    }));
    statements
}

/// Statements that replace a hypothesis' `ABOUT` edges.
fn about_statements(id: &HypothesisId, project_id: &ProjectId, about: &[String]) -> Vec<Statement> {
    let mut statements = vec![Statement::new(
        &queries::HYPOTHESIS_UNLINK_ABOUT,
        Params::new().with("id", id.as_str()),
    )];
    statements.extend(about.iter().map(|path| {
        Statement::new(
            &queries::HYPOTHESIS_LINK_ABOUT,
            Params::new()
                .with("id", id.as_str())
                .with("project_id", project_id.as_str())
                .with("key", format!("{project_id}/{path}"))
                .with("path", path.as_str()),
        )
    }));
    statements
}

fn scalar_params(hypothesis: &Hypothesis) -> Params {
    Params::new()
        .with("id", hypothesis.id.as_str())
        .with("title", hypothesis.title.as_str())
        .with("description", hypothesis.description.as_str())
        .with("baseline_kind", hypothesis.baseline.kind())
        .with("baseline_experiment", hypothesis.baseline.experiment())
        .with("now", timestamp(hypothesis.updated_at))
}

impl Graph {
    /// The hypothesis with this id, anywhere, with its project. An unknown id is `NotFound`.
    pub async fn hypothesis_by_id(&self, id: &HypothesisId) -> Result<(Project, Hypothesis)> {
        let hypothesis = self.find_hypothesis(id).await?.ok_or_else(|| not_found(id))?;
        let project = self.project_by_id(&hypothesis.project_id).await?;
        Ok((project, hypothesis))
    }

    async fn find_hypothesis(&self, id: &HypothesisId) -> Result<Option<Hypothesis>> {
        let rows = self
            .executor
            .execute(&queries::HYPOTHESIS_BY_ID, Params::new().with("id", id.as_str()))
            .await?;
        rows.first().map(hypothesis_from_row).transpose()
    }

    /// A project's hypotheses by id (creation order), `first` (1 to 1,000) after the one with
    /// id `after`, matching `filter`.
    pub async fn hypotheses(
        &self,
        project: &str,
        filter: HypothesisFilter,
        first: i64,
        after: Option<&HypothesisId>,
    ) -> Result<HypothesisPage> {
        super::check_page_size("first", first)?;
        if let Some(search) = &filter.search {
            validate_search(search)?;
        }
        let project = self.project(project).await?;
        let search = filter.search.filter(|search| !search.is_empty());
        let params = Params::new()
            .with("status", filter.status.map(HypothesisStatus::as_str))
            .with("search", search)
            .with("after", after.map_or("", HypothesisId::as_str))
            .with("limit", first + 1);
        let rows = match filter.experiment {
            Some(number) => {
                let params = params.with("key", experiment_key(&project.id, number));
                self.executor
                    .execute(&queries::HYPOTHESIS_LIST_TESTED, params)
                    .await?
            }
            None => {
                let params = params.with("project_id", project.id.as_str());
                self.executor.execute(&queries::HYPOTHESIS_LIST, params).await?
            }
        };
        let mut hypotheses = hypotheses_from_rows(&rows)?;
        let has_more = hypotheses.len() as i64 > first;
        hypotheses.truncate(first as usize);
        Ok(HypothesisPage { hypotheses, has_more })
    }

    /// The hypotheses `experiment` is linked to (`TESTED_BY`), by id (at most 10,000).
    pub async fn experiment_hypotheses(&self, experiment: &Experiment) -> Result<Vec<Hypothesis>> {
        let params = Params::new()
            .with("key", experiment_key(&experiment.project_id, experiment.number))
            .with("status", None::<&str>)
            .with("search", None::<&str>)
            .with("after", "")
            .with("limit", MAX_HYPOTHESES_PER_EXPERIMENT);
        let rows = self
            .executor
            .execute(&queries::HYPOTHESIS_LIST_TESTED, params)
            .await?;
        hypotheses_from_rows(&rows)
    }

    /// The target metrics of a hypothesis, by metric name.
    pub async fn hypothesis_targets(&self, hypothesis: &Hypothesis) -> Result<Vec<HypothesisTarget>> {
        let rows = self
            .executor
            .execute(
                &queries::HYPOTHESIS_TARGETS,
                Params::new().with("id", hypothesis.id.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(HypothesisTarget {
                    metric: row.string("metric")?,
                    weight: optional_float(row, "weight")?
                        .ok_or_else(|| Error::Internal("a TARGETS edge lacks its weight".into()))?,
                    direction: row
                        .opt_string("direction")?
                        .as_deref()
                        .map(Direction::parse)
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The feature paths a hypothesis is about, sorted.
    pub async fn hypothesis_about(&self, hypothesis: &Hypothesis) -> Result<Vec<String>> {
        let rows = self
            .executor
            .execute(
                &queries::HYPOTHESIS_ABOUT,
                Params::new().with("id", hypothesis.id.as_str()),
            )
            .await?;
        rows.iter().map(|row| row.string("path")).collect()
    }

    /// The experiments linked to a hypothesis (`TESTED_BY`), by number.
    pub async fn hypothesis_experiments(&self, hypothesis: &Hypothesis) -> Result<Vec<Experiment>> {
        let rows = self
            .executor
            .execute(
                &queries::HYPOTHESIS_EXPERIMENTS,
                Params::new().with("id", hypothesis.id.as_str()),
            )
            .await?;
        experiments_from_rows(&rows)
    }

    /// Experiments worth linking: those of the project, not linked yet, whose feature diff
    /// (`SETS`) touches a feature the hypothesis is about; by number.
    pub async fn hypothesis_suggestions(&self, hypothesis: &Hypothesis) -> Result<Vec<Experiment>> {
        let rows = self
            .executor
            .execute(
                &queries::HYPOTHESIS_SUGGESTIONS,
                Params::new().with("id", hypothesis.id.as_str()),
            )
            .await?;
        let linked: BTreeSet<ExperimentId> = self
            .hypothesis_experiments(hypothesis)
            .await?
            .into_iter()
            .map(|experiment| experiment.id)
            .collect();
        let mut seen = BTreeSet::new();
        let mut suggestions: Vec<Experiment> = experiments_from_rows(&rows)?
            .into_iter()
            .filter(|experiment| !linked.contains(&experiment.id) && seen.insert(experiment.id.clone()))
            .collect();
        suggestions.sort_by_key(|experiment| experiment.number);
        Ok(suggestions)
    }

    /// Refuses a target that names no metric of the project (logged or configured).
    async fn check_targets_exist(&self, project: &Project, targets: &[TargetInput]) -> Result<()> {
        if targets.is_empty() {
            return Ok(());
        }
        let known: BTreeSet<String> = self
            .metrics_of(&project.id)
            .await?
            .into_iter()
            .map(|metric| metric.name)
            .collect();
        for (position, target) in targets.iter().enumerate() {
            if !known.contains(&target.metric) {
                return Err(Error::invalid(
                    format!("targets[{position}].metric"),
                    format!(
                        "project {} has no metric `{}`: log it or configure it first",
                        project.name, target.metric
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuses a baseline experiment the project does not have.
    async fn check_baseline_exists(&self, project: &Project, baseline: HypothesisBaseline) -> Result<()> {
        let Some(number) = baseline.experiment() else {
            return Ok(());
        };
        if self.find_experiment_in(project, number).await?.is_none() {
            return Err(Error::invalid(
                "baseline.experiment",
                format!("no experiment #{number} in project {}", project.name),
            ));
        }
        Ok(())
    }

    /// Creates a hypothesis with its targets, related features and baseline; its status starts
    /// `proposed`.
    #[instrument(skip_all, fields(project = %input.project))]
    pub async fn create_hypothesis(&self, input: NewHypothesis) -> Result<Hypothesis> {
        let title = validate_title(&input.title)?;
        validate_description(&input.description)?;
        validate_targets(&input.targets)?;
        let about = normalize_about(input.about)?;

        let _gate = self.write_lock.acquire().await?;
        let project = self.project(&input.project).await?;
        self.check_targets_exist(&project, &input.targets).await?;
        self.check_baseline_exists(&project, input.baseline).await?;
        let created = now();
        let hypothesis = Hypothesis {
            id: HypothesisId::generate(),
            project_id: project.id.clone(),
            title,
            description: input.description,
            author: input.author,
            baseline: input.baseline,
            computed_status: HypothesisStatus::Proposed,
            status_override: None,
            evidence_score: None,
            computed_at: None,
            created_at: created,
            updated_at: created,
        };
        let create = scalar_params(&hypothesis)
            .with("project_id", project.id.as_str())
            .with("author", hypothesis.author.as_str());
        let mut statements = vec![Statement::new(&queries::HYPOTHESIS_CREATE, create)];
        statements.extend(target_statements(&hypothesis.id, &project.id, &input.targets));
        statements.extend(about_statements(&hypothesis.id, &project.id, &about));
        self.executor.execute_atomic(statements).await?;
        Ok(hypothesis)
    }

    /// Applies a partial update (lists replace the stored ones) and returns the hypothesis.
    #[instrument(skip_all, fields(hypothesis = %id))]
    pub async fn update_hypothesis(&self, id: &HypothesisId, update: HypothesisUpdate) -> Result<Hypothesis> {
        let title = update.title.as_deref().map(validate_title).transpose()?;
        if let Some(description) = &update.description {
            validate_description(description)?;
        }
        if let Some(targets) = &update.targets {
            validate_targets(targets)?;
        }
        let about = update.about.map(normalize_about).transpose()?;

        let _gate = self.write_lock.acquire().await?;
        let (project, mut hypothesis) = self.hypothesis_by_id(id).await?;
        if let Some(targets) = &update.targets {
            self.check_targets_exist(&project, targets).await?;
        }
        if let Some(baseline) = update.baseline {
            self.check_baseline_exists(&project, baseline).await?;
            hypothesis.baseline = baseline;
        }
        if let Some(title) = title {
            hypothesis.title = title;
        }
        if let Some(description) = update.description {
            hypothesis.description = description;
        }
        hypothesis.updated_at = now();
        let mut statements = vec![Statement::new(
            &queries::HYPOTHESIS_UPDATE,
            scalar_params(&hypothesis),
        )];
        if let Some(targets) = &update.targets {
            statements.extend(target_statements(id, &project.id, targets));
        }
        if let Some(about) = &about {
            statements.extend(about_statements(id, &project.id, about));
        }
        self.executor.execute_atomic(statements).await?;
        Ok(hypothesis)
    }

    /// The experiments `numbers` name in the hypothesis' project, in order, without repeats;
    /// a number the project lacks is refused naming its position.
    async fn experiments_named(&self, project: &Project, numbers: &[i64]) -> Result<Vec<Experiment>> {
        let unique = normalize_numbers(numbers)?;
        let mut experiments = Vec::with_capacity(unique.len());
        for number in unique {
            let position = numbers.iter().position(|n| *n == number).unwrap_or_default();
            let experiment = self.find_experiment_in(project, number).await?.ok_or_else(|| {
                Error::invalid(
                    format!("numbers[{position}]"),
                    format!("no experiment #{number} in project {}", project.name),
                )
            })?;
            experiments.push(experiment);
        }
        Ok(experiments)
    }

    /// Links experiments of the hypothesis' project (by number) to it; linking one that is
    /// linked already changes nothing.
    #[instrument(skip_all, fields(hypothesis = %id))]
    pub async fn link_experiments(&self, id: &HypothesisId, numbers: &[i64]) -> Result<Hypothesis> {
        self.change_links(id, numbers, true).await
    }

    /// Unlinks experiments (by number) from a hypothesis; unlinking one that is not linked
    /// changes nothing.
    #[instrument(skip_all, fields(hypothesis = %id))]
    pub async fn unlink_experiments(&self, id: &HypothesisId, numbers: &[i64]) -> Result<Hypothesis> {
        self.change_links(id, numbers, false).await
    }

    async fn change_links(&self, id: &HypothesisId, numbers: &[i64], link: bool) -> Result<Hypothesis> {
        normalize_numbers(numbers)?;
        let _gate = self.write_lock.acquire().await?;
        let (project, mut hypothesis) = self.hypothesis_by_id(id).await?;
        let named = self.experiments_named(&project, numbers).await?;
        let linked_experiments = self.hypothesis_experiments(&hypothesis).await?;
        let linked: BTreeSet<ExperimentId> = linked_experiments
            .iter()
            .map(|experiment| experiment.id.clone())
            .collect();
        let (query, changing) = if link {
            let new: Vec<_> = named.iter().filter(|e| !linked.contains(&e.id)).collect();
            (&queries::HYPOTHESIS_LINK_EXPERIMENT, new)
        } else {
            let old: Vec<_> = named.iter().filter(|e| linked.contains(&e.id)).collect();
            (&queries::HYPOTHESIS_UNLINK_EXPERIMENT, old)
        };
        if changing.is_empty() {
            return Ok(hypothesis);
        }
        hypothesis.updated_at = now();
        let mut statements: Vec<Statement> = changing
            .iter()
            .map(|experiment| {
                Statement::new(
                    query,
                    Params::new()
                        .with("id", id.as_str())
                        .with("key", experiment_key(&project.id, experiment.number)),
                )
            })
            .collect();
        let mut numbers: BTreeSet<i64> = linked_experiments.iter().map(|e| e.number).collect();
        for experiment in &changing {
            if link {
                numbers.insert(experiment.number);
            } else {
                numbers.remove(&experiment.number);
            }
        }
        statements.push(Statement::new(
            &queries::HYPOTHESIS_SET_LINKED_NUMBERS,
            Params::new()
                .with("id", id.as_str())
                .with("numbers", numbers.into_iter().collect::<Vec<i64>>()),
        ));
        statements.push(Statement::new(
            &queries::HYPOTHESIS_TOUCH,
            Params::new()
                .with("id", id.as_str())
                .with("now", timestamp(hypothesis.updated_at)),
        ));
        self.executor.execute_atomic(statements).await?;
        Ok(hypothesis)
    }

    /// Sets the manual status override (it wins over the computed status until cleared).
    #[instrument(skip_all, fields(hypothesis = %id, status = status.as_str()))]
    pub async fn override_hypothesis_status(
        &self,
        id: &HypothesisId,
        status: HypothesisStatus,
        reason: &str,
        author: &UserId,
    ) -> Result<Hypothesis> {
        let reason = validate_reason(reason)?;
        let _gate = self.write_lock.acquire().await?;
        let (_, mut hypothesis) = self.hypothesis_by_id(id).await?;
        let at = now();
        let status_override = StatusOverride {
            status,
            reason,
            author: author.clone(),
            at,
        };
        let params = Params::new()
            .with("id", id.as_str())
            .with("status", status.as_str())
            .with("reason", status_override.reason.as_str())
            .with("author", author.as_str())
            .with("at", timestamp(at))
            .with("now", timestamp(at));
        self.executor
            .execute_atomic(vec![Statement::new(&queries::HYPOTHESIS_SET_OVERRIDE, params)])
            .await?;
        hypothesis.status_override = Some(status_override);
        hypothesis.updated_at = at;
        Ok(hypothesis)
    }

    /// Clears the manual status override: the computed status shows again. Clearing when
    /// there is none changes nothing.
    #[instrument(skip_all, fields(hypothesis = %id))]
    pub async fn clear_hypothesis_override(&self, id: &HypothesisId) -> Result<Hypothesis> {
        let _gate = self.write_lock.acquire().await?;
        let (_, mut hypothesis) = self.hypothesis_by_id(id).await?;
        if hypothesis.status_override.is_none() {
            return Ok(hypothesis);
        }
        let cleared_at = now();
        let params = Params::new()
            .with("id", id.as_str())
            .with("status", None::<&str>)
            .with("reason", None::<&str>)
            .with("author", None::<&str>)
            .with("at", None::<&str>)
            .with("now", timestamp(cleared_at));
        self.executor
            .execute_atomic(vec![Statement::new(&queries::HYPOTHESIS_SET_OVERRIDE, params)])
            .await?;
        hypothesis.status_override = None;
        hypothesis.updated_at = cleared_at;
        Ok(hypothesis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_stored_as_exact_text_and_read_back_either_way() {
        let mut row = Row::default();
        row.0.insert("a".into(), Value::String(float_text(0.1 + 0.2)));
        row.0.insert("b".into(), Value::Float(2.5));
        assert_eq!(optional_float(&row, "a").expect("text"), Some(0.1 + 0.2));
        assert_eq!(optional_float(&row, "b").expect("float"), Some(2.5));
        assert_eq!(optional_float(&row, "missing").expect("null"), None);
    }
}
