//! From a hypothesis's targets and linked experiments to its evidence units, per-experiment
//! scores, score and status.

use crate::model::{Direction, HypothesisStatus, Status};

use super::confidence::{
    agreement_factor, environment_factor, stability_factor, status_factor, unit_confidence, EnvironmentChecks,
};
use super::normalize::{normalize_delta, signed_delta, Scale, ScaleSource};
use super::status::{decide_status, Thresholds};

/// A metric the hypothesis targets (`TARGETS {weight}`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetMetric {
    /// Whether larger or smaller is better.
    pub direction: Direction,
    /// The relative weight; a metric whose weight is not a finite number above 0 is left out.
    pub weight: f64,
    /// The project-wide scale of the metric ([`Scale::from_distribution`]).
    pub scale: Scale,
}

/// What one linked experiment says about one target metric. Every value is the metric's
/// summary under the project's aggregation (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricInput<'a> {
    /// The experiment's value; `None` when it never measured the metric.
    pub value: Option<f64>,
    /// The baseline's value; `None` without a baseline or when it lacks the metric.
    pub baseline: Option<f64>,
    /// The last part of the experiment's series for the metric (for stability).
    pub recent: &'a [f64],
    /// The values of siblings that differ from the experiment only in a seed feature.
    pub seed_siblings: &'a [f64],
    /// The values of reruns of the experiment.
    pub reruns: &'a [f64],
}

impl MetricInput<'_> {
    /// A value and its baseline, with no series, seeds or reruns (all neutral).
    pub fn new(value: Option<f64>, baseline: Option<f64>) -> Self {
        MetricInput {
            value,
            baseline,
            ..MetricInput::default()
        }
    }
}

/// An experiment linked to the hypothesis (`TESTED_BY`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedExperiment<'a> {
    /// The experiment's per-project number.
    pub number: i64,
    /// Where the run is in its life.
    pub status: Status,
    /// What was captured and verified of its code and environment.
    pub environment: EnvironmentChecks,
    /// One entry per target metric, in the order of the targets; a missing entry is a
    /// metric the experiment has nothing for.
    pub metrics: Vec<MetricInput<'a>>,
}

/// One (linked experiment, target metric) pair with both values present.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvidenceUnit {
    /// The experiment's number.
    pub experiment: i64,
    /// The index of the metric in the targets.
    pub metric: usize,
    /// The baseline's value.
    pub baseline_value: f64,
    /// The experiment's value.
    pub experiment_value: f64,
    /// The signed delta, positive for an improvement.
    pub delta: f64,
    /// The delta over the metric's spread, clamped.
    pub normalized_delta: f64,
    /// Where the spread came from.
    pub scale_source: ScaleSource,
    /// The metric's direction.
    pub direction: Direction,
    /// The metric's weight renormalised over the experiment's units (they sum to 1).
    pub weight: f64,
    /// The unit's confidence in [0, 1].
    pub confidence: f64,
    /// `weight × confidence × normalized_delta`: the unit's share of `E_hypothesis`.
    pub contribution: f64,
}

/// One linked experiment with at least one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExperimentEvidence {
    /// The experiment's number.
    pub experiment: i64,
    /// `E_experiment = Σ weight × normalized_delta` over its units.
    pub score: f64,
    /// `Σ weight × confidence` over its units, in [0, 1].
    pub confidence: f64,
    /// `Σ weight × confidence × normalized_delta`: its share of `E_hypothesis`.
    pub contribution: f64,
}

/// Everything the evidence model concludes about a hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisEvidence {
    /// Every unit, in link order, then target order.
    pub units: Vec<EvidenceUnit>,
    /// Every linked experiment with a unit, in link order.
    pub per_experiment: Vec<ExperimentEvidence>,
    /// `E_hypothesis = Σ contribution` (a sum, not a mean: see the module docs).
    pub score: f64,
    /// `Σ confidence` over `per_experiment`; `score / total_confidence` is the mean effect.
    pub total_confidence: f64,
    /// How many experiments are linked.
    pub linked_experiments: usize,
    /// How many of them are planned or running.
    pub unfinished_experiments: usize,
    /// The status the evidence gives.
    pub computed_status: HypothesisStatus,
    /// The status shown: the manual override when there is one, else the computed one.
    pub effective_status: HypothesisStatus,
    /// Whether a manual override set the effective status.
    pub overridden: bool,
}

/// Evaluates a hypothesis: its units, per-experiment scores, `E_hypothesis` and status.
///
/// Each experiment should be linked once (a duplicate counts twice). Runs in
/// `O(links × targets + replicates)` with two allocations (the result's vectors).
pub fn evaluate(
    targets: &[TargetMetric],
    links: &[LinkedExperiment<'_>],
    thresholds: &Thresholds,
    override_status: Option<HypothesisStatus>,
) -> HypothesisEvidence {
    let mut units = Vec::with_capacity(links.len() * targets.len());
    let mut per_experiment = Vec::with_capacity(links.len());
    let mut score = 0.0;
    let mut total_confidence = 0.0;
    for link in links {
        let first_unit = units.len();
        push_units(targets, link, &mut units);
        let link_units = &mut units[first_unit..];
        if link_units.is_empty() {
            continue;
        }
        // Divided by the largest weight first, the sum is at least 1 and cannot overflow.
        let largest_weight = link_units.iter().map(|unit| unit.weight).fold(0.0, f64::max);
        let total_weight: f64 = link_units.iter().map(|unit| unit.weight / largest_weight).sum();
        let mut experiment = ExperimentEvidence {
            experiment: link.number,
            score: 0.0,
            confidence: 0.0,
            contribution: 0.0,
        };
        for unit in link_units.iter_mut() {
            unit.weight = unit.weight / largest_weight / total_weight;
            unit.contribution = unit_contribution(unit.weight, unit.confidence, unit.normalized_delta);
            experiment.score += unit.weight * unit.normalized_delta;
            experiment.confidence += unit.weight * unit.confidence;
            experiment.contribution += unit.contribution;
        }
        experiment.confidence = experiment.confidence.clamp(0.0, 1.0);
        score += experiment.contribution;
        total_confidence += experiment.confidence;
        per_experiment.push(experiment);
    }

    let computed_status = decide_status(
        score,
        !units.is_empty(),
        links.iter().map(|link| link.status),
        thresholds,
    );
    HypothesisEvidence {
        units,
        per_experiment,
        score,
        total_confidence,
        linked_experiments: links.len(),
        unfinished_experiments: links.iter().filter(|link| !link.status.is_finished()).count(),
        computed_status,
        effective_status: override_status.unwrap_or(computed_status),
        overridden: override_status.is_some(),
    }
}

/// Appends the link's units with their targets' raw weights (renormalised by the caller) and
/// their contributions still unset.
fn push_units(targets: &[TargetMetric], link: &LinkedExperiment<'_>, units: &mut Vec<EvidenceUnit>) {
    let status = status_factor(link.status);
    let environment = environment_factor(link.environment);
    for (metric, (target, input)) in targets.iter().zip(&link.metrics).enumerate() {
        if !is_usable_weight(target.weight) {
            continue;
        }
        let Some(delta) = signed_delta(target.direction, input.value, input.baseline) else {
            continue;
        };
        // Both are finite: `signed_delta` returned a delta.
        let (Some(experiment_value), Some(baseline_value)) = (input.value, input.baseline) else {
            continue;
        };
        let normalized_delta = normalize_delta(delta, &target.scale, baseline_value);
        let (_, scale_source) = target.scale.spread_for(baseline_value);
        let stability = stability_factor(input.recent);
        let seeds = agreement_factor(target.direction, delta, baseline_value, input.seed_siblings);
        let reruns = agreement_factor(target.direction, delta, baseline_value, input.reruns);
        units.push(EvidenceUnit {
            experiment: link.number,
            metric,
            baseline_value,
            experiment_value,
            delta,
            normalized_delta,
            scale_source,
            direction: target.direction,
            weight: target.weight,
            confidence: unit_confidence(status, stability, seeds, reruns, environment),
            contribution: 0.0,
        });
    }
}

/// A unit's share of `E_hypothesis`: `weight × confidence × normalized_delta`, in that order,
/// so a reader that recomputes it from stored parts gets the very same number.
pub fn unit_contribution(weight: f64, confidence: f64, normalized_delta: f64) -> f64 {
    weight * confidence * normalized_delta
}

fn is_usable_weight(weight: f64) -> bool {
    weight.is_finite() && weight > 0.0
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
