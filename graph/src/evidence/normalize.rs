//! Deltas and their normalisation: from two summary values to a unit-free, clamped number.

use crate::model::Direction;

/// The normalised delta is clamped to `[−NORMALIZED_DELTA_CLAMP, NORMALIZED_DELTA_CLAMP]`.
pub const NORMALIZED_DELTA_CLAMP: f64 = 5.0;

/// Turns a median absolute deviation into an estimate of σ under normality.
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// Turns a mean absolute deviation into an estimate of σ under normality (√(π/2)).
pub const MEAN_ABSOLUTE_DEVIATION_TO_SIGMA: f64 = 1.2533;

/// The fewest finite values a project distribution needs before its spread is trusted.
pub const MIN_DISTRIBUTION_SIZE: usize = 3;

/// Without a project spread, a change of this fraction of the baseline counts as one unit.
pub const RELATIVE_SCALE_FRACTION: f64 = 0.1;

/// The change from `baseline` to `experiment`, positive when it is an improvement
/// (maximize: `experiment − baseline`; minimize: `baseline − experiment`).
///
/// `None` when either side is missing, NaN or infinite: such a pair makes no evidence unit.
/// A difference beyond `f64`'s range saturates at `±f64::MAX`.
pub fn signed_delta(direction: Direction, experiment: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    let experiment = experiment.filter(|value| value.is_finite())?;
    let baseline = baseline.filter(|value| value.is_finite())?;
    let improvement = match direction {
        Direction::Maximize => experiment - baseline,
        Direction::Minimize => baseline - experiment,
    };
    Some(improvement.clamp(-f64::MAX, f64::MAX))
}

/// Where a unit's spread came from (see the module docs for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleSource {
    /// `1.4826 × MAD` of the project distribution.
    ScaledMad,
    /// `1.2533 × mean absolute deviation from the median` (the MAD was 0).
    ScaledMeanAbsoluteDeviation,
    /// `0.1 × |baseline|` (the distribution was too small or had no spread).
    BaselineRelative,
    /// `1`: no spread and a zero baseline; the delta stays in the metric's units.
    Unit,
}

impl ScaleSource {
    /// The stored and API name: `scaled_mad`, `scaled_mean_absolute_deviation`,
    /// `baseline_relative` or `unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleSource::ScaledMad => "scaled_mad",
            ScaleSource::ScaledMeanAbsoluteDeviation => "scaled_mean_absolute_deviation",
            ScaleSource::BaselineRelative => "baseline_relative",
            ScaleSource::Unit => "unit",
        }
    }

    /// The source named `text` (as [`ScaleSource::as_str`] writes it).
    pub fn parse(text: &str) -> Option<ScaleSource> {
        [
            ScaleSource::ScaledMad,
            ScaleSource::ScaledMeanAbsoluteDeviation,
            ScaleSource::BaselineRelative,
            ScaleSource::Unit,
        ]
        .into_iter()
        .find(|source| source.as_str() == text)
    }
}

/// The spread of one metric across a project, computed once per recomputation and shared by
/// every unit of that metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The distribution's spread, `None` when it has none (or too few values) and each unit
    /// falls back to its baseline.
    distribution_spread: Option<(f64, ScaleSource)>,
}

impl Scale {
    /// The scale of a metric from its values across the project's complete experiments.
    /// Non-finite values are ignored; fewer than [`MIN_DISTRIBUTION_SIZE`] finite values give
    /// a scale without a distribution spread.
    pub fn from_distribution(values: &[f64]) -> Scale {
        let mut finite: Vec<f64> = values.iter().copied().filter(|value| value.is_finite()).collect();
        if finite.len() < MIN_DISTRIBUTION_SIZE {
            return Scale::without_distribution();
        }
        let center = median_in_place(&mut finite);
        let mut deviations = finite;
        for value in &mut deviations {
            *value = (*value - center).abs();
        }
        let mad = median_in_place(&mut deviations);
        let scaled_mad = MAD_TO_SIGMA * mad;
        if is_usable_spread(scaled_mad) {
            return Scale {
                distribution_spread: Some((scaled_mad, ScaleSource::ScaledMad)),
            };
        }
        let mean_absolute_deviation = deviations.iter().sum::<f64>() / deviations.len() as f64;
        let scaled_mean_deviation = MEAN_ABSOLUTE_DEVIATION_TO_SIGMA * mean_absolute_deviation;
        if is_usable_spread(scaled_mean_deviation) {
            return Scale {
                distribution_spread: Some((scaled_mean_deviation, ScaleSource::ScaledMeanAbsoluteDeviation)),
            };
        }
        Scale::without_distribution()
    }

    /// The distribution's spread and where it came from; `None` when every unit falls back to
    /// its baseline. [`Scale::with_spread`] restores a scale from it.
    pub fn distribution_spread(&self) -> Option<(f64, ScaleSource)> {
        self.distribution_spread
    }

    /// The scale whose [`Scale::distribution_spread`] was `spread` (a stored scale). A spread
    /// that is not a finite number above zero gives [`Scale::without_distribution`].
    pub fn with_spread(spread: f64, source: ScaleSource) -> Scale {
        if !is_usable_spread(spread) {
            return Scale::without_distribution();
        }
        Scale {
            distribution_spread: Some((spread, source)),
        }
    }

    /// A scale with no project distribution: every unit uses its baseline (then 1).
    pub fn without_distribution() -> Scale {
        Scale {
            distribution_spread: None,
        }
    }

    /// A fixed spread (tests, and callers that keep their own). A spread that is not a finite
    /// number above zero gives [`Scale::without_distribution`].
    pub fn fixed(spread: f64) -> Scale {
        Scale::with_spread(spread, ScaleSource::ScaledMad)
    }

    /// The spread a unit with this baseline is divided by, and where it came from; always a
    /// finite number above zero.
    pub fn spread_for(&self, baseline: f64) -> (f64, ScaleSource) {
        if let Some(spread) = self.distribution_spread {
            return spread;
        }
        let relative = RELATIVE_SCALE_FRACTION * baseline.abs();
        if is_usable_spread(relative) {
            return (relative, ScaleSource::BaselineRelative);
        }
        (1.0, ScaleSource::Unit)
    }
}

/// `delta` over the scale's spread for `baseline`, clamped to [`NORMALIZED_DELTA_CLAMP`].
pub fn normalize_delta(delta: f64, scale: &Scale, baseline: f64) -> f64 {
    let (spread, _) = scale.spread_for(baseline);
    let normalized = delta / spread;
    if normalized.is_nan() {
        return 0.0;
    }
    normalized.clamp(-NORMALIZED_DELTA_CLAMP, NORMALIZED_DELTA_CLAMP)
}

/// The best candidate by `direction`, excluding the experiment numbered `exclude` and
/// candidates without a finite value: the "best in the project" baseline. Ties go to the
/// lowest number, so the choice does not depend on the candidates' order.
pub fn best_baseline(
    direction: Direction,
    candidates: &[(i64, Option<f64>)],
    exclude: i64,
) -> Option<(i64, f64)> {
    let mut best: Option<(i64, f64)> = None;
    for &(number, value) in candidates {
        let Some(value) = value.filter(|value| value.is_finite()) else {
            continue;
        };
        if number == exclude {
            continue;
        }
        let replaces = match best {
            None => true,
            Some((best_number, best_value)) => {
                let better = match direction {
                    Direction::Maximize => value > best_value,
                    Direction::Minimize => value < best_value,
                };
                better || (value == best_value && number < best_number)
            }
        };
        if replaces {
            best = Some((number, value));
        }
    }
    best
}

fn is_usable_spread(spread: f64) -> bool {
    spread.is_finite() && spread > 0.0
}

/// The median of finite `values` (non-empty), reordering them; the mean of the two middle
/// values for an even count.
fn median_in_place(values: &mut [f64]) -> f64 {
    let count = values.len();
    let middle = count / 2;
    let (below, upper_middle, _) = values.select_nth_unstable_by(middle, f64::total_cmp);
    let upper_middle = *upper_middle;
    if count % 2 == 1 {
        return upper_middle;
    }
    let lower_middle = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    lower_middle / 2.0 + upper_middle / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn delta_is_positive_for_an_improvement_in_either_direction() {
        assert_eq!(
            signed_delta(Direction::Maximize, Some(0.9), Some(0.75)),
            Some(0.9 - 0.75)
        );
        assert_eq!(
            signed_delta(Direction::Minimize, Some(0.2), Some(0.5)),
            Some(0.5 - 0.2)
        );
        assert_eq!(
            signed_delta(Direction::Maximize, Some(0.5), Some(0.75)),
            Some(-0.25)
        );
        assert_eq!(
            signed_delta(Direction::Minimize, Some(0.75), Some(0.5)),
            Some(-0.25)
        );
    }

    #[test]
    fn delta_is_none_when_a_side_is_missing_nan_or_infinite() {
        assert_eq!(signed_delta(Direction::Maximize, None, Some(1.0)), None);
        assert_eq!(signed_delta(Direction::Maximize, Some(1.0), None), None);
        assert_eq!(signed_delta(Direction::Maximize, Some(f64::NAN), Some(1.0)), None);
        assert_eq!(signed_delta(Direction::Minimize, Some(1.0), Some(f64::NAN)), None);
        assert_eq!(
            signed_delta(Direction::Minimize, Some(f64::INFINITY), Some(1.0)),
            None
        );
    }

    #[test]
    fn delta_saturates_instead_of_overflowing() {
        assert_eq!(
            signed_delta(Direction::Maximize, Some(f64::MAX), Some(-f64::MAX)),
            Some(f64::MAX)
        );
        assert_eq!(
            signed_delta(Direction::Minimize, Some(f64::MAX), Some(-f64::MAX)),
            Some(-f64::MAX)
        );
    }

    #[test]
    fn scale_is_the_scaled_mad_of_the_distribution() {
        // median 3, absolute deviations [2, 1, 0, 1, 97] → MAD 1 → spread 1.4826
        let scale = Scale::from_distribution(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(scale.spread_for(50.0), (1.4826, ScaleSource::ScaledMad));
        // even count: median 2.5, deviations [1.5, 0.5, 0.5, 1.5] → MAD 1
        let (spread, source) = Scale::from_distribution(&[4.0, 1.0, 3.0, 2.0]).spread_for(0.0);
        assert!(close(spread, 1.4826));
        assert_eq!(source, ScaleSource::ScaledMad);
    }

    #[test]
    fn scale_ignores_nan_and_infinite_values() {
        let scale = Scale::from_distribution(&[1.0, f64::NAN, 2.0, f64::INFINITY, 3.0, 4.0, 100.0]);
        assert_eq!(scale.spread_for(0.0), (1.4826, ScaleSource::ScaledMad));
    }

    #[test]
    fn zero_mad_falls_back_to_the_mean_absolute_deviation() {
        // median 1, deviations [0, 0, 0, 0, 4] → MAD 0, mean 0.8 → spread 1.2533 × 0.8
        let (spread, source) = Scale::from_distribution(&[1.0, 1.0, 1.0, 1.0, 5.0]).spread_for(9.0);
        assert!(close(spread, 1.2533 * 0.8));
        assert_eq!(source, ScaleSource::ScaledMeanAbsoluteDeviation);
    }

    #[test]
    fn zero_spread_falls_back_to_the_baseline_then_to_one() {
        let identical = Scale::from_distribution(&[0.7, 0.7, 0.7, 0.7]);
        let (spread, source) = identical.spread_for(-0.5);
        assert!(close(spread, 0.05));
        assert_eq!(source, ScaleSource::BaselineRelative);
        assert_eq!(identical.spread_for(0.0), (1.0, ScaleSource::Unit));
    }

    #[test]
    fn fewer_than_three_values_do_not_make_a_distribution() {
        for values in [&[][..], &[1.0][..], &[1.0, 9.0][..], &[1.0, f64::NAN, 9.0][..]] {
            let scale = Scale::from_distribution(values);
            assert_eq!(scale, Scale::without_distribution(), "{values:?}");
            assert_eq!(scale.spread_for(2.0), (0.2, ScaleSource::BaselineRelative));
        }
    }

    #[test]
    fn normalized_delta_divides_by_the_spread_and_clamps() {
        let scale = Scale::fixed(0.5);
        assert!(close(normalize_delta(0.25, &scale, 10.0), 0.5));
        assert!(close(normalize_delta(-1.0, &scale, 10.0), -2.0));
        assert_eq!(normalize_delta(100.0, &scale, 10.0), 5.0);
        assert_eq!(normalize_delta(-100.0, &scale, 10.0), -5.0);
        assert_eq!(
            normalize_delta(f64::MAX, &Scale::fixed(f64::MIN_POSITIVE), 0.0),
            5.0
        );
        // no distribution: 10 % of |baseline| = 0.08 is one unit
        assert!(close(
            normalize_delta(0.04, &Scale::without_distribution(), 0.8),
            0.5
        ));
    }

    #[test]
    fn best_baseline_excludes_the_experiment_and_breaks_ties_by_number() {
        let candidates = [
            (1, Some(0.5)),
            (2, Some(0.9)),
            (3, None),
            (4, Some(f64::NAN)),
            (5, Some(0.9)),
            (6, Some(0.95)),
        ];
        assert_eq!(
            best_baseline(Direction::Maximize, &candidates, 1),
            Some((6, 0.95))
        );
        assert_eq!(best_baseline(Direction::Maximize, &candidates, 6), Some((2, 0.9)));
        assert_eq!(best_baseline(Direction::Minimize, &candidates, 6), Some((1, 0.5)));
        assert_eq!(best_baseline(Direction::Minimize, &candidates, 1), Some((2, 0.9)));
        assert_eq!(best_baseline(Direction::Maximize, &[(7, Some(1.0))], 7), None);
        assert_eq!(best_baseline(Direction::Maximize, &[], 7), None);
    }
}
