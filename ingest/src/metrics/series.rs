//! One metric's series as charts read it: merged from chunks, one value per step.

use super::Point;

/// A metric's points sorted by step, one per step, as three parallel columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Ascending, without repeats.
    pub steps: Vec<u64>,
    /// The value at each step.
    pub values: Vec<f64>,
    /// When each value was measured, in unix seconds.
    pub wall_times: Vec<f64>,
}

impl Series {
    /// How many steps the series has.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the series has no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// An empty series with room for `capacity` steps.
    pub fn with_capacity(capacity: usize) -> Series {
        Series {
            steps: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
            wall_times: Vec::with_capacity(capacity),
        }
    }

    /// Appends the point at `index` of `source` (used by cuts and downsampling).
    pub(super) fn push_from(&mut self, source: &Series, index: usize) {
        self.steps.push(source.steps[index]);
        self.values.push(source.values[index]);
        self.wall_times.push(source.wall_times[index]);
    }
}

/// Merges `metric`'s points from `chunks` (in arrival order) into one series.
///
/// Steps may arrive in any order; when a step repeats, the last written point wins (a later
/// chunk over an earlier one, a later point of a chunk over an earlier one).
pub fn merge_series<C: AsRef<[Point]>>(chunks: &[C], metric: &str) -> Series {
    // (step, value, wall_time) in arrival order; a stable sort by step keeps arrival order
    // among equal steps, so the last of each run is the last written. Runs of a training
    // loop arrive nearly sorted, which a stable (merge) sort handles in close to linear time.
    let mut arrivals: Vec<(u64, f64, f64)> = chunks
        .iter()
        .flat_map(|chunk| chunk.as_ref())
        .filter(|point| point.metric == metric)
        .map(|point| (point.step, point.value, point.wall_time))
        .collect();
    arrivals.sort_by_key(|&(step, _, _)| step);

    let mut series = Series::with_capacity(arrivals.len());
    for (index, &(step, value, wall_time)) in arrivals.iter().enumerate() {
        let next_has_same_step = arrivals
            .get(index + 1)
            .is_some_and(|&(next_step, _, _)| next_step == step);
        if next_has_same_step {
            continue;
        }
        series.steps.push(step);
        series.values.push(value);
        series.wall_times.push(wall_time);
    }
    series
}

/// The part of `series` with `from_step <= step <= to_step` (a missing bound is open).
pub fn in_range(series: &Series, from_step: Option<u64>, to_step: Option<u64>) -> Series {
    let start = from_step.map_or(0, |from| series.steps.partition_point(|&step| step < from));
    let end = to_step.map_or(series.len(), |to| {
        series.steps.partition_point(|&step| step <= to)
    });
    if start >= end {
        return Series::default();
    }
    Series {
        steps: series.steps[start..end].to_vec(),
        values: series.values[start..end].to_vec(),
        wall_times: series.wall_times[start..end].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(metric: &str, step: u64, value: f64) -> Point {
        Point {
            metric: metric.into(),
            step,
            value,
            wall_time: value,
        }
    }

    #[test]
    fn merge_series_sorts_steps_and_lets_the_last_write_win() {
        let chunks = vec![
            vec![point("loss", 2, 1.0), point("acc", 1, 9.0), point("loss", 1, 2.0)],
            vec![
                point("loss", 2, 3.0),
                point("loss", 0, 4.0),
                point("loss", 0, 5.0),
            ],
        ];
        let series = merge_series(&chunks, "loss");
        assert_eq!(series.steps, vec![0, 1, 2]);
        assert_eq!(series.values, vec![5.0, 2.0, 3.0]);
        assert_eq!(series.wall_times, vec![5.0, 2.0, 3.0]);
        assert!(merge_series(&chunks, "missing").is_empty());
    }

    #[test]
    fn in_range_is_inclusive_and_open_without_bounds() {
        let series = merge_series(
            &[(0..10)
                .map(|step| point("m", step * 10, step as f64))
                .collect::<Vec<_>>()],
            "m",
        );
        assert_eq!(in_range(&series, Some(10), Some(30)).steps, vec![10, 20, 30]);
        assert_eq!(in_range(&series, Some(11), Some(29)).steps, vec![20]);
        assert_eq!(in_range(&series, None, Some(5)).steps, vec![0]);
        assert_eq!(in_range(&series, Some(85), None).steps, vec![90]);
        assert_eq!(in_range(&series, None, None), series);
        assert!(in_range(&series, Some(50), Some(40)).is_empty());
    }
}
