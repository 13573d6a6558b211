//! The evidence model: how the linked experiments of a hypothesis add up to a score and a
//! status, as pure functions over plain inputs (no graph, no I/O, no async), so the
//! recomputation jobs, the read models and the tests all share one definition.
//!
//! # Inputs
//!
//! The caller resolves everything that needs the graph and hands over numbers:
//!
//! - per target metric ([`TargetMetric`]): its [`Direction`](crate::model::Direction), its
//!   `TARGETS` weight and the project's [`Scale`] for it, built once per project metric with
//!   [`Scale::from_distribution`] from the metric's values across the project's *complete*
//!   experiments and shared by every unit and every hypothesis of the recomputation;
//! - per linked experiment ([`LinkedExperiment`]): its number, its
//!   [`Status`](crate::model::Status), its [`EnvironmentChecks`], and per target metric a
//!   [`MetricInput`]: the experiment's value, the baseline's value, the recent part of its
//!   series, the values of its seed siblings and of its reruns.
//!
//! **Which value represents a run.** Every value here (experiment, baseline, distribution,
//! siblings, reruns) is the metric's *summary* under the project's configured
//! [`Aggregation`](crate::model::Aggregation) (`last` unless configured otherwise) — the same
//! summary the experiment table shows. The model takes it as an `Option<f64>` so the caller
//! picks; what matters is that all sides use the same one.
//!
//! **Baselines** (parent, root of the chain, named experiment) are graph look-ups the caller
//! does; "best in the project by that metric, excluding the experiment itself" is the pure
//! [`best_baseline`].
//!
//! # Formulas, with every choice
//!
//! **Unit.** One evidence unit per (linked experiment, target metric) whose experiment value
//! and baseline value are both present and finite (missing, NaN and ±∞ give no unit). Target
//! metrics whose weight is not a finite number above zero are left out (no units).
//!
//! **Signed delta** ([`signed_delta`]): maximize `experiment − baseline`, minimize
//! `baseline − experiment`, so a positive delta is always an improvement. A difference beyond
//! `f64`'s range saturates at `±f64::MAX` instead of becoming infinite.
//!
//! **Normalised delta** ([`Scale`], [`normalize_delta`]): `delta / spread`, clamped to
//! `[−5, 5]` ([`NORMALIZED_DELTA_CLAMP`]) so one outlier run cannot dominate. The spread is,
//! in order of preference:
//! 1. `1.4826 × MAD` of the project distribution (the median absolute deviation, scaled to
//!    estimate σ under normality) — needs at least 3 finite values ([`MIN_DISTRIBUTION_SIZE`]);
//! 2. when the MAD is 0 (more than half the runs share one value): `1.2533 × mean absolute
//!    deviation from the median` (scaled the same way);
//! 3. when the distribution has fewer than 3 values or no spread at all: `0.1 × |baseline|` —
//!    a 10 % relative change counts as one unit ([`RELATIVE_SCALE_FRACTION`]);
//! 4. when the baseline is 0 as well: `1` (the delta in the metric's own units).
//!
//! One unit is therefore "one typical project-wide spread of this metric": a run that moves
//! a metric by a tenth of the spread between the project's experiments earns 0.1.
//!
//! **Confidence** ([`unit_confidence`]) ∈ [0, 1] = `status × quality`, where status is a gate
//! and quality a weighted mean of four factors, each in [0, 1]:
//!
//! | factor | value | weight |
//! |---|---|---|
//! | status ([`status_factor`]) | complete 1.0, running 0.5, failed 0.1, planned 0.0 | gate (multiplies) |
//! | stability ([`stability_factor`]) | `1 / (1 + 10 × cv)`, cv = std / mean magnitude of the recent values; 1 with fewer than 3 | 0.3 |
//! | seed agreement ([`agreement_factor`]) | `(1 + agreeing) / (1 + siblings)` | 0.3 |
//! | rerun consistency ([`agreement_factor`]) | same, over reruns | 0.2 |
//! | environment ([`environment_factor`]) | `0.4 code + 0.4 environment + 0.2 restore` | 0.2 |
//!
//! A sibling or rerun *agrees* when its delta against the same baseline has the same sign as
//! the experiment's (both improve, both worsen, or both unchanged). The restore check counts
//! 1 when verified, 0.5 when not attempted, 0 when it failed.
//!
//! **Missing inputs are neutral (1.0)**: no recent series, fewer than 3 points, no seed
//! siblings, no reruns. Consequence: replication never *raises* confidence above an
//! unreplicated run; it only lowers it when the replicates disagree. We accept this so that a
//! project that never runs seeds is not penalised across the board.
//!
//! Status and environment belong to the experiment; stability, seeds and reruns to the
//! metric, so confidence is computed *per unit*. This is also what keeps the score monotone:
//! the only factor that depends on the experiment's own value (agreement, through the sign of
//! its delta) is constant while the sign is, and the unit contributes 0 where it changes.
//!
//! **Experiment score.** `E_experiment = Σ_m w'_m × n_m` over the metrics with a unit, with
//! the weights renormalised over those metrics (`w'_m = w_m / Σ w`), so a run that lacks one
//! target metric is judged on the others at full strength. The experiment's confidence is
//! `Σ_m w'_m × c_m` and its contribution `Σ_m w'_m × c_m × n_m` (equal to `confidence ×
//! score` when all its units share one confidence, e.g. with a single target metric).
//!
//! **Hypothesis score.** `E_hypothesis = Σ_i contribution_i`, the issue's `Σ confidence_i ×
//! E_experiment_i`, **not** divided by `Σ confidence`: evidence accumulates, so ten confident
//! runs that each improve by half a unit weigh more than one. Consequences: the thresholds are
//! in "confident units", not in a mean effect; noise also accumulates (roughly as √n for n
//! unrelated runs), so a hypothesis with hundreds of links needs higher thresholds than the
//! defaults. The total confidence is reported too so a reader can form the mean.
//!
//! **Status** ([`decide_status`] into [`HypothesisStatus`](crate::model::HypothesisStatus),
//! [`Thresholds`], defaults `support = 3`, `refute = 3`):
//! no linked experiments → proposed; `E ≥ support` → supported; `E ≤ −refute` → refuted
//! (both only when there is at least one unit); otherwise testing while any linked run is
//! planned or running, inconclusive once all have finished. A manual override wins: the
//! result carries both the computed and the effective status.
//!
//! **Outputs.** [`evaluate`] returns a [`HypothesisEvidence`]: the units (the `EVIDENCE`
//! edges' properties; the caller adds `computed_at` and maps the metric index to its name),
//! per-experiment scores, confidences and contributions (the DAG overlay and the waterfall),
//! the score and both statuses. [`explain`] turns it into one deterministic sentence.
//!
//! **What changes a hypothesis.** Only its links, their values, their baselines, and the
//! project [`Scale`]s. An experiment that is not linked still moves the scale (it is part of
//! the project distribution) and may become a "best" baseline; with those held fixed it
//! changes nothing, and neither does a finished link without units.

mod confidence;
mod evaluate;
mod explain;
mod normalize;
mod status;

pub use confidence::{
    agreement_factor, environment_factor, stability_factor, status_factor, unit_confidence,
    EnvironmentChecks, RestoreCheck, ENVIRONMENT_WEIGHT, RERUN_WEIGHT, SEED_WEIGHT, STABILITY_SENSITIVITY,
    STABILITY_WEIGHT,
};
pub use evaluate::{
    evaluate, unit_contribution, EvidenceUnit, ExperimentEvidence, HypothesisEvidence, LinkedExperiment,
    MetricInput, TargetMetric,
};
pub use explain::explain;
pub use normalize::{
    best_baseline, normalize_delta, signed_delta, Scale, ScaleSource, MAD_TO_SIGMA,
    MEAN_ABSOLUTE_DEVIATION_TO_SIGMA, MIN_DISTRIBUTION_SIZE, NORMALIZED_DELTA_CLAMP, RELATIVE_SCALE_FRACTION,
};
pub use status::{decide_status, Thresholds};
