//! How far one evidence unit can be trusted: a status gate times a weighted mean of
//! stability, seed agreement, rerun consistency and environment correctness.

use crate::model::{Direction, Status};

use super::normalize::signed_delta;

/// Weight of metric stability in the quality mean.
pub const STABILITY_WEIGHT: f64 = 0.3;
/// Weight of seed agreement in the quality mean.
pub const SEED_WEIGHT: f64 = 0.3;
/// Weight of rerun consistency in the quality mean.
pub const RERUN_WEIGHT: f64 = 0.2;
/// Weight of environment correctness in the quality mean.
pub const ENVIRONMENT_WEIGHT: f64 = 0.2;

/// How strongly relative variation lowers stability: `1 / (1 + 10 × cv)`, so a series whose
/// recent values vary by 1 % scores 0.91 and one that varies by 10 % scores 0.5.
pub const STABILITY_SENSITIVITY: f64 = 10.0;

/// The fewest recent values from which stability is judged; fewer are neutral.
const MIN_STABILITY_POINTS: usize = 3;

/// Whether the experiment's state was captured well enough to trust and reproduce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnvironmentChecks {
    /// A code snapshot was captured.
    pub code_captured: bool,
    /// The environment (packages, accelerators, variables) was captured.
    pub environment_captured: bool,
    /// What came of restoring the experiment elsewhere.
    pub restore: RestoreCheck,
}

impl EnvironmentChecks {
    /// Everything captured and the restore verified (factor 1).
    pub const COMPLETE: EnvironmentChecks = EnvironmentChecks {
        code_captured: true,
        environment_captured: true,
        restore: RestoreCheck::Verified,
    };
}

/// The outcome of restoring an experiment's code and environment and checking it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RestoreCheck {
    /// Restored and verified (counts 1).
    Verified,
    /// Never tried (counts 0.5).
    NotAttempted,
    /// Tried and failed (counts 0).
    Failed,
}

impl RestoreCheck {
    /// The stored name: `verified`, `not_attempted` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RestoreCheck::Verified => "verified",
            RestoreCheck::NotAttempted => "not_attempted",
            RestoreCheck::Failed => "failed",
        }
    }

    /// The check named `text` (as [`RestoreCheck::as_str`] writes it).
    pub fn parse(text: &str) -> Option<RestoreCheck> {
        [
            RestoreCheck::Verified,
            RestoreCheck::NotAttempted,
            RestoreCheck::Failed,
        ]
        .into_iter()
        .find(|check| check.as_str() == text)
    }
}

/// The status gate: complete 1.0, running 0.5 (the value may still move), failed 0.1 (the
/// value it reached is real but the run did not finish as planned), planned 0.0.
pub fn status_factor(status: Status) -> f64 {
    match status {
        Status::Complete => 1.0,
        Status::Running => 0.5,
        Status::Failed => 0.1,
        Status::Planned => 0.0,
    }
}

/// `1 / (1 + 10 × cv)` where `cv` is the sample standard deviation of the recent finite
/// values over their mean absolute value (not the mean itself, which can be near 0 for a
/// series that changes sign). 1 (neutral) with fewer than 3 finite values or all values 0.
pub fn stability_factor(recent: &[f64]) -> f64 {
    let mut count = 0usize;
    let mut sum = 0.0;
    let mut sum_of_magnitudes = 0.0;
    for &value in recent.iter().filter(|value| value.is_finite()) {
        count += 1;
        sum += value;
        sum_of_magnitudes += value.abs();
    }
    if count < MIN_STABILITY_POINTS {
        return 1.0;
    }
    let count_f = count as f64;
    let mean = sum / count_f;
    let mean_magnitude = sum_of_magnitudes / count_f;
    if !(mean_magnitude > 0.0 && mean_magnitude.is_finite()) {
        return 1.0;
    }
    let squared_deviations: f64 = recent
        .iter()
        .filter(|value| value.is_finite())
        .map(|value| ((value - mean) / mean_magnitude).powi(2))
        .sum();
    let coefficient_of_variation = (squared_deviations / (count_f - 1.0)).sqrt();
    let factor = 1.0 / (1.0 + STABILITY_SENSITIVITY * coefficient_of_variation);
    if factor.is_nan() {
        return 1.0;
    }
    factor
}

/// `(1 + agreeing) / (1 + counted)` over the `replicates` (seed siblings or reruns) with a
/// finite value: a replicate agrees when its delta against the same `baseline` has the same
/// sign as `delta` (the experiment's). The experiment counts as agreeing with itself, so one
/// disagreeing replicate halves the factor rather than zeroing it. 1 (neutral) with no
/// replicates.
pub fn agreement_factor(direction: Direction, delta: f64, baseline: f64, replicates: &[f64]) -> f64 {
    let experiment_sign = sign(delta);
    let mut counted = 0u32;
    let mut agreeing = 0u32;
    for &replicate in replicates {
        let Some(replicate_delta) = signed_delta(direction, Some(replicate), Some(baseline)) else {
            continue;
        };
        counted += 1;
        if sign(replicate_delta) == experiment_sign {
            agreeing += 1;
        }
    }
    f64::from(1 + agreeing) / f64::from(1 + counted)
}

/// `0.4 × code captured + 0.4 × environment captured + 0.2 × restore`, with the restore
/// counting 1 verified, 0.5 not attempted, 0 failed: 1.0 for a fully captured and verified
/// run, 0.9 for one captured but never restored.
pub fn environment_factor(checks: EnvironmentChecks) -> f64 {
    let code = if checks.code_captured { 1.0 } else { 0.0 };
    let environment = if checks.environment_captured { 1.0 } else { 0.0 };
    let restore = match checks.restore {
        RestoreCheck::Verified => 1.0,
        RestoreCheck::NotAttempted => 0.5,
        RestoreCheck::Failed => 0.0,
    };
    0.4 * code + 0.4 * environment + 0.2 * restore
}

/// A unit's confidence from its factors (each in [0, 1]):
/// `status × (0.3 stability + 0.3 seeds + 0.2 reruns + 0.2 environment)`, within [0, 1].
pub fn unit_confidence(status: f64, stability: f64, seeds: f64, reruns: f64, environment: f64) -> f64 {
    let quality = STABILITY_WEIGHT * stability
        + SEED_WEIGHT * seeds
        + RERUN_WEIGHT * reruns
        + ENVIRONMENT_WEIGHT * environment;
    let confidence = status * quality;
    if confidence.is_nan() {
        return 0.0;
    }
    confidence.clamp(0.0, 1.0)
}

fn sign(value: f64) -> i8 {
    if value > 0.0 {
        1
    } else if value < 0.0 {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn status_orders_complete_over_running_over_failed_over_planned() {
        assert_eq!(status_factor(Status::Complete), 1.0);
        assert_eq!(status_factor(Status::Running), 0.5);
        assert_eq!(status_factor(Status::Failed), 0.1);
        assert_eq!(status_factor(Status::Planned), 0.0);
    }

    #[test]
    fn stability_falls_with_relative_variation() {
        // mean 2, mean |x| 2, deviations [-1, 0, 1] → sample std 1 → cv 0.5 → 1 / (1 + 5)
        assert!(close(stability_factor(&[1.0, 2.0, 3.0]), 1.0 / 6.0));
        // a flat series is fully stable
        assert_eq!(stability_factor(&[0.9, 0.9, 0.9, 0.9]), 1.0);
        // sign changes: mean 0, mean |x| 1, sample std of [-1, 1, -1, 1] = √(4/3)
        let expected = 1.0 / (1.0 + 10.0 * (4.0_f64 / 3.0).sqrt());
        assert!(close(stability_factor(&[-1.0, 1.0, -1.0, 1.0]), expected));
    }

    #[test]
    fn stability_is_neutral_with_too_few_points_or_all_zero() {
        assert_eq!(stability_factor(&[]), 1.0);
        assert_eq!(stability_factor(&[1.0, 5.0]), 1.0);
        assert_eq!(stability_factor(&[1.0, f64::NAN, 5.0]), 1.0);
        assert_eq!(stability_factor(&[0.0, 0.0, 0.0]), 1.0);
    }

    #[test]
    fn agreement_counts_replicates_whose_delta_has_the_same_sign() {
        // maximize, baseline 0.5, the experiment improves: 0.6 and 0.7 agree, 0.4 does not
        let factor = agreement_factor(Direction::Maximize, 0.2, 0.5, &[0.6, 0.4, 0.7, f64::NAN]);
        assert!(close(factor, 3.0 / 4.0));
        // minimize: lower is an improvement, so 0.6 (worse than 0.5) disagrees
        assert!(close(
            agreement_factor(Direction::Minimize, 0.1, 0.5, &[0.6]),
            0.5
        ));
        assert!(close(
            agreement_factor(Direction::Minimize, -0.1, 0.5, &[0.6]),
            1.0
        ));
    }

    #[test]
    fn agreement_is_neutral_without_replicates() {
        assert_eq!(agreement_factor(Direction::Maximize, 0.2, 0.5, &[]), 1.0);
        assert_eq!(agreement_factor(Direction::Maximize, 0.2, 0.5, &[f64::NAN]), 1.0);
    }

    #[test]
    fn environment_rewards_capture_and_a_verified_restore() {
        assert!(close(environment_factor(EnvironmentChecks::COMPLETE), 1.0));
        let captured_not_restored = EnvironmentChecks {
            restore: RestoreCheck::NotAttempted,
            ..EnvironmentChecks::COMPLETE
        };
        assert!(close(environment_factor(captured_not_restored), 0.9));
        let code_only_restore_failed = EnvironmentChecks {
            code_captured: true,
            environment_captured: false,
            restore: RestoreCheck::Failed,
        };
        assert!(close(environment_factor(code_only_restore_failed), 0.4));
    }

    #[test]
    fn confidence_is_the_status_gate_times_the_weighted_quality() {
        assert!(close(unit_confidence(1.0, 1.0, 1.0, 1.0, 1.0), 1.0));
        // 0.5 × (0.3 × 0.5 + 0.3 × 1 + 0.2 × 0.5 + 0.2 × 0.9) = 0.5 × 0.73
        assert!(close(unit_confidence(0.5, 0.5, 1.0, 0.5, 0.9), 0.365));
        assert_eq!(unit_confidence(0.0, 1.0, 1.0, 1.0, 1.0), 0.0);
        assert_eq!(unit_confidence(f64::NAN, 1.0, 1.0, 1.0, 1.0), 0.0);
    }
}
