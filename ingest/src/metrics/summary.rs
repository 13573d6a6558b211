//! Per-metric summaries: what the graph records on `MEASURED` so lists and comparisons need
//! not read the series.

use std::collections::BTreeMap;

use super::{ChunkSeries, Series};

/// How many of a series' last values a summary keeps: "the recent part of the series", whose
/// variation the stability factor of evidence confidence reads (a run that is still moving is
/// less certain), so evidence needs no series read.
pub const RECENT_POINTS: usize = 20;

/// The values at a series' highest steps, in step order, at most [`RECENT_POINTS`] (NaN and
/// infinities included, as stored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recent {
    values: [f64; RECENT_POINTS],
    len: usize,
}

impl Recent {
    /// No values.
    pub const EMPTY: Recent = Recent {
        values: [0.0; RECENT_POINTS],
        len: 0,
    };

    /// The last [`RECENT_POINTS`] of `values` (in step order).
    pub fn of(values: &[f64]) -> Recent {
        let tail = &values[values.len().saturating_sub(RECENT_POINTS)..];
        let mut recent = Recent::EMPTY;
        recent.values[..tail.len()].copy_from_slice(tail);
        recent.len = tail.len();
        recent
    }

    /// The values, oldest first.
    pub fn values(&self) -> &[f64] {
        &self.values[..self.len]
    }

    /// These values followed by `later`'s, the last [`RECENT_POINTS`] of them.
    fn then(&self, later: &Recent) -> Recent {
        let mut joined = Vec::with_capacity(self.len + later.len);
        joined.extend_from_slice(self.values());
        joined.extend_from_slice(later.values());
        Recent::of(&joined)
    }
}

/// The summary of one metric over some points.
///
/// NaN values count in `count` only; ±inf count as values for `min`/`max` but not for
/// `mean`. A statistic with no value to take it over is NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The value at the highest step (NaN if that value is NaN).
    pub last: f64,
    /// The highest step.
    pub last_step: u64,
    /// The smallest non-NaN value (`-inf` included); NaN when all values are NaN.
    pub min: f64,
    /// The largest non-NaN value (`+inf` included); NaN when all values are NaN.
    pub max: f64,
    /// The mean of the finite values; NaN when there are none.
    pub mean: f64,
    /// How many points, whatever their value.
    pub count: u64,
    /// How many points have a finite value (those the mean is over).
    pub finite_count: u64,
    /// The values at the highest steps.
    pub recent: Recent,
}

impl Summary {
    /// The summary of no points, the identity of [`Summary::merge`].
    pub const EMPTY: Summary = Summary {
        last: f64::NAN,
        last_step: 0,
        min: f64::NAN,
        max: f64::NAN,
        mean: f64::NAN,
        count: 0,
        finite_count: 0,
        recent: Recent::EMPTY,
    };

    /// Adds one point; a point at the same or a higher step becomes `last`.
    fn add(&mut self, step: u64, value: f64) {
        if self.count == 0 || step >= self.last_step {
            self.last = value;
            self.last_step = step;
        }
        self.count += 1;
        if value.is_nan() {
            return;
        }
        // f64::min/max return the other operand when one is NaN, so NaN means "none yet".
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        if value.is_finite() {
            self.finite_count += 1;
            // The running mean cannot overflow the way a running sum of large values can.
            self.mean = if self.finite_count == 1 {
                value
            } else {
                self.mean + (value - self.mean) / self.finite_count as f64
            };
        }
    }

    /// The summary of one series.
    pub fn of(series: &Series) -> Summary {
        let mut summary = Summary::EMPTY;
        for (step, value) in series.steps.iter().zip(&series.values) {
            summary.add(*step, *value);
        }
        // A series' steps ascend: its last values are its recent part.
        summary.recent = Recent::of(&series.values);
        summary
    }

    /// Combines the summary of earlier points (`self`) with that of `later` ones, e.g. the
    /// stored summary of a run with the summary of a newly arrived chunk. For disjoint step
    /// ranges the result equals summarizing all points; on a tie of `last_step` the later
    /// summary's `last` wins. The recent values are the later summary's after this one's
    /// (exact when its steps all come after this one's, the only case the metric store merges;
    /// a chunk that revisits steps is summarized from the merged series instead).
    pub fn merge(&self, later: &Summary) -> Summary {
        if later.count == 0 {
            return *self;
        }
        if self.count == 0 {
            return *later;
        }
        let (last, last_step) = if later.last_step >= self.last_step {
            (later.last, later.last_step)
        } else {
            (self.last, self.last_step)
        };
        let recent = self.recent.then(&later.recent);
        let finite_count = self.finite_count + later.finite_count;
        let mean = match (self.finite_count, later.finite_count) {
            (0, 0) => f64::NAN,
            (0, _) => later.mean,
            (_, 0) => self.mean,
            (_, later_count) => {
                let later_weight = later_count as f64 / finite_count as f64;
                self.mean + (later.mean - self.mean) * later_weight
            }
        };
        Summary {
            last,
            last_step,
            min: self.min.min(later.min),
            max: self.max.max(later.max),
            mean,
            count: self.count + later.count,
            finite_count,
            recent,
        }
    }
}

/// Summarizes each metric of a chunk.
pub fn summarize(chunk: &ChunkSeries) -> BTreeMap<String, Summary> {
    chunk
        .metrics()
        .map(|(name, series)| (name.to_owned(), Summary::of(series)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::Point;

    fn point(step: u64, value: f64) -> Point {
        Point {
            metric: "m".into(),
            step,
            value,
            wall_time: 0.0,
        }
    }

    fn summarize(points: &[Point]) -> BTreeMap<String, Summary> {
        super::summarize(&ChunkSeries::from_points(points.to_vec()))
    }

    #[test]
    fn summary_ignores_nan_for_min_max_and_inf_for_mean() {
        let points = [
            point(0, 1.0),
            point(1, f64::NAN),
            point(2, f64::INFINITY),
            point(3, 3.0),
            point(4, f64::NEG_INFINITY),
        ];
        let summary = summarize(&points)["m"];
        assert_eq!(summary.min, f64::NEG_INFINITY);
        assert_eq!(summary.max, f64::INFINITY);
        assert_eq!(summary.mean, 2.0);
        assert_eq!(summary.count, 5);
        assert_eq!(summary.finite_count, 2);
        assert_eq!(summary.last, f64::NEG_INFINITY);
        assert_eq!(summary.last_step, 4);
    }

    #[test]
    fn summary_of_only_nan_is_nan_everywhere_but_the_counts() {
        let summary = summarize(&[point(7, f64::NAN)])["m"];
        assert!(summary.min.is_nan() && summary.max.is_nan() && summary.mean.is_nan());
        assert!(summary.last.is_nan());
        assert_eq!(
            (summary.count, summary.finite_count, summary.last_step),
            (1, 0, 7)
        );
    }

    #[test]
    fn last_is_the_value_at_the_highest_step_not_the_last_written() {
        let summary = summarize(&[point(9, 1.0), point(2, 5.0)])["m"];
        assert_eq!((summary.last, summary.last_step), (1.0, 9));
    }

    #[test]
    fn the_recent_values_are_the_last_twenty_by_step_across_merges() {
        let points: Vec<Point> = (0..30).map(|step| point(step, step as f64)).collect();
        let whole = summarize(&points)["m"];
        let expected: Vec<f64> = (10..30).map(|step| step as f64).collect();
        assert_eq!(whole.recent.values(), expected.as_slice());
        let (earlier, later) = points.split_at(25);
        let merged = summarize(earlier)["m"].merge(&summarize(later)["m"]);
        assert_eq!(merged.recent.values(), expected.as_slice());
        let short = summarize(&[point(3, 1.0), point(1, f64::NAN)])["m"];
        assert!(short.recent.values()[0].is_nan() && short.recent.values()[1] == 1.0);
        assert_eq!(short.recent.values().len(), 2);
    }

    #[test]
    fn merge_lets_the_later_summary_win_a_tie_on_last_step() {
        let earlier = summarize(&[point(5, 1.0)])["m"];
        let later = summarize(&[point(5, 2.0)])["m"];
        assert_eq!(earlier.merge(&later).last, 2.0);
        assert_eq!(Summary::EMPTY.merge(&later), later);
        assert_eq!(later.merge(&Summary::EMPTY), later);
    }
}
