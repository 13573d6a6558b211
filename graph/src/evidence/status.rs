//! The rule that decides a hypothesis's status from its evidence score.

use crate::error::{Error, Result};
use crate::model::{HypothesisStatus, Status};

/// The project's decision thresholds on `E_hypothesis`; both are positive.
///
/// The defaults (3 and 3) ask for about three complete, well-reproduced runs that each
/// improve (worsen) the target by one project-wide spread, or fewer runs with larger effects;
/// a single run can reach at most 5 (the clamp) and so can decide alone only with a large,
/// confident effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `E ≥ support` → supported.
    pub support: f64,
    /// `E ≤ −refute` → refuted.
    pub refute: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            support: 3.0,
            refute: 3.0,
        }
    }
}

impl Thresholds {
    /// Refuses thresholds that are not finite numbers above zero (a zero threshold would
    /// decide on no evidence at all).
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("support_threshold", self.support),
            ("refute_threshold", self.refute),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::invalid(
                    field,
                    format!("{value} is not a finite number above 0"),
                ));
            }
        }
        Ok(())
    }
}

/// The computed status: no linked experiments → proposed; with at least one evidence unit,
/// `score ≥ support` → supported and `score ≤ −refute` → refuted; otherwise testing while
/// any linked run is planned or running, inconclusive when all have finished.
pub fn decide_status(
    score: f64,
    has_units: bool,
    linked_statuses: impl IntoIterator<Item = Status>,
    thresholds: &Thresholds,
) -> HypothesisStatus {
    let mut linked = 0usize;
    let mut unfinished = 0usize;
    for status in linked_statuses {
        linked += 1;
        if !status.is_finished() {
            unfinished += 1;
        }
    }
    if linked == 0 {
        return HypothesisStatus::Proposed;
    }
    if has_units && score >= thresholds.support {
        return HypothesisStatus::Supported;
    }
    if has_units && score <= -thresholds.refute {
        return HypothesisStatus::Refuted;
    }
    if unfinished > 0 {
        return HypothesisStatus::Testing;
    }
    HypothesisStatus::Inconclusive
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Thresholds = Thresholds {
        support: 3.0,
        refute: 3.0,
    };

    #[test]
    fn the_score_decides_against_the_thresholds() {
        let done = [Status::Complete, Status::Failed];
        assert_eq!(
            decide_status(3.0, true, done, &DEFAULTS),
            HypothesisStatus::Supported
        );
        assert_eq!(
            decide_status(-3.0, true, done, &DEFAULTS),
            HypothesisStatus::Refuted
        );
        assert_eq!(
            decide_status(2.9, true, done, &DEFAULTS),
            HypothesisStatus::Inconclusive
        );
        assert_eq!(
            decide_status(-2.9, true, [Status::Complete, Status::Running], &DEFAULTS),
            HypothesisStatus::Testing
        );
        assert_eq!(
            decide_status(0.0, true, [Status::Planned], &DEFAULTS),
            HypothesisStatus::Testing
        );
    }

    #[test]
    fn without_links_it_is_proposed_and_without_units_it_never_decides() {
        assert_eq!(
            decide_status(0.0, false, [], &DEFAULTS),
            HypothesisStatus::Proposed
        );
        let zero = Thresholds {
            support: 0.0,
            refute: 0.0,
        };
        assert_eq!(
            decide_status(0.0, false, [Status::Failed], &zero),
            HypothesisStatus::Inconclusive
        );
        assert_eq!(
            decide_status(0.0, false, [Status::Running], &zero),
            HypothesisStatus::Testing
        );
    }

    #[test]
    fn thresholds_must_be_positive_and_finite() {
        assert!(Thresholds::default().validate().is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let support_error = Thresholds {
                support: bad,
                refute: 1.0,
            }
            .validate();
            assert!(
                matches!(support_error, Err(Error::Invalid { ref field, .. }) if field == "support_threshold")
            );
            let refute_error = Thresholds {
                support: 1.0,
                refute: bad,
            }
            .validate();
            assert!(
                matches!(refute_error, Err(Error::Invalid { ref field, .. }) if field == "refute_threshold")
            );
        }
    }
}
