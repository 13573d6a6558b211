//! Evidence computation on the graph: reads a hypothesis's inputs, evaluates them with the
//! pure model ([`crate::evidence`]) and stores the result; the read models read it back.
//!
//! # Inputs, and where each comes from
//!
//! - **Targets**: the hypothesis's `TARGETS {weight}` edges. A metric's direction and
//!   aggregation come from its configuration; an unconfigured metric is *minimize* with
//!   aggregation *last* — the same default as the metrics table, which this module reuses
//!   rather than guessing from the name.
//! - **A value**: the experiment's `MEASURED` summary of the metric under the metric's
//!   aggregation (`last`: the value at the last step; `best`: min or max by direction;
//!   `average`: the mean of the finite points), read from the summaries cached on every
//!   experiment (`e.measured`) — the number the runs table shows. A derived metric is its
//!   expression over the experiment's other values, as in the table. NaN and ±∞ count as
//!   missing (no unit).
//! - **Baseline**, by the hypothesis's rule: `parent` = the primary parent (`CHILD_OF`);
//!   `root` = the top of the primary chain; `best` = the best *complete* experiment of the
//!   project by that metric, excluding the experiment itself ([`crate::evidence::best_baseline`],
//!   ties to the lowest number), so it may differ per metric; `experiment N` = that experiment.
//!   A run is never its own baseline (a root under `root`, the named experiment under
//!   `experiment N`). No unit when there is no baseline or it lacks the metric.
//! - **Scale**: per target metric, [`crate::evidence::Scale::from_distribution`] over the
//!   metric's values in the project's *complete* experiments.
//! - **Seed siblings**: the other primary children of the experiment's parent whose full
//!   features equal its own once every leaf whose key (the path's last segment) contains
//!   `seed`, in any case, is removed (an object left empty goes too); a root has none. Their
//!   values of the metric, whatever their status.
//! - **Reruns**: the experiments within two `RERUN_OF` steps either way: its original, its
//!   reruns and the original's other reruns. Their values of the metric.
//! - **Recent values** (stability): given by the caller per (experiment, metric)
//!   ([`Graph::evidence_series`] lists the series); the graph does not hold points.
//! - **Environment checks**: code captured = a `HAS_CODE` snapshot exists; environment
//!   captured = `Experiment.environment` is recorded; restore = *not attempted* for every
//!   run, because nothing records restores yet (the factor then counts 0.5 of its 0.2).
//! - **Thresholds**: the project settings `evidence_support_threshold` and
//!   `evidence_refute_threshold` (defaults [`crate::evidence::Thresholds::default`]); the
//!   manual override wins for the effective status.
//!
//! All of this is read in a fixed number of queries per hypothesis (never one per unit): the
//! hypothesis, its targets, its links, its links' rerun relatives, every experiment of the
//! project with its cached summaries (baselines, scales and replicate values all come from it),
//! and the children of each distinct parent of a linked run (seed siblings).
//!
//! # What is stored
//!
//! In one atomic batch under the write lock: the hypothesis's old `EVIDENCE` edges are removed
//! and one is created per unit, `(:Experiment)-[:EVIDENCE {metric, baseline_value,
//! experiment_value, delta, normalized_delta, direction, confidence, weight, contribution,
//! baseline_experiment, computed_at}]->(:Hypothesis)` (floats as text, Rust's shortest exact
//! form); the hypothesis gets `computed_status`, `evidence_score`, `computed_at`,
//! `evidence_explanation`, what it was computed from (`evidence_linked`,
//! `evidence_with_units`, both thresholds, `evidence_baseline`) and one more point of its
//! score history (`evidence_history`, a JSON text of `[time, score, computed status]`, the last
//! [`MAX_SCORE_HISTORY`] points). The same inputs store the same result (times apart); each
//! recomputation appends a history point.
//!
//! Per-experiment contributions are not stored: they are sums over the units, recomputed on
//! read in the order the model sums them, so they equal the computed ones exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::evidence_inputs::{baseline_for, Linked, ProjectValues, Target};
use super::hypotheses::{float_text, optional_float};
use super::{experiment_key, now, optional_timestamp, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::evidence::{evaluate, explain, LinkedExperiment, MetricInput, Scale, TargetMetric, Thresholds};
use crate::executor::Statement;
use crate::ids::{ExperimentId, HypothesisId, ProjectId};
use crate::model::evidence::{contributions_of, MAX_SCORE_HISTORY};
use crate::model::{
    Direction, EvidenceInputsSummary, HypothesisBaseline, HypothesisStatus, RecentValues, ScorePoint,
    SeriesKey, Status, StoredContribution, StoredEvidence, StoredUnit,
};
use crate::queries;
use crate::value::{Params, Row};

/// A hypothesis's baseline rule, override and stored result, as `evidence/state` reads them.
struct EvidenceState {
    project_id: ProjectId,
    baseline: HypothesisBaseline,
    override_status: Option<HypothesisStatus>,
    row: Row,
}

fn not_found(id: &HypothesisId) -> Error {
    Error::NotFound {
        entity: "hypothesis",
        id: id.to_string(),
    }
}

fn baseline_label(baseline: HypothesisBaseline) -> String {
    match baseline {
        HypothesisBaseline::Experiment(number) => format!("experiment #{number}"),
        other => other.kind().to_owned(),
    }
}

fn required_float(row: &Row, column: &str) -> Result<f64> {
    optional_float(row, column)?.ok_or_else(|| Error::Internal(format!("stored evidence lacks {column}")))
}

fn unit_from_row(row: &Row) -> Result<StoredUnit> {
    Ok(StoredUnit {
        experiment: row.int("experiment")?,
        metric: row.string("metric")?,
        baseline_experiment: row.opt_int("baseline_experiment")?,
        baseline_value: required_float(row, "baseline_value")?,
        experiment_value: required_float(row, "experiment_value")?,
        delta: required_float(row, "delta")?,
        normalized_delta: required_float(row, "normalized_delta")?,
        direction: Direction::parse(&row.string("direction")?)?,
        weight: required_float(row, "weight")?,
        confidence: required_float(row, "confidence")?,
        contribution: required_float(row, "contribution")?,
        computed_at: parse_timestamp("computed_at", &row.string("computed_at")?)?,
    })
}

/// The stored score history: `[[time, score, status], …]`, oldest first.
fn history_from_text(text: Option<&str>) -> Result<Vec<ScorePoint>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let stored: Vec<(String, String, String)> = serde_json::from_str(text)
        .map_err(|error| Error::Internal(format!("stored score history is unreadable: {error}")))?;
    stored
        .into_iter()
        .map(|(at, score, status)| {
            Ok(ScorePoint {
                at: parse_timestamp("evidence_history", &at)?,
                score: score.parse().map_err(|_| {
                    Error::Internal(format!("stored history score `{score}` is not a number"))
                })?,
                status: HypothesisStatus::parse(&status)?,
            })
        })
        .collect()
}

fn history_text(points: &[ScorePoint]) -> Result<String> {
    let stored: Vec<(String, String, &str)> = points
        .iter()
        .map(|point| {
            (
                timestamp(point.at),
                float_text(point.score),
                point.status.as_str(),
            )
        })
        .collect();
    serde_json::to_string(&stored)
        .map_err(|error| Error::Internal(format!("score history does not serialize: {error}")))
}

/// The statement that writes one unit as an `EVIDENCE` edge.
fn unit_statement(hypothesis: &HypothesisId, project_id: &ProjectId, unit: &StoredUnit) -> Statement {
    Statement::new(
        &queries::EVIDENCE_CREATE_UNIT,
        Params::new()
            .with("id", hypothesis.as_str())
            .with("key", experiment_key(project_id, unit.experiment))
            .with("metric", unit.metric.as_str())
            .with("baseline_value", float_text(unit.baseline_value))
            .with("experiment_value", float_text(unit.experiment_value))
            .with("delta", float_text(unit.delta))
            .with("normalized_delta", float_text(unit.normalized_delta))
            .with("direction", unit.direction.as_str())
            .with("confidence", float_text(unit.confidence))
            .with("weight", float_text(unit.weight))
            .with("contribution", float_text(unit.contribution))
            .with("baseline_experiment", unit.baseline_experiment)
            .with("computed_at", timestamp(unit.computed_at)),
    )
}

/// The replicates' finite values of every target, per target.
fn replicate_values(numbers: Option<&Vec<i64>>, targets: usize, project: &ProjectValues) -> Vec<Vec<f64>> {
    (0..targets)
        .map(|target| {
            numbers
                .into_iter()
                .flatten()
                .filter_map(|number| project.value(*number, target))
                .collect()
        })
        .collect()
}

impl Graph {
    async fn evidence_state(&self, hypothesis: &HypothesisId) -> Result<EvidenceState> {
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_STATE,
                Params::new().with("id", hypothesis.as_str()),
            )
            .await?;
        let row = rows.into_iter().next().ok_or_else(|| not_found(hypothesis))?;
        Ok(EvidenceState {
            project_id: ProjectId(row.string("project_id")?),
            baseline: HypothesisBaseline::parse(
                &row.string("baseline_kind")?,
                row.opt_int("baseline_experiment")?,
            )?,
            override_status: row
                .opt_string("override_status")?
                .as_deref()
                .map(HypothesisStatus::parse)
                .transpose()?,
            row,
        })
    }

    /// The (experiment, metric) series whose recent values the evidence of `hypothesis` uses:
    /// every linked experiment × every target metric, by experiment number then metric name.
    pub async fn evidence_series(&self, hypothesis: &HypothesisId) -> Result<Vec<SeriesKey>> {
        self.evidence_state(hypothesis).await?;
        let (targets, linked) = tokio::join!(
            self.evidence_targets(hypothesis),
            self.evidence_linked(hypothesis)
        );
        let (targets, linked) = (targets?, linked?);
        Ok(linked
            .iter()
            .flat_map(|link| {
                targets.iter().map(|target| SeriesKey {
                    experiment: link.id.clone(),
                    metric: target.name.clone(),
                })
            })
            .collect())
    }

    /// Reads the inputs of `hypothesis` (see the module docs), evaluates them and stores the
    /// result atomically: its `EVIDENCE` edges replace the old ones, its computed fields are
    /// set and its score history gains a point. `recent` holds the last part of each series
    /// [`Graph::evidence_series`] names (a missing one is neutral).
    #[instrument(skip_all, fields(hypothesis = %hypothesis))]
    pub async fn recompute_evidence(
        &self,
        hypothesis: &HypothesisId,
        recent: &RecentValues,
    ) -> Result<StoredEvidence> {
        // Reads and the model run without the write lock (evidence is derived data: a change
        // that lands meanwhile queues another recomputation); only the write holds it.
        let state = self.evidence_state(hypothesis).await?;
        let (project, targets, linked, reruns) = tokio::join!(
            self.project_by_id(&state.project_id),
            self.evidence_targets(hypothesis),
            self.evidence_linked(hypothesis),
            self.evidence_rerun_families(hypothesis),
        );
        let (project, targets, linked, reruns) = (project?, targets?, linked?, reruns?);
        let (values, siblings) = tokio::join!(
            self.evidence_project_values(&project.id, &targets),
            self.evidence_seed_siblings(&project.id, &linked),
        );
        let (values, siblings) = (values?, siblings?);
        let thresholds = project.settings.evidence_thresholds();
        let computed_at = now();

        let (units, evidence_score, computed_status, explanation, with_units) = evaluate_hypothesis(
            &state,
            &targets,
            &linked,
            &values,
            &siblings,
            &reruns,
            recent,
            &thresholds,
            computed_at,
        );

        let _gate = self.write_lock.acquire().await?;
        // The history as it is now, under the lock (another recomputation may have added to it).
        let current = self.evidence_state(hypothesis).await?;
        let mut history = history_from_text(current.row.opt_string("history")?.as_deref())?;
        history.push(ScorePoint {
            at: computed_at,
            score: evidence_score,
            status: computed_status,
        });
        let overflow = history.len().saturating_sub(MAX_SCORE_HISTORY);
        history.drain(..overflow);

        let baseline = baseline_label(state.baseline);
        let mut statements = vec![Statement::new(
            &queries::EVIDENCE_CLEAR,
            Params::new().with("id", hypothesis.as_str()),
        )];
        statements.extend(
            units
                .iter()
                .map(|unit| unit_statement(hypothesis, &project.id, unit)),
        );
        statements.push(Statement::new(
            &queries::EVIDENCE_SET_RESULT,
            Params::new()
                .with("id", hypothesis.as_str())
                .with("computed_status", computed_status.as_str())
                .with("score", float_text(evidence_score))
                .with("computed_at", timestamp(computed_at))
                .with("explanation", explanation.as_str())
                .with("linked", linked.len() as i64)
                .with("with_units", with_units as i64)
                .with("support_threshold", float_text(thresholds.support))
                .with("refute_threshold", float_text(thresholds.refute))
                .with("baseline", baseline.as_str())
                .with("history", history_text(&history)?),
        ));
        self.executor.execute_atomic(statements).await?;

        let contributions = contributions_of(&units);
        Ok(StoredEvidence {
            hypothesis: hypothesis.clone(),
            score: evidence_score,
            computed_status,
            effective_status: current.override_status.unwrap_or(computed_status),
            explanation,
            units,
            contributions,
            computed_at,
            inputs: EvidenceInputsSummary {
                linked: linked.len(),
                with_units,
                thresholds: (thresholds.support, thresholds.refute),
                baseline,
            },
        })
    }

    /// The stored evidence of `hypothesis`; `None` before its first computation. The
    /// effective status takes the override as it is now.
    pub async fn hypothesis_evidence(&self, hypothesis: &HypothesisId) -> Result<Option<StoredEvidence>> {
        let state = self.evidence_state(hypothesis).await?;
        let row = &state.row;
        let Some(computed_at) = optional_timestamp(row, "computed_at")? else {
            return Ok(None);
        };
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_UNITS,
                Params::new().with("id", hypothesis.as_str()),
            )
            .await?;
        let units = rows.iter().map(unit_from_row).collect::<Result<Vec<_>>>()?;
        let computed_status = HypothesisStatus::parse(&row.string("computed_status")?)?;
        let count =
            |column: &str| -> Result<usize> { Ok(row.opt_int(column)?.unwrap_or_default().max(0) as usize) };
        let defaults = Thresholds::default();
        Ok(Some(StoredEvidence {
            hypothesis: hypothesis.clone(),
            score: optional_float(row, "evidence_score")?.unwrap_or_default(),
            computed_status,
            effective_status: state.override_status.unwrap_or(computed_status),
            explanation: row.opt_string("explanation")?.unwrap_or_default(),
            contributions: contributions_of(&units),
            units,
            computed_at,
            inputs: EvidenceInputsSummary {
                linked: count("linked")?,
                with_units: count("with_units")?,
                thresholds: (
                    optional_float(row, "support_threshold")?.unwrap_or(defaults.support),
                    optional_float(row, "refute_threshold")?.unwrap_or(defaults.refute),
                ),
                baseline: row
                    .opt_string("baseline")?
                    .unwrap_or_else(|| baseline_label(state.baseline)),
            },
        }))
    }

    /// The score history of `hypothesis`, oldest first (at most the last 1,000 points).
    pub async fn evidence_history(&self, hypothesis: &HypothesisId) -> Result<Vec<ScorePoint>> {
        let state = self.evidence_state(hypothesis).await?;
        history_from_text(state.row.opt_string("history")?.as_deref())
    }

    /// Per hypothesis `experiment` is stored evidence for: its contribution there (the DAG
    /// overlay), by hypothesis id. An experiment without units has none.
    pub async fn experiment_evidence(
        &self,
        experiment: &ExperimentId,
    ) -> Result<Vec<(HypothesisId, StoredContribution)>> {
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_OF_EXPERIMENT,
                Params::new().with("id", experiment.as_str()),
            )
            .await?;
        let mut per_hypothesis: BTreeMap<String, Vec<StoredUnit>> = BTreeMap::new();
        for row in &rows {
            per_hypothesis
                .entry(row.string("hypothesis")?)
                .or_default()
                .push(unit_from_row(row)?);
        }
        Ok(per_hypothesis
            .into_iter()
            .filter_map(|(id, units)| {
                contributions_of(&units)
                    .into_iter()
                    .next()
                    .map(|contribution| (HypothesisId(id), contribution))
            })
            .collect())
    }

    /// The hypotheses whose evidence may change when `experiment` changes (a summary, its
    /// status, its parent), by id: those linked to it, to one of its primary children (it is
    /// their parent baseline), to a rerun relative or a sibling under the same parent (its
    /// seed siblings among them), those that name it as their baseline, and — when it is
    /// complete or has finished before (it is or was in the project distribution and may be
    /// or have been the best) — every hypothesis of its project with baseline `best` or
    /// `root`.
    ///
    /// Not included: hypotheses whose only tie is the project *scale* (every complete
    /// experiment is part of it), which a full recomputation of the project covers.
    pub async fn hypotheses_affected_by(&self, experiment: &ExperimentId) -> Result<Vec<HypothesisId>> {
        let (project, experiment) = self.experiment_by_id(experiment).await?;
        let finished = experiment.status == Status::Complete || experiment.ended_at.is_some();
        let by_id = Params::new().with("id", experiment.id.as_str());
        let by_baseline = Params::new()
            .with("project_id", project.id.as_str())
            .with("number", experiment.number)
            .with("finished", finished);
        let (linked, replicates, siblings, baseline) = tokio::join!(
            self.executor
                .execute(&queries::EVIDENCE_AFFECTED_LINKED, by_id.clone()),
            self.executor
                .execute(&queries::EVIDENCE_AFFECTED_REPLICATES, by_id.clone()),
            self.executor.execute(&queries::EVIDENCE_AFFECTED_SIBLINGS, by_id),
            self.executor
                .execute(&queries::EVIDENCE_AFFECTED_BY_BASELINE, by_baseline),
        );
        let mut affected = BTreeSet::new();
        for rows in [linked?, replicates?, siblings?, baseline?] {
            for row in &rows {
                affected.insert(HypothesisId(row.string("id")?));
            }
        }
        Ok(affected.into_iter().collect())
    }

    /// Every hypothesis id of `project`, by id (a threshold change recomputes them all).
    pub async fn project_hypotheses(&self, project: &str) -> Result<Vec<HypothesisId>> {
        let project = self.project(project).await?;
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_PROJECT_HYPOTHESES,
                Params::new().with("project_id", project.id.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| Ok(HypothesisId(row.string("id")?)))
            .collect()
    }
}

/// The units, score, computed status, explanation and the number of linked runs with a unit.
type Evaluated = (Vec<StoredUnit>, f64, HypothesisStatus, String, usize);

/// Runs the pure model over the inputs read from the graph.
#[allow(clippy::too_many_arguments)]
fn evaluate_hypothesis(
    state: &EvidenceState,
    targets: &[Target],
    linked: &[Linked],
    values: &ProjectValues,
    siblings: &HashMap<i64, Vec<i64>>,
    reruns: &HashMap<i64, Vec<i64>>,
    recent: &RecentValues,
    thresholds: &Thresholds,
    computed_at: DateTime<Utc>,
) -> Evaluated {
    let candidates: Vec<Vec<(i64, Option<f64>)>> = (0..targets.len())
        .map(|target| values.complete_candidates(target))
        .collect();
    let target_metrics: Vec<TargetMetric> = targets
        .iter()
        .zip(&candidates)
        .map(|(target, candidates)| {
            let distribution: Vec<f64> = candidates.iter().filter_map(|(_, value)| *value).collect();
            TargetMetric {
                direction: target.direction,
                weight: target.weight,
                scale: Scale::from_distribution(&distribution),
            }
        })
        .collect();

    // Owned per-link data first; the model borrows slices of it.
    let mut baselines: HashMap<(i64, usize), (i64, f64)> = HashMap::new();
    let mut seed_values: Vec<Vec<Vec<f64>>> = Vec::with_capacity(linked.len());
    let mut rerun_values: Vec<Vec<Vec<f64>>> = Vec::with_capacity(linked.len());
    for link in linked {
        for (index, target) in targets.iter().enumerate() {
            if let Some(baseline) =
                baseline_for(state.baseline, link, index, target, values, &candidates[index])
            {
                baselines.insert((link.number, index), baseline);
            }
        }
        seed_values.push(replicate_values(
            siblings.get(&link.number),
            targets.len(),
            values,
        ));
        rerun_values.push(replicate_values(reruns.get(&link.number), targets.len(), values));
    }
    let recent_of = |link: &Linked, target: &Target| -> &[f64] {
        let key = SeriesKey {
            experiment: link.id.clone(),
            metric: target.name.clone(),
        };
        recent.get(&key).map_or(&[], Vec::as_slice)
    };
    let links: Vec<LinkedExperiment<'_>> = linked
        .iter()
        .enumerate()
        .map(|(position, link)| LinkedExperiment {
            number: link.number,
            status: link.status,
            environment: link.environment,
            metrics: targets
                .iter()
                .enumerate()
                .map(|(index, target)| MetricInput {
                    value: values.value(link.number, index),
                    baseline: baselines.get(&(link.number, index)).map(|(_, value)| *value),
                    recent: recent_of(link, target),
                    seed_siblings: &seed_values[position][index],
                    reruns: &rerun_values[position][index],
                })
                .collect(),
        })
        .collect();

    let evidence = evaluate(&target_metrics, &links, thresholds, state.override_status);
    let names: Vec<&str> = targets.iter().map(|target| target.name.as_str()).collect();
    let explanation = explain(&evidence, &names);
    let units = evidence
        .units
        .iter()
        .map(|unit| StoredUnit {
            experiment: unit.experiment,
            metric: targets[unit.metric].name.clone(),
            baseline_experiment: baselines
                .get(&(unit.experiment, unit.metric))
                .map(|(number, _)| *number),
            baseline_value: unit.baseline_value,
            experiment_value: unit.experiment_value,
            delta: unit.delta,
            normalized_delta: unit.normalized_delta,
            direction: unit.direction,
            weight: unit.weight,
            confidence: unit.confidence,
            contribution: unit.contribution,
            computed_at,
        })
        .collect();
    (
        units,
        evidence.score,
        evidence.computed_status,
        explanation,
        evidence.per_experiment.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_round_trips_through_its_text() {
        let points = vec![
            ScorePoint {
                at: now(),
                score: 0.1 + 0.2,
                status: HypothesisStatus::Testing,
            },
            ScorePoint {
                at: now(),
                score: -3.5,
                status: HypothesisStatus::Refuted,
            },
        ];
        let text = history_text(&points).expect("serializes");
        assert_eq!(history_from_text(Some(&text)).expect("parses"), points);
        assert!(history_from_text(None).expect("empty").is_empty());
    }
}
