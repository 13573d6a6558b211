//! Downsampling a series for charts: a million steps become the few thousand a chart can
//! draw, without hiding what a reader looks for (spikes, divergence to NaN or inf).

use super::{ChunkSeries, Series};

/// How [`downsample`] picks the points it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Downsample {
    /// Per bucket of consecutive steps, the smallest and the largest value (and the first NaN,
    /// if any): every spike and every NaN bucket stays visible.
    MinMax,
    /// Largest-Triangle-Three-Buckets over the finite values: keeps the visual shape;
    /// non-finite points are kept as they are (thinned evenly only if they alone would fill
    /// half the budget).
    Lttb,
}

/// Reduces `series` to at most `max_points` steps (at least 2 are always allowed), always
/// keeping the first and the last step. A series that already fits is returned unchanged.
/// Buckets hold equal numbers of points.
///
/// With [`Downsample::MinMax`] and `max_points >= 5`, the global minimum, the global maximum
/// and (if there is one) a NaN are kept.
pub fn downsample(series: &Series, max_points: usize, method: Downsample) -> Series {
    reduce(series, max_points, method, &Cuts::ByCount)
}

/// [`downsample`] with buckets that span equal numbers of **steps** instead of points: for a
/// series whose points stand for different numbers of stored points (a long chunk's
/// overview next to the raw points logged since), where equal point counts would give the few
/// overview points a few buckets and the last minutes of a run all the others.
pub fn downsample_by_step(series: &Series, max_points: usize, method: Downsample) -> Series {
    let positions: Vec<f64> = series.steps.iter().map(|&step| step as f64).collect();
    reduce(series, max_points, method, &Cuts::ByPosition(&positions))
}

fn reduce(series: &Series, max_points: usize, method: Downsample, cuts: &Cuts<'_>) -> Series {
    let max_points = max_points.max(2);
    if series.len() <= max_points {
        return series.clone();
    }
    let kept = match method {
        Downsample::MinMax => min_max_indices(&series.values, max_points, cuts),
        Downsample::Lttb => lttb_with_non_finite(series, max_points, cuts),
    };
    let mut output = Series::with_capacity(kept.len());
    for index in kept {
        output.push_from(series, index);
    }
    output
}

/// How the interior points `1..len-1` of a series (the first and the last are always kept)
/// are cut into buckets.
enum Cuts<'a> {
    /// Equal numbers of points.
    ByCount,
    /// Equal spans of position (ascending, one per point: the steps).
    ByPosition(&'a [f64]),
}

impl Cuts<'_> {
    /// The positions of the points `indices` (ascending) of the series, for a subset to cut the
    /// same way (LTTB cuts the finite points only).
    fn subset(&self, indices: &[usize]) -> Option<Vec<f64>> {
        match self {
            Cuts::ByCount => None,
            Cuts::ByPosition(positions) => Some(indices.iter().map(|&index| positions[index]).collect()),
        }
    }

    /// Index range `[start, end)` of bucket `bucket` of `buckets` over the interior of a
    /// series of `len` points; empty where no point falls into a span.
    fn bounds(&self, len: usize, buckets: usize, bucket: usize) -> (usize, usize) {
        match self {
            Cuts::ByCount => {
                let interior = len - 2;
                (
                    1 + bucket * interior / buckets,
                    1 + (bucket + 1) * interior / buckets,
                )
            }
            Cuts::ByPosition(positions) => {
                let interior = &positions[1..len - 1];
                let (low, high) = (positions[1], positions[len - 1]);
                let edge = |bucket: usize| {
                    if bucket == 0 {
                        return 1;
                    }
                    if bucket >= buckets {
                        return len - 1;
                    }
                    let at = low + (high - low) * bucket as f64 / buckets as f64;
                    1 + interior.partition_point(|&position| position < at)
                };
                (edge(bucket), edge(bucket + 1))
            }
        }
    }
}

/// Points per metric an overview keeps ([`overview`]).
pub const OVERVIEW_POINTS: usize = 8_192;

/// The overview of a chunk: each metric reduced with [`Downsample::MinMax`] to at most
/// [`OVERVIEW_POINTS`] points (a metric that fits is kept whole, so its overview is its series).
/// A chart of the whole run asks for a few thousand points; reading them from the overview
/// instead of the chunk decodes a few thousand points per metric instead of every one.
/// Downsampling the overview again keeps each metric's global minimum, maximum and a NaN, as
/// downsampling the series would; bucket edges move by at most one overview bucket.
pub fn overview(chunk: &ChunkSeries) -> ChunkSeries {
    chunk.map_series(|series| downsample(series, OVERVIEW_POINTS, Downsample::MinMax))
}

/// Indices (ascending) of the min, the max and the first NaN of `values[start..end]`.
fn bucket_picks(values: &[f64], start: usize, end: usize) -> Vec<usize> {
    let mut min: Option<usize> = None;
    let mut max: Option<usize> = None;
    let mut nan: Option<usize> = None;
    for (index, &value) in values.iter().enumerate().take(end).skip(start) {
        if value.is_nan() {
            nan = nan.or(Some(index));
            continue;
        }
        if min.is_none_or(|current| value < values[current]) {
            min = Some(index);
        }
        if max.is_none_or(|current| value > values[current]) {
            max = Some(index);
        }
    }
    let mut picks: Vec<usize> = [min, max, nan].into_iter().flatten().collect();
    picks.sort_unstable();
    picks.dedup();
    picks
}

fn min_max_indices(values: &[f64], max_points: usize, cuts: &Cuts<'_>) -> Vec<usize> {
    let len = values.len();
    let budget = max_points - 2;
    // Two picks per bucket fill the budget, but a bucket with a NaN needs a third. While the
    // picks overflow, drop buckets (each frees at least two slots); at a third of the budget
    // even three picks per bucket fit, so the loop ends.
    let fewest_buckets = (budget / 3).min(len - 2);
    let mut buckets = (budget / 2).min(len - 2);
    loop {
        let mut kept = Vec::with_capacity(max_points + buckets);
        kept.push(0);
        for bucket in 0..buckets {
            let (start, end) = cuts.bounds(len, buckets, bucket);
            kept.extend(bucket_picks(values, start, end));
        }
        kept.push(len - 1);
        if kept.len() <= max_points || buckets <= fewest_buckets {
            return kept;
        }
        let overflow = kept.len() - max_points;
        buckets = buckets.saturating_sub(overflow.div_ceil(2)).max(fewest_buckets);
    }
}

/// LTTB over the finite points plus the non-finite ones, merged in step order.
fn lttb_with_non_finite(series: &Series, max_points: usize, cuts: &Cuts<'_>) -> Vec<usize> {
    let len = series.len();
    let last = len - 1;
    let (finite, non_finite): (Vec<usize>, Vec<usize>) =
        (0..len).partition(|&index| series.values[index].is_finite());
    let interior_non_finite: Vec<usize> = non_finite
        .into_iter()
        .filter(|&index| index != 0 && index != last)
        .collect();
    let non_finite_budget = interior_non_finite.len().min((max_points - 2) / 2);
    let kept_non_finite = thin_non_finite(&series.values, &interior_non_finite, non_finite_budget);
    let finite_budget = max_points - 2 - kept_non_finite.len();

    let xs: Vec<f64> = finite.iter().map(|&i| series.steps[i] as f64).collect();
    let ys: Vec<f64> = finite.iter().map(|&i| series.values[i]).collect();
    let positions = cuts.subset(&finite);
    let finite_cuts = positions.as_deref().map_or(Cuts::ByCount, Cuts::ByPosition);
    let kept_finite = lttb(&xs, &ys, finite_budget, &finite_cuts)
        .into_iter()
        .map(|position| finite[position]);

    let mut kept: Vec<usize> = kept_finite.chain(kept_non_finite).collect();
    kept.push(0);
    kept.push(last);
    kept.sort_unstable();
    kept.dedup();
    kept
}

/// At most `budget` of the non-finite `indices`, spread evenly, NaNs and infinities each
/// getting half the budget (so a NaN survives next to many infinities, and vice versa).
fn thin_non_finite(values: &[f64], indices: &[usize], budget: usize) -> Vec<usize> {
    let (nans, infinities): (Vec<usize>, Vec<usize>) =
        indices.iter().partition(|&&index| values[index].is_nan());
    let infinity_budget = infinities.len().min(budget / 2);
    let nan_budget = nans.len().min(budget - infinity_budget);
    let infinity_budget = infinities.len().min(budget - nan_budget);
    let mut kept = evenly_spaced(&nans, nan_budget);
    kept.extend(evenly_spaced(&infinities, infinity_budget));
    kept
}

/// `count` items of `items`, spread evenly (all of them if there are no more than `count`).
fn evenly_spaced(items: &[usize], count: usize) -> Vec<usize> {
    if items.len() <= count {
        return items.to_vec();
    }
    (0..count).map(|k| items[k * items.len() / count]).collect()
}

/// Positions (ascending) LTTB keeps of the points `(xs[i], ys[i])`, at most `threshold`.
fn lttb(xs: &[f64], ys: &[f64], threshold: usize, cuts: &Cuts<'_>) -> Vec<usize> {
    let len = xs.len();
    if threshold >= len {
        return (0..len).collect();
    }
    match threshold {
        0 => return Vec::new(),
        1 => return vec![0],
        2 => return vec![0, len - 1],
        _ => {}
    }
    let buckets = threshold - 2;
    let bounds = |bucket: usize| cuts.bounds(len, buckets, bucket);
    let mut kept = Vec::with_capacity(threshold);
    kept.push(0);
    let mut previous = 0;
    for bucket in 0..buckets {
        let (start, end) = bounds(bucket);
        if start == end {
            continue;
        }
        // The third vertex: the average of the next bucket (or the last point).
        let next = (bucket + 1 < buckets)
            .then(|| bounds(bucket + 1))
            .filter(|(next_start, next_end)| next_start < next_end);
        let (next_x, next_y) = if let Some((next_start, next_end)) = next {
            let count = (next_end - next_start) as f64;
            let sum_x: f64 = xs[next_start..next_end].iter().sum();
            let sum_y: f64 = ys[next_start..next_end].iter().sum();
            (sum_x / count, sum_y / count)
        } else {
            (xs[len - 1], ys[len - 1])
        };
        let (previous_x, previous_y) = (xs[previous], ys[previous]);
        let mut best = start;
        let mut best_area = f64::NEG_INFINITY;
        for index in start..end {
            let area = ((previous_x - next_x) * (ys[index] - previous_y)
                - (previous_x - xs[index]) * (next_y - previous_y))
                .abs();
            if area > best_area {
                best_area = area;
                best = index;
            }
        }
        kept.push(best);
        previous = best;
    }
    kept.push(len - 1);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_of(values: &[f64]) -> Series {
        Series {
            steps: (0..values.len() as u64).collect(),
            values: values.to_vec(),
            wall_times: vec![0.0; values.len()],
        }
    }

    #[test]
    fn min_max_keeps_a_spike_and_a_nan() {
        let mut values = vec![1.0; 1000];
        values[500] = 1e9;
        values[700] = f64::NAN;
        values[300] = -5.0;
        let output = downsample(&series_of(&values), 20, Downsample::MinMax);
        assert!(output.len() <= 20);
        assert!(output.values.contains(&1e9));
        assert!(output.values.contains(&-5.0));
        assert!(output.values.iter().any(|v| v.is_nan()));
        assert_eq!(output.steps.first(), Some(&0));
        assert_eq!(output.steps.last(), Some(&999));
    }

    #[test]
    fn lttb_keeps_non_finite_points_and_the_ends() {
        let mut values: Vec<f64> = (0..1000).map(|i| (i as f64 / 50.0).sin()).collect();
        values[10] = f64::INFINITY;
        values[999] = f64::NAN;
        let output = downsample(&series_of(&values), 50, Downsample::Lttb);
        assert!(output.len() <= 50);
        assert!(output.values.contains(&f64::INFINITY));
        assert_eq!(output.steps.first(), Some(&0));
        assert_eq!(output.steps.last(), Some(&999));
        assert!(output.steps.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn step_buckets_give_a_sparse_stretch_its_share_of_steps() {
        // 100 points over steps 0..100,000 (an overview), then 10,000 raw points.
        let mut series = Series {
            steps: (0..100).map(|i| i * 1_000).collect(),
            values: (0..100).map(|i| i as f64).collect(),
            wall_times: vec![0.0; 100],
        };
        series.steps.extend(100_000..110_000);
        series.values.extend((0..10_000).map(|i| -(i as f64)));
        series.wall_times.extend([0.0; 10_000]);
        for method in [Downsample::MinMax, Downsample::Lttb] {
            let by_count = downsample(&series, 200, method);
            let by_step = downsample_by_step(&series, 200, method);
            let sparse = |output: &Series| output.steps.iter().filter(|&&step| step < 100_000).count();
            assert!(
                sparse(&by_count) < 10,
                "{method:?}: point buckets crowd the sparse part out"
            );
            assert!(sparse(&by_step) >= 80, "{method:?}: {} of 200", sparse(&by_step));
            assert!(by_step.len() <= 200);
            assert_eq!(by_step.steps.first(), Some(&0));
            assert_eq!(by_step.steps.last(), Some(&109_999));
            assert!(by_step.steps.windows(2).all(|pair| pair[0] < pair[1]));
        }
        let min_max = downsample_by_step(&series, 200, Downsample::MinMax);
        assert!(min_max.values.contains(&99.0) && min_max.values.contains(&-9_999.0));
    }

    #[test]
    fn a_series_that_fits_is_returned_unchanged() {
        let series = series_of(&[1.0, 2.0, 3.0]);
        assert_eq!(downsample(&series, 3, Downsample::Lttb), series);
        assert_eq!(downsample(&series, 0, Downsample::MinMax).len(), 2);
    }
}
