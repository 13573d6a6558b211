//! One metric's series as charts read it: merged from chunks, one value per step.

use std::collections::{BTreeSet, HashMap};

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

/// A stored chunk: one [`Series`] per metric, metrics ordered by name. This is the form
/// chunks are kept in memory and written to Parquet in, so a read copies slices of steps and
/// values instead of filtering points by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkSeries {
    metrics: Vec<(String, Series)>,
}

impl AsRef<ChunkSeries> for ChunkSeries {
    fn as_ref(&self) -> &ChunkSeries {
        self
    }
}

impl ChunkSeries {
    /// Groups points by metric, one value per step: when a step repeats, the last written
    /// point wins.
    pub fn from_points(points: Vec<Point>) -> ChunkSeries {
        // (step, value, wall_time) per metric in arrival order; names are looked up by &str
        // so only the first point of each metric allocates, and hashed with foldhash: one
        // lookup per point (validation bounds the distinct names).
        let mut index: HashMap<String, usize, foldhash::fast::RandomState> = HashMap::default();
        let mut arrivals: Vec<Vec<(u64, f64, f64)>> = Vec::new();
        for point in points {
            let slot = match index.get(point.metric.as_str()) {
                Some(&slot) => slot,
                None => {
                    index.insert(point.metric, arrivals.len());
                    arrivals.push(Vec::new());
                    arrivals.len() - 1
                }
            };
            arrivals[slot].push((point.step, point.value, point.wall_time));
        }
        let mut metrics: Vec<(String, Series)> = index
            .into_iter()
            .map(|(name, slot)| (name, last_write_wins(std::mem::take(&mut arrivals[slot]))))
            .collect();
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
        ChunkSeries { metrics }
    }

    /// Builds a chunk from per-metric series, or gives them back unless the names strictly
    /// ascend, no series is empty and every series' steps strictly ascend.
    pub(super) fn from_sorted(
        metrics: Vec<(String, Series)>,
    ) -> std::result::Result<ChunkSeries, Vec<(String, Series)>> {
        let names_ascend = metrics.windows(2).all(|pair| pair[0].0 < pair[1].0);
        let steps_ascend = metrics
            .iter()
            .all(|(_, series)| !series.is_empty() && series.steps.windows(2).all(|pair| pair[0] < pair[1]));
        if names_ascend && steps_ascend {
            Ok(ChunkSeries { metrics })
        } else {
            Err(metrics)
        }
    }

    /// How many points (one per metric and step).
    pub fn len(&self) -> usize {
        self.metrics.iter().map(|(_, series)| series.len()).sum()
    }

    /// Whether the chunk holds no point.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// Each metric's name and series, by name.
    pub fn metrics(&self) -> impl Iterator<Item = (&str, &Series)> {
        self.metrics.iter().map(|(name, series)| (name.as_str(), series))
    }

    /// The metric names, ascending.
    pub fn metric_names(&self) -> Vec<String> {
        self.metrics.iter().map(|(name, _)| name.clone()).collect()
    }

    /// One metric's series, if the chunk has it.
    pub fn get(&self, metric: &str) -> Option<&Series> {
        self.metrics
            .binary_search_by(|(name, _)| name.as_str().cmp(metric))
            .ok()
            .map(|at| &self.metrics[at].1)
    }

    /// The smallest and largest step over every metric; `None` for an empty chunk.
    pub fn step_range(&self) -> Option<(u64, u64)> {
        let firsts = self.metrics.iter().filter_map(|(_, series)| series.steps.first());
        let lasts = self.metrics.iter().filter_map(|(_, series)| series.steps.last());
        Some((*firsts.min()?, *lasts.max()?))
    }

    /// The points, by metric then step.
    pub fn to_points(&self) -> Vec<Point> {
        let mut points = Vec::with_capacity(self.len());
        for (name, series) in &self.metrics {
            for index in 0..series.len() {
                points.push(Point {
                    metric: name.clone(),
                    step: series.steps[index],
                    value: series.values[index],
                    wall_time: series.wall_times[index],
                });
            }
        }
        points
    }

    /// Each metric's series passed through `reduce` (a downsampling, say), by name as before.
    pub fn map_series(&self, reduce: impl Fn(&Series) -> Series) -> ChunkSeries {
        let metrics = self
            .metrics
            .iter()
            .map(|(name, series)| (name.clone(), reduce(series)))
            .collect();
        ChunkSeries { metrics }
    }

    /// Merges chunks given in arrival order into one (a later chunk wins a step).
    pub fn merge<C: AsRef<ChunkSeries>>(chunks: &[C]) -> ChunkSeries {
        let names: BTreeSet<&str> = chunks
            .iter()
            .flat_map(|chunk| chunk.as_ref().metrics.iter().map(|(name, _)| name.as_str()))
            .collect();
        let metrics = names
            .into_iter()
            .map(|name| (name.to_owned(), merge_series(chunks, name)))
            .collect();
        ChunkSeries { metrics }
    }
}

/// Sorts `(step, value, wall_time)` arrivals by step keeping the last of each step. A stable
/// sort keeps arrival order among equal steps; a training loop's points arrive sorted, which
/// is checked first.
fn last_write_wins(mut arrivals: Vec<(u64, f64, f64)>) -> Series {
    if !arrivals.windows(2).all(|pair| pair[0].0 < pair[1].0) {
        arrivals.sort_by_key(|&(step, _, _)| step);
    }
    let mut series = Series::with_capacity(arrivals.len());
    for (index, &(step, value, wall_time)) in arrivals.iter().enumerate() {
        let next_has_same_step = arrivals
            .get(index + 1)
            .is_some_and(|&(next_step, _, _)| next_step == step);
        if !next_has_same_step {
            series.steps.push(step);
            series.values.push(value);
            series.wall_times.push(wall_time);
        }
    }
    series
}

/// Merges `metric`'s series from `chunks` (in arrival order) into one: when a step repeats,
/// the later chunk wins.
///
/// Chunks of a training run cover successive step ranges; then the merge is a concatenation.
pub fn merge_series<C: AsRef<ChunkSeries>>(chunks: &[C], metric: &str) -> Series {
    merge_series_between(chunks, metric, None, None)
}

/// [`merge_series`] limited to `from_step <= step <= to_step` (a missing bound is open),
/// copying only the points in the range.
pub fn merge_series_between<C: AsRef<ChunkSeries>>(
    chunks: &[C],
    metric: &str,
    from_step: Option<u64>,
    to_step: Option<u64>,
) -> Series {
    let parts: Vec<&Series> = chunks
        .iter()
        .filter_map(|chunk| chunk.as_ref().get(metric))
        .collect();
    let successive = parts
        .windows(2)
        .all(|pair| pair[0].steps.last() < pair[1].steps.first());
    if successive {
        let ranges: Vec<(&Series, std::ops::Range<usize>)> = parts
            .into_iter()
            .map(|part| (part, step_range(part, from_step, to_step)))
            .collect();
        let mut series = Series::with_capacity(ranges.iter().map(|(_, range)| range.len()).sum());
        for (part, range) in ranges {
            series.steps.extend_from_slice(&part.steps[range.clone()]);
            series.values.extend_from_slice(&part.values[range.clone()]);
            series.wall_times.extend_from_slice(&part.wall_times[range]);
        }
        return series;
    }
    let arrivals = parts
        .iter()
        .flat_map(|part| {
            step_range(part, from_step, to_step)
                .map(|index| (part.steps[index], part.values[index], part.wall_times[index]))
        })
        .collect();
    last_write_wins(arrivals)
}

/// The indices of `series`' points with `from_step <= step <= to_step`.
fn step_range(series: &Series, from_step: Option<u64>, to_step: Option<u64>) -> std::ops::Range<usize> {
    let start = from_step.map_or(0, |from| series.steps.partition_point(|&step| step < from));
    let end = to_step.map_or(series.len(), |to| {
        series.steps.partition_point(|&step| step <= to)
    });
    start..end.max(start)
}

/// The part of `series` with `from_step <= step <= to_step` (a missing bound is open).
pub fn in_range(series: &Series, from_step: Option<u64>, to_step: Option<u64>) -> Series {
    let range = step_range(series, from_step, to_step);
    Series {
        steps: series.steps[range.clone()].to_vec(),
        values: series.values[range.clone()].to_vec(),
        wall_times: series.wall_times[range].to_vec(),
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
        let chunks: Vec<ChunkSeries> = chunks.into_iter().map(ChunkSeries::from_points).collect();
        let series = merge_series(&chunks, "loss");
        assert_eq!(series.steps, vec![0, 1, 2]);
        assert_eq!(series.values, vec![5.0, 2.0, 3.0]);
        assert_eq!(series.wall_times, vec![5.0, 2.0, 3.0]);
        assert!(merge_series(&chunks, "missing").is_empty());
    }

    #[test]
    fn in_range_is_inclusive_and_open_without_bounds() {
        let series = merge_series(
            &[ChunkSeries::from_points(
                (0..10).map(|step| point("m", step * 10, step as f64)).collect(),
            )],
            "m",
        );
        assert_eq!(in_range(&series, Some(10), Some(30)).steps, vec![10, 20, 30]);
        assert_eq!(in_range(&series, Some(11), Some(29)).steps, vec![20]);
        assert_eq!(in_range(&series, None, Some(5)).steps, vec![0]);
        assert_eq!(in_range(&series, Some(85), None).steps, vec![90]);
        assert_eq!(in_range(&series, None, None), series);
        assert!(in_range(&series, Some(50), Some(40)).is_empty());
    }

    #[test]
    fn a_chunk_groups_points_by_metric_and_keeps_the_last_write_of_a_step() {
        let chunk = ChunkSeries::from_points(vec![
            point("loss", 2, 1.0),
            point("acc", 1, 9.0),
            point("loss", 1, 2.0),
            point("loss", 2, 3.0),
        ]);
        assert_eq!(chunk.metric_names(), vec!["acc", "loss"]);
        assert_eq!(chunk.len(), 3);
        assert_eq!(chunk.get("loss").map(|s| s.values.clone()), Some(vec![2.0, 3.0]));
        assert_eq!(chunk.step_range(), Some((1, 2)));
        assert_eq!(chunk.to_points()[0], point("acc", 1, 9.0));
        assert!(ChunkSeries::from_points(Vec::new()).step_range().is_none());
    }

    #[test]
    fn successive_chunks_merge_by_concatenation_and_overlapping_ones_by_step() {
        let early = ChunkSeries::from_points((0..3).map(|step| point("m", step, 1.0)).collect());
        let late = ChunkSeries::from_points((3..5).map(|step| point("m", step, 2.0)).collect());
        let merged = ChunkSeries::merge(&[early.clone(), late.clone()]);
        assert_eq!(
            merged.get("m").map(|s| s.steps.clone()),
            Some(vec![0, 1, 2, 3, 4])
        );
        let rewrite = ChunkSeries::from_points(vec![point("m", 1, 7.0), point("n", 0, 0.0)]);
        let merged = ChunkSeries::merge(&[early, late, rewrite]);
        assert_eq!(
            merged.get("m").map(|s| s.values.clone()),
            Some(vec![1.0, 7.0, 1.0, 2.0, 2.0])
        );
        assert_eq!(merged.metric_names(), vec!["m", "n"]);
    }
}
