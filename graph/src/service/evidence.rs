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
//! - **Recent values** (stability): the values at the highest steps of the linked run's
//!   series (the last 20), which the metric store keeps on each `MEASURED` summary as chunks
//!   arrive (`MeasuredSummary::recent`), so a recomputation reads no series. A summary stored
//!   before they were kept has none: neutral stability until the run's next chunk.
//! - **Environment checks**: code captured = a `HAS_CODE` snapshot exists; environment
//!   captured = `Experiment.environment` is recorded; restore = the last check `rsdk restore`
//!   recorded ([`Graph::record_restore_check`]: verified, or failed), *not attempted* for a
//!   run never restored (the factor then counts 0.5 of its 0.2).
//! - **Thresholds**: the project settings `evidence_support_threshold` and
//!   `evidence_refute_threshold` (defaults [`crate::evidence::Thresholds::default`]); the
//!   manual override wins for the effective status.
//!
//! A recomputation reads four things from the graph, each one indexed read: the hypothesis
//! (with its linked experiments' numbers, cached on it by the batches that link and unlink),
//! its targets, the project (settings and its values version) and — unless this process
//! wrote them and nobody computed since — its stored units. Everything about the experiments
//! (status, parent, rerun original, captured environment and code, seed group, summaries,
//! recent values) comes from the project's snapshot, which `service::evidence_snapshot` keeps
//! in memory and reads again (every experiment of the project, one indexed read) only when
//! the project's values version says another process changed something.
//!
//! # What is stored
//!
//! In one atomic batch under the write lock, the hypothesis's `EVIDENCE` edges are brought
//! in line with the new units, one edge per unit, `(:Experiment)-[:EVIDENCE {metric,
//! baseline_value, experiment_value, delta, direction, confidence, weight,
//! baseline_experiment, computed_at}]->(:Hypothesis)` (floats as text, Rust's shortest exact
//! form). Only the experiments whose units changed are rewritten (their edges removed and
//! created again); an unchanged unit keeps its edge and its `computed_at`, which is therefore
//! when the unit last changed. The hypothesis gets `computed_status`, `evidence_score`,
//! `computed_at`, `evidence_explanation`, what it was computed from (`evidence_linked`,
//! `evidence_with_units`, both thresholds, `evidence_baseline` and `evidence_scales`: per
//! target metric the project spread its deltas were divided by) and one more point of its
//! score history (`evidence_history`, a JSON text of `[time, score, computed status]`, the
//! last [`MAX_SCORE_HISTORY`] points). The same inputs store the same result (times apart);
//! each recomputation appends a history point.
//!
//! A unit's normalised delta and contribution are not on its edge: they follow from the
//! edge's delta, baseline value, weight and confidence and the hypothesis' stored scale of the
//! metric ([`normalize_delta`], [`unit_contribution`]), recomputed on read with the very
//! functions the model uses, so they equal the computed ones exactly. That is what keeps a
//! recomputation cheap: every new complete run moves the project scales a little, which would
//! otherwise rewrite every unit of every hypothesis that targets the metric. (Evidence stored
//! before scales were recorded carries both numbers on its edges; it is read as stored and
//! rewritten whole by its next recomputation.) Per-experiment contributions are sums over the
//! units, in the order the model sums them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::evidence_inputs::{
    baseline_for, linked_of, recent_of_linked, rerun_families, seed_siblings, Linked, ProjectValues, Target,
};
use super::hypotheses::{float_text, optional_float};
use super::{experiment_key, now, optional_timestamp, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::evidence::{
    evaluate, explain, normalize_delta, unit_contribution, LinkedExperiment, MetricInput, Scale, ScaleSource,
    TargetMetric, Thresholds,
};
use crate::executor::Statement;
use crate::ids::{ExperimentId, HypothesisId, ProjectId};
use crate::model::evidence::{contributions_of, MAX_SCORE_HISTORY};
use crate::model::{
    Direction, EvidenceInputsSummary, HypothesisBaseline, HypothesisStatus, ScorePoint, Status,
    StoredContribution, StoredEvidence, StoredUnit,
};
use crate::queries;
use crate::value::{Params, Row};

/// A hypothesis's baseline rule, override and stored result, as `evidence/state` reads them.
struct EvidenceState {
    project_id: ProjectId,
    baseline: HypothesisBaseline,
    override_status: Option<HypothesisStatus>,
    /// The linked experiments' numbers (cached on the hypothesis by the links' batches).
    linked: Vec<i64>,
    /// The target metrics' scales of the stored computation: `None` before the first one and
    /// for evidence stored before scales were recorded (its units carry their normalised
    /// deltas and contributions).
    scales: Option<BTreeMap<String, Scale>>,
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

/// A stored unit; its normalised delta and contribution follow from its stored parts and the
/// computation's `scales` (or, for a unit stored before scales were, are read from its edge).
fn unit_from_row(row: &Row, scales: Option<&BTreeMap<String, Scale>>) -> Result<StoredUnit> {
    let metric = row.string("metric")?;
    let baseline_value = required_float(row, "baseline_value")?;
    let delta = required_float(row, "delta")?;
    let weight = required_float(row, "weight")?;
    let confidence = required_float(row, "confidence")?;
    let (normalized_delta, contribution) = match scales {
        Some(scales) => {
            let scale = scales
                .get(&metric)
                .ok_or_else(|| Error::Internal(format!("stored evidence lacks the scale of `{metric}`")))?;
            let normalized = normalize_delta(delta, scale, baseline_value);
            (normalized, unit_contribution(weight, confidence, normalized))
        }
        None => (
            required_float(row, "normalized_delta")?,
            required_float(row, "contribution")?,
        ),
    };
    Ok(StoredUnit {
        experiment: row.int("experiment")?,
        metric,
        baseline_experiment: row.opt_int("baseline_experiment")?,
        baseline_value,
        experiment_value: required_float(row, "experiment_value")?,
        delta,
        normalized_delta,
        direction: Direction::parse(&row.string("direction")?)?,
        weight,
        confidence,
        contribution,
        computed_at: parse_timestamp("computed_at", &row.string("computed_at")?)?,
    })
}

/// Whether two units store the same parts (floats bit for bit): an unchanged unit keeps its
/// edge.
fn same_stored_parts(a: &StoredUnit, b: &StoredUnit) -> bool {
    let floats = |unit: &StoredUnit| {
        [
            unit.baseline_value,
            unit.experiment_value,
            unit.delta,
            unit.weight,
            unit.confidence,
        ]
        .map(f64::to_bits)
    };
    a.experiment == b.experiment
        && a.metric == b.metric
        && a.baseline_experiment == b.baseline_experiment
        && a.direction == b.direction
        && floats(a) == floats(b)
}

/// The scales as stored: `{"metric": [spread, source] | null}` (spread as exact text; null
/// when the metric had no project spread and each unit fell back to its baseline).
fn scales_text(scales: &BTreeMap<String, Scale>) -> Result<String> {
    let stored: BTreeMap<&str, Option<(String, &str)>> = scales
        .iter()
        .map(|(metric, scale)| {
            let spread = scale
                .distribution_spread()
                .map(|(spread, source)| (float_text(spread), source.as_str()));
            (metric.as_str(), spread)
        })
        .collect();
    serde_json::to_string(&stored)
        .map_err(|error| Error::Internal(format!("scales do not serialize: {error}")))
}

fn scales_from_text(text: &str) -> Result<BTreeMap<String, Scale>> {
    let unreadable = |what: String| Error::Internal(format!("stored evidence scales are unreadable: {what}"));
    let stored: BTreeMap<String, Option<(String, String)>> =
        serde_json::from_str(text).map_err(|error| unreadable(error.to_string()))?;
    stored
        .into_iter()
        .map(|(metric, spread)| {
            let scale = match spread {
                None => Scale::without_distribution(),
                Some((spread, source)) => {
                    let spread: f64 = spread
                        .parse()
                        .map_err(|_| unreadable(format!("{metric}: `{spread}` is not a number")))?;
                    let source = ScaleSource::parse(&source)
                        .ok_or_else(|| unreadable(format!("{metric}: unknown source `{source}`")))?;
                    Scale::with_spread(spread, source)
                }
            };
            Ok((metric, scale))
        })
        .collect()
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
            .with("direction", unit.direction.as_str())
            .with("confidence", float_text(unit.confidence))
            .with("weight", float_text(unit.weight))
            .with("baseline_experiment", unit.baseline_experiment)
            .with("computed_at", timestamp(unit.computed_at)),
    )
}

/// The statements that turn the stored units into `units`, and `units` with the stored time
/// of each unit that did not change. Only the experiments whose units changed are rewritten
/// (their edges removed and created again); when that is most of them (or `rewrite_all`),
/// every edge is removed in one statement and every unit created, unchanged ones with their
/// stored time. Both lists are grouped by experiment, metrics by name within.
fn unit_changes(
    hypothesis: &HypothesisId,
    project_id: &ProjectId,
    stored: &[StoredUnit],
    mut units: Vec<StoredUnit>,
    rewrite_all: bool,
) -> (Vec<Statement>, Vec<StoredUnit>) {
    let mut before: BTreeMap<i64, Vec<&StoredUnit>> = BTreeMap::new();
    for unit in stored {
        before.entry(unit.experiment).or_default().push(unit);
    }
    let stored_experiments = before.len();
    // The experiments whose edges go (changed or no longer with units) and whose units come.
    let mut removed: Vec<i64> = Vec::new();
    let mut created: Vec<usize> = Vec::new();
    let mut start = 0;
    for group in units.chunk_by_mut(|a, b| a.experiment == b.experiment) {
        let experiment = group[0].experiment;
        match before.remove(&experiment) {
            Some(old)
                if old.len() == group.len()
                    && old
                        .iter()
                        .zip(group.iter())
                        .all(|(old, new)| same_stored_parts(old, new)) =>
            {
                for (unit, old) in group.iter_mut().zip(&old) {
                    unit.computed_at = old.computed_at;
                }
            }
            old => {
                if old.is_some() {
                    removed.push(experiment);
                }
                created.extend(start..start + group.len());
            }
        }
        start += group.len();
    }
    removed.extend(before.into_keys());

    let create = |unit: &StoredUnit| unit_statement(hypothesis, project_id, unit);
    if rewrite_all || 2 * removed.len() > stored_experiments {
        let mut statements = vec![Statement::new(
            &queries::EVIDENCE_CLEAR,
            Params::new().with("id", hypothesis.as_str()),
        )];
        statements.extend(units.iter().map(create));
        return (statements, units);
    }
    let clear = |experiment: i64| {
        Statement::new(
            &queries::EVIDENCE_CLEAR_EXPERIMENT,
            Params::new()
                .with("id", hypothesis.as_str())
                .with("key", experiment_key(project_id, experiment)),
        )
    };
    let mut statements: Vec<Statement> = removed.into_iter().map(clear).collect();
    statements.extend(created.into_iter().map(|index| create(&units[index])));
    (statements, units)
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
        let scales = row
            .opt_string("scales")?
            .as_deref()
            .map(scales_from_text)
            .transpose()?;
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
            linked: row.ints("linked_numbers")?,
            scales,
            row,
        })
    }

    /// The units `hypothesis` stored in the computation `state` shows (kept in memory by the
    /// process that wrote them, else read), by experiment number then metric.
    async fn last_units(
        &self,
        hypothesis: &HypothesisId,
        state: &EvidenceState,
    ) -> Result<Arc<Vec<StoredUnit>>> {
        if let Some(computed_at) = state.row.opt_string("computed_at")? {
            if let Some(units) = self.evidence_units.get(hypothesis, &computed_at) {
                return Ok(units);
            }
        }
        Ok(Arc::new(self.stored_units(hypothesis, state).await?))
    }

    /// The stored units of `hypothesis` as of `state`, by experiment number then metric.
    async fn stored_units(
        &self,
        hypothesis: &HypothesisId,
        state: &EvidenceState,
    ) -> Result<Vec<StoredUnit>> {
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_UNITS,
                Params::new().with("id", hypothesis.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| unit_from_row(row, state.scales.as_ref()))
            .collect()
    }

    /// Reads the inputs of `hypothesis` (see the module docs), evaluates them and stores the
    /// result atomically: its `EVIDENCE` edges are brought in line with the new units, its
    /// computed fields are set and its score history gains a point.
    #[instrument(skip_all, fields(hypothesis = %hypothesis))]
    pub async fn recompute_evidence(&self, hypothesis: &HypothesisId) -> Result<StoredEvidence> {
        // Reads and the model run without the write lock (evidence is derived data: a change
        // that lands meanwhile queues another recomputation); only the write holds it.
        let state = self.evidence_state(hypothesis).await?;
        let (project, targets, snapshot, stored) = tokio::join!(
            self.project_by_id(&state.project_id),
            self.evidence_targets(hypothesis),
            self.project_snapshot(&state.project_id, &state.linked),
            self.last_units(hypothesis, &state),
        );
        let (project, targets, snapshot, stored) = (project?, targets?, snapshot?, stored?);
        let linked = linked_of(&snapshot, &state.linked);
        let reruns = rerun_families(&snapshot, &linked);
        let recent = recent_of_linked(&snapshot, &linked, &targets)?;
        let values = self
            .evidence_project_values(&project.id, &snapshot, &targets)
            .await?;
        let siblings = seed_siblings(&snapshot, &linked);
        let thresholds = project.settings.evidence_thresholds();
        let computed_at = now();

        let evaluated = evaluate_hypothesis(
            &state,
            &targets,
            &linked,
            &values,
            &siblings,
            &reruns,
            &recent,
            &thresholds,
            computed_at,
        );

        let _gate = self.write_lock.acquire().await?;
        // The stored result as it is now, under the lock: another recomputation may have
        // written units and added to the history since they were read.
        let current = self.evidence_state(hypothesis).await?;
        let stored = if current.row.opt_string("computed_at")? == state.row.opt_string("computed_at")? {
            stored
        } else {
            self.last_units(hypothesis, &current).await?
        };
        let rewrite_all = current.scales.is_none();
        let (mut statements, units) =
            unit_changes(hypothesis, &project.id, &stored, evaluated.units, rewrite_all);
        let mut history = history_from_text(current.row.opt_string("history")?.as_deref())?;
        history.push(ScorePoint {
            at: computed_at,
            score: evaluated.score,
            status: evaluated.computed_status,
        });
        let overflow = history.len().saturating_sub(MAX_SCORE_HISTORY);
        history.drain(..overflow);

        let baseline = baseline_label(state.baseline);
        statements.push(Statement::new(
            &queries::EVIDENCE_SET_RESULT,
            Params::new()
                .with("id", hypothesis.as_str())
                .with("computed_status", evaluated.computed_status.as_str())
                .with("score", float_text(evaluated.score))
                .with("computed_at", timestamp(computed_at))
                .with("explanation", evaluated.explanation.as_str())
                .with("linked", linked.len() as i64)
                .with("with_units", evaluated.with_units as i64)
                .with("support_threshold", float_text(thresholds.support))
                .with("refute_threshold", float_text(thresholds.refute))
                .with("baseline", baseline.as_str())
                .with("scales", scales_text(&evaluated.scales)?)
                .with("history", history_text(&history)?),
        ));
        self.executor.execute_atomic(statements).await?;
        self.evidence_units
            .keep(hypothesis, timestamp(computed_at), Arc::new(units.clone()));

        let contributions = contributions_of(&units);
        Ok(StoredEvidence {
            hypothesis: hypothesis.clone(),
            score: evaluated.score,
            computed_status: evaluated.computed_status,
            effective_status: current.override_status.unwrap_or(evaluated.computed_status),
            explanation: evaluated.explanation,
            units,
            contributions,
            computed_at,
            inputs: EvidenceInputsSummary {
                linked: linked.len(),
                with_units: evaluated.with_units,
                thresholds: (thresholds.support, thresholds.refute),
                baseline,
                scales: evaluated.scales,
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
        let units = self.stored_units(hypothesis, &state).await?;
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
                scales: state.scales.clone().unwrap_or_default(),
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
        let mut scales: HashMap<String, Option<BTreeMap<String, Scale>>> = HashMap::new();
        let mut per_hypothesis: BTreeMap<String, Vec<StoredUnit>> = BTreeMap::new();
        for row in &rows {
            let hypothesis = row.string("hypothesis")?;
            if !scales.contains_key(&hypothesis) {
                let parsed = row
                    .opt_string("scales")?
                    .as_deref()
                    .map(scales_from_text)
                    .transpose()?;
                scales.insert(hypothesis.clone(), parsed);
            }
            let unit = unit_from_row(row, scales[&hypothesis].as_ref())?;
            per_hypothesis.entry(hypothesis).or_default().push(unit);
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

/// What the model concluded, as the recomputation stores it.
struct Evaluated {
    /// Every unit, by experiment number then metric name.
    units: Vec<StoredUnit>,
    score: f64,
    computed_status: HypothesisStatus,
    explanation: String,
    /// How many linked runs had a unit.
    with_units: usize,
    /// Per target metric, its scale.
    scales: BTreeMap<String, Scale>,
}

/// Runs the pure model over the inputs read from the graph.
#[allow(clippy::too_many_arguments)]
fn evaluate_hypothesis(
    state: &EvidenceState,
    targets: &[Target],
    linked: &[Linked],
    values: &ProjectValues,
    siblings: &HashMap<i64, Vec<i64>>,
    reruns: &HashMap<i64, Vec<i64>>,
    recent: &HashMap<(i64, usize), &[f64]>,
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
                .map(|(index, _)| MetricInput {
                    value: values.value(link.number, index),
                    baseline: baselines.get(&(link.number, index)).map(|(_, value)| *value),
                    recent: recent.get(&(link.number, index)).copied().unwrap_or_default(),
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
    Evaluated {
        units,
        score: evidence.score,
        computed_status: evidence.computed_status,
        explanation,
        with_units: evidence.per_experiment.len(),
        scales: targets
            .iter()
            .zip(&target_metrics)
            .map(|(target, metric)| (target.name.clone(), metric.scale))
            .collect(),
    }
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
