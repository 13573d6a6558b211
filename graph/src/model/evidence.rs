//! Stored evidence: what [`crate::Graph::recompute_evidence`] wrote for a hypothesis (its
//! `EVIDENCE` edges and computed fields) as the read models see it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::evidence::Scale;

use crate::ids::HypothesisId;
use crate::model::{Direction, HypothesisStatus};

/// One stored evidence unit: an `EVIDENCE` edge from a linked experiment to the hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredUnit {
    /// The linked experiment's number.
    pub experiment: i64,
    /// The target metric's name.
    pub metric: String,
    /// The number of the experiment it was compared against.
    pub baseline_experiment: Option<i64>,
    /// The baseline's value.
    pub baseline_value: f64,
    /// The experiment's value.
    pub experiment_value: f64,
    /// The signed delta, positive for an improvement.
    pub delta: f64,
    /// The delta over the metric's project-wide spread, clamped (derived from `delta`, the
    /// baseline value and the computation's scale of the metric; not stored on the edge).
    pub normalized_delta: f64,
    /// The metric's direction.
    pub direction: Direction,
    /// The metric's weight renormalised over the experiment's units.
    pub weight: f64,
    /// The unit's confidence in [0, 1].
    pub confidence: f64,
    /// `weight × confidence × normalized_delta` (derived like `normalized_delta`).
    pub contribution: f64,
    /// When the unit was last written: the computation that last changed one of its stored
    /// parts (a recomputation that finds it unchanged keeps the edge and this time).
    pub computed_at: DateTime<Utc>,
}

/// One linked experiment's share of a hypothesis's score (summed over its units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredContribution {
    /// The experiment's number.
    pub experiment: i64,
    /// `E_experiment = Σ weight × normalized_delta`.
    pub score: f64,
    /// `Σ weight × confidence`, in [0, 1].
    pub confidence: f64,
    /// `Σ weight × confidence × normalized_delta`: its share of `E_hypothesis`.
    pub contribution: f64,
}

/// What a computation was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceInputsSummary {
    /// How many experiments were linked.
    pub linked: usize,
    /// How many of them gave at least one unit.
    pub with_units: usize,
    /// The project's (support, refute) thresholds at the time.
    pub thresholds: (f64, f64),
    /// The baseline rule: `parent`, `root`, `best` or `experiment #N`.
    pub baseline: String,
    /// Per target metric, the project-wide scale its deltas were divided by (empty for
    /// evidence stored before scales were recorded, whose units carry their normalised
    /// deltas themselves).
    pub scales: BTreeMap<String, Scale>,
}

/// The stored evidence of a hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvidence {
    /// The hypothesis.
    pub hypothesis: HypothesisId,
    /// `E_hypothesis`.
    pub score: f64,
    /// The status the evidence gave.
    pub computed_status: HypothesisStatus,
    /// The status shown: the current manual override when there is one, else the computed one.
    pub effective_status: HypothesisStatus,
    /// The plain-language explanation (with the override as it was at computation time).
    pub explanation: String,
    /// Every unit, by experiment number then metric name.
    pub units: Vec<StoredUnit>,
    /// Per linked experiment with a unit, by number.
    pub contributions: Vec<StoredContribution>,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// What it was computed from.
    pub inputs: EvidenceInputsSummary,
}

/// One point of a hypothesis's score history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScorePoint {
    /// When it was computed.
    pub at: DateTime<Utc>,
    /// `E_hypothesis` then.
    pub score: f64,
    /// The computed status then (the override is not part of the history).
    pub status: HypothesisStatus,
}

/// The most points a hypothesis's score history keeps (the oldest go first).
pub const MAX_SCORE_HISTORY: usize = 1_000;

/// The contributions of `units` (grouped by experiment, as stored and as evaluated) per
/// experiment, summed exactly as [`crate::evidence::evaluate`] sums them.
pub fn contributions_of(units: &[StoredUnit]) -> Vec<StoredContribution> {
    let mut contributions: Vec<StoredContribution> = Vec::new();
    for unit in units {
        let starts_a_group = contributions
            .last()
            .is_none_or(|last| last.experiment != unit.experiment);
        if starts_a_group {
            contributions.push(StoredContribution {
                experiment: unit.experiment,
                score: 0.0,
                confidence: 0.0,
                contribution: 0.0,
            });
        }
        if let Some(entry) = contributions.last_mut() {
            entry.score += unit.weight * unit.normalized_delta;
            entry.confidence += unit.weight * unit.confidence;
            entry.contribution += unit.contribution;
        }
    }
    for entry in &mut contributions {
        entry.confidence = entry.confidence.clamp(0.0, 1.0);
    }
    contributions
}
