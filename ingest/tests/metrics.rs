//! The metric-series core through its public API: decoders (every refusal names its field)
//! and property tests of the Parquet form, summaries, merging and downsampling.

use std::collections::BTreeMap;

use ingest::metrics::{
    decode_parquet, downsample, encode_msgpack, encode_parquet, in_range, merge_series, summarize, Chunk,
    ChunkSeries, Downsample, Limits, Point, Recent, Series, Summary,
};
use ingest::Error;
use proptest::prelude::*;
use serde_json::json;

fn point(metric: &str, step: u64, value: f64) -> Point {
    Point {
        metric: metric.into(),
        step,
        value,
        wall_time: 1_700_000_000.5,
    }
}

/// The field of an `Error::Invalid`, or a panic naming what came instead.
fn invalid_field<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid { field, reason }) => {
            // Reasons may quote the input ("NaN"), but they start lowercase.
            let starts_lowercase = !reason.starts_with(|c: char| c.is_uppercase());
            assert!(starts_lowercase, "reasons start lowercase: {reason}");
            field
        }
        other => panic!("expected an invalid error, got {other:?}"),
    }
}

fn json_field(body: serde_json::Value) -> String {
    let bytes = serde_json::to_vec(&body).expect("serialize");
    invalid_field(Chunk::from_json(&bytes, &Limits::default()))
}

/// JSON as the SDK writes it: non-finite values as strings.
fn to_json(chunk: &Chunk) -> Vec<u8> {
    let points: Vec<serde_json::Value> = chunk
        .points
        .iter()
        .map(|p| {
            let value = match p.value {
                v if v.is_nan() => json!("NaN"),
                v if v == f64::INFINITY => json!("Infinity"),
                v if v == f64::NEG_INFINITY => json!("-Infinity"),
                v => json!(v),
            };
            json!({"metric": p.metric, "step": p.step, "value": value, "wallTime": p.wall_time})
        })
        .collect();
    serde_json::to_vec(&json!({"chunkId": chunk.chunk_id, "points": points})).expect("json")
}

fn same_bits(left: &[Point], right: &[Point]) -> bool {
    left.len() == right.len()
        && left.iter().zip(right).all(|(a, b)| {
            a.metric == b.metric
                && a.step == b.step
                && a.value.to_bits() == b.value.to_bits()
                && a.wall_time.to_bits() == b.wall_time.to_bits()
        })
}

#[test]
fn json_chunk_decodes_special_values_and_defaults_the_wall_time() {
    let body = json!({"chunkId": "run-1:0", "points": [
        {"metric": "loss", "step": 10, "value": 0.42, "wallTime": 1700000000.5},
        {"metric": "loss", "step": 11.0, "value": "NaN"},
        {"metric": "acc", "step": 0, "value": "Infinity"},
        {"metric": "acc", "step": 1, "value": "-Infinity", "wallTime": null},
        {"metric": "acc", "step": 2, "value": 3},
    ]});
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let chunk =
        Chunk::from_json(&serde_json::to_vec(&body).expect("json"), &Limits::default()).expect("valid chunk");
    assert_eq!(chunk.chunk_id, "run-1:0");
    assert_eq!(chunk.points[0], point("loss", 10, 0.42));
    assert_eq!(chunk.points[1].step, 11);
    assert!(chunk.points[1].value.is_nan());
    assert!(chunk.points[1].wall_time >= before);
    assert_eq!(chunk.points[2].value, f64::INFINITY);
    assert_eq!(chunk.points[3].value, f64::NEG_INFINITY);
    assert_eq!(chunk.points[4].value, 3.0);
}

#[test]
fn json_refusals_name_their_field() {
    let good = json!({"metric": "loss", "step": 1, "value": 1.0});
    let chunk = |points: serde_json::Value| json!({"chunkId": "c1", "points": points});
    let cases = [
        (
            chunk(json!([good, {"metric": "loss", "step": -1, "value": 1.0}])),
            "points[1].step",
        ),
        (
            chunk(json!([{"metric": "loss", "step": 1.5, "value": 1.0}])),
            "points[0].step",
        ),
        (
            chunk(json!([{"metric": "loss", "step": "1", "value": 1.0}])),
            "points[0].step",
        ),
        (
            chunk(json!([{"metric": "x".repeat(201), "step": 1, "value": 1.0}])),
            "points[0].metric",
        ),
        (
            chunk(json!([good, {"metric": "lo\nss", "step": 1, "value": 1.0}])),
            "points[1].metric",
        ),
        (
            chunk(json!([{"metric": "", "step": 1, "value": 1.0}])),
            "points[0].metric",
        ),
        (
            chunk(json!([{"metric": 5, "step": 1, "value": 1.0}])),
            "points[0].metric",
        ),
        (
            chunk(json!([{"metric": "loss", "step": 1, "value": "nan"}])),
            "points[0].value",
        ),
        (chunk(json!([{"metric": "loss", "step": 1}])), "points[0].value"),
        (
            chunk(json!([{"metric": "loss", "step": 1, "value": 1, "wall_time": 1}])),
            "points[0]",
        ),
        (chunk(json!([good, 7])), "points[1]"),
        (chunk(json!([])), "points"),
        (chunk(json!({})), "points"),
        (json!({"chunkId": "has space", "points": [good]}), "chunkId"),
        (json!({"chunkId": "", "points": [good]}), "chunkId"),
        (json!({"chunkId": "x".repeat(129), "points": [good]}), "chunkId"),
        (json!({"chunkId": 3, "points": [good]}), "chunkId"),
        (json!({"points": [good]}), "chunkId"),
        (json!({"chunkId": "c1"}), "points"),
        (json!({"chunkId": "c1", "points": [good], "extra": 1}), "body"),
        (json!([1, 2]), "body"),
    ];
    for (body, field) in cases {
        assert_eq!(json_field(body.clone()), field, "for {body}");
    }
    let malformed = Chunk::from_json(br#"{"chunkId": "c1", "points": [}"#, &Limits::default());
    assert_eq!(invalid_field(malformed), "body");
    let trailing = Chunk::from_json(br#"{"chunkId": "c", "points": []} x"#, &Limits::default());
    assert_eq!(invalid_field(trailing), "body");
}

#[test]
fn json_limits_are_enforced_and_stated() {
    let limits = Limits {
        max_points: 2,
        max_body_bytes: 200,
        ..Limits::default()
    };
    let three = json!({"chunkId": "c", "points": [
        {"metric": "a", "step": 1, "value": 1}, {"metric": "a", "step": 2, "value": 1},
        {"metric": "a", "step": 3, "value": 1}]});
    let error =
        Chunk::from_json(&serde_json::to_vec(&three).expect("json"), &limits).expect_err("too many points");
    assert!(error.to_string().contains("limit of 2"), "{error}");
    assert_eq!(invalid_field::<()>(Err(error)), "points");
    let big = vec![b' '; 201];
    assert_eq!(invalid_field(Chunk::from_json(&big, &limits)), "body");
}

/// The columnar form with steps as arbitrary JSON-like numbers, to send negative and
/// fractional steps the Rust encoder cannot produce.
fn raw_msgpack(steps: serde_json::Value, metric: Vec<u32>, values: Vec<f64>) -> Vec<u8> {
    let body = json!({"chunk_id": "c", "metrics": ["loss"], "metric": metric, "step": steps,
                      "value": values});
    rmp_serde::to_vec_named(&body).expect("msgpack")
}

#[test]
fn msgpack_refusals_name_their_field() {
    let limits = Limits::default();
    let decode = |bytes: Vec<u8>| invalid_field(Chunk::from_msgpack(&bytes, &limits));
    assert_eq!(
        decode(raw_msgpack(json!([0, -3]), vec![0, 0], vec![1.0, 2.0])),
        "points[1].step"
    );
    assert_eq!(
        decode(raw_msgpack(json!([0.5]), vec![0], vec![1.0])),
        "points[0].step"
    );
    assert_eq!(
        decode(raw_msgpack(json!([0, 1]), vec![0, 1], vec![1.0, 2.0])),
        "metric[1]"
    );
    assert_eq!(decode(raw_msgpack(json!([0, 1]), vec![0, 0], vec![1.0])), "value");
    assert_eq!(decode(raw_msgpack(json!([]), vec![], vec![])), "points");
    assert_eq!(decode(b"\xc1 not msgpack".to_vec()), "body");
    assert_eq!(
        decode(rmp_serde::to_vec_named(&json!({"chunk_id": "c"})).expect("mp")),
        "body"
    );
    let ok = raw_msgpack(json!([0, 1.0]), vec![0, 0], vec![1.0, 2.0]);
    let chunk = Chunk::from_msgpack(&ok, &limits).expect("valid");
    assert_eq!(chunk.points[1].step, 1);
}

#[test]
fn msgpack_accepts_integer_values_from_python() {
    let body = json!({"chunk_id": "c", "metrics": ["a"], "metric": [0], "step": [7],
                      "value": [3], "wall_time": [1700000000]});
    let chunk =
        Chunk::from_msgpack(&rmp_serde::to_vec_named(&body).expect("mp"), &Limits::default()).expect("valid");
    assert_eq!(
        chunk.points,
        vec![Point {
            wall_time: 1_700_000_000.0,
            ..point("a", 7, 3.0)
        }]
    );
}

fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e6..1e6f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

/// Points of a few metrics with possibly repeated steps, in arbitrary order.
fn any_points(max_len: usize) -> impl Strategy<Value = Vec<Point>> {
    prop::collection::vec((0..3usize, 0..60u64, any_value()), 0..max_len).prop_map(|raw| {
        raw.into_iter()
            .map(|(metric, step, value)| Point {
                metric: ["loss", "acc", "lr"][metric].into(),
                step,
                value,
                wall_time: step as f64 * 0.5,
            })
            .collect()
    })
}

/// Keeps the last point of each (metric, step), in step order.
fn deduplicated(points: &[Point]) -> Vec<Point> {
    let mut last: BTreeMap<(u64, String), Point> = BTreeMap::new();
    for point in points {
        last.insert((point.step, point.metric.clone()), point.clone());
    }
    last.into_values().collect()
}

fn naive_summary(values_by_step: &[(u64, f64)]) -> Summary {
    let non_nan: Vec<f64> = values_by_step
        .iter()
        .map(|&(_, v)| v)
        .filter(|v| !v.is_nan())
        .collect();
    let finite: Vec<f64> = non_nan.iter().copied().filter(|v| v.is_finite()).collect();
    let &(last_step, last) = values_by_step
        .iter()
        .max_by_key(|(step, _)| *step)
        .expect("points");
    let fold = |pick: fn(f64, f64) -> f64| non_nan.iter().copied().reduce(pick).unwrap_or(f64::NAN);
    let mut by_step = values_by_step.to_vec();
    by_step.sort_by_key(|(step, _)| *step);
    let in_step_order: Vec<f64> = by_step.iter().map(|&(_, value)| value).collect();
    Summary {
        last,
        last_step,
        min: fold(f64::min),
        max: fold(f64::max),
        mean: if finite.is_empty() {
            f64::NAN
        } else {
            finite.iter().sum::<f64>() / finite.len() as f64
        },
        count: values_by_step.len() as u64,
        finite_count: finite.len() as u64,
        recent: Recent::of(&in_step_order),
    }
}

fn same_float(left: f64, right: f64) -> bool {
    (left.is_nan() && right.is_nan())
        || left == right
        || (left - right).abs() <= 1e-9 * left.abs().max(right.abs()).max(1.0)
}

fn same_summary(left: &Summary, right: &Summary) -> bool {
    same_float(left.last, right.last)
        && left.last_step == right.last_step
        && same_float(left.min, right.min)
        && same_float(left.max, right.max)
        && same_float(left.mean, right.mean)
        && left.count == right.count
        && left.finite_count == right.finite_count
        && left.recent.values().len() == right.recent.values().len()
        && left
            .recent
            .values()
            .iter()
            .zip(right.recent.values())
            .all(|(left, right)| same_float(*left, *right))
}

fn series_strategy() -> impl Strategy<Value = Series> {
    prop::collection::vec(any_value(), 0..400).prop_map(|values| Series {
        steps: (0..values.len() as u64).map(|i| i * 3).collect(),
        wall_times: vec![0.0; values.len()],
        values,
    })
}

proptest! {
    #[test]
    fn parquet_round_trip_is_bit_exact_for_any_f64(
        raw in prop::collection::vec((0..5usize, any::<u64>(), any::<u64>(), any::<u64>()), 0..300)
    ) {
        let points: Vec<Point> = raw.into_iter().map(|(metric, step, value, wall)| Point {
            metric: format!("metric/{metric}"),
            step,
            value: f64::from_bits(value),
            wall_time: f64::from_bits(wall),
        }).collect();
        let chunk = ChunkSeries::from_points(points);
        let bytes = encode_parquet(&chunk).expect("encode");
        prop_assert!(same_bits(&decode_parquet(&bytes).expect("decode").to_points(), &chunk.to_points()));
    }

    #[test]
    fn msgpack_round_trip_is_bit_exact(values in prop::collection::vec(any::<u64>(), 1..100)) {
        let chunk = Chunk {
            chunk_id: "c-1".into(),
            points: values.iter().enumerate().map(|(i, bits)| Point {
                metric: format!("m{}", i % 4),
                step: *bits,
                value: f64::from_bits(*bits),
                wall_time: i as f64,
            }).collect(),
        };
        let bytes = encode_msgpack(&chunk).expect("encode");
        let decoded = Chunk::from_msgpack(&bytes, &Limits::default()).expect("decode");
        prop_assert_eq!(&decoded.chunk_id, &chunk.chunk_id);
        prop_assert!(same_bits(&decoded.points, &chunk.points));
    }

    #[test]
    fn json_round_trip_keeps_values_and_non_finite_ones(points in any_points(100)) {
        prop_assume!(!points.is_empty());
        let chunk = Chunk { chunk_id: "c".into(), points };
        let decoded = Chunk::from_json(&to_json(&chunk), &Limits::default()).expect("decode");
        prop_assert_eq!(decoded.points.len(), chunk.points.len());
        for (got, want) in decoded.points.iter().zip(&chunk.points) {
            prop_assert_eq!(&got.metric, &want.metric);
            prop_assert_eq!(got.step, want.step);
            prop_assert!(got.value.to_bits() == want.value.to_bits() || (got.value.is_nan() && want.value.is_nan()));
            prop_assert_eq!(got.wall_time, want.wall_time);
        }
    }

    #[test]
    fn summarize_equals_a_naive_computation(points in any_points(200)) {
        let points = deduplicated(&points);
        let summaries = summarize(&ChunkSeries::from_points(points.clone()));
        let mut by_metric: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
        for p in &points {
            by_metric.entry(p.metric.clone()).or_default().push((p.step, p.value));
        }
        prop_assert_eq!(summaries.len(), by_metric.len());
        for (metric, values) in &by_metric {
            let expected = naive_summary(values);
            prop_assert!(same_summary(&summaries[metric], &expected), "{:?} vs {:?}", summaries[metric], expected);
        }
    }

    #[test]
    fn merging_summaries_of_two_step_ranges_equals_summarizing_all(points in any_points(200), split in 0..61u64) {
        let points = deduplicated(&points);
        let (earlier, later): (Vec<Point>, Vec<Point>) = points.iter().cloned().partition(|p| p.step < split);
        let summarize = |points: Vec<Point>| summarize(&ChunkSeries::from_points(points));
        let whole = summarize(points);
        let (earlier, later) = (summarize(earlier), summarize(later));
        for (metric, expected) in &whole {
            let first = earlier.get(metric).copied().unwrap_or(Summary::EMPTY);
            let second = later.get(metric).copied().unwrap_or(Summary::EMPTY);
            let merged = first.merge(&second);
            prop_assert!(same_summary(&merged, expected), "{:?} vs {:?}", merged, expected);
        }
    }

    #[test]
    fn merge_series_lets_the_last_write_win(chunks in prop::collection::vec(any_points(50), 0..6)) {
        let mut model: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
        for p in chunks.iter().flatten().filter(|p| p.metric == "loss") {
            model.insert(p.step, (p.value, p.wall_time));
        }
        let chunks: Vec<ChunkSeries> = chunks.into_iter().map(ChunkSeries::from_points).collect();
        let series = merge_series(&chunks, "loss");
        prop_assert_eq!(&series.steps, &model.keys().copied().collect::<Vec<_>>());
        let values: Vec<u64> = model.values().map(|(v, _)| v.to_bits()).collect();
        prop_assert_eq!(series.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), values);
        prop_assert_eq!(series.wall_times.len(), series.steps.len());
    }

    #[test]
    fn in_range_keeps_exactly_the_steps_between_the_bounds(
        series in series_strategy(), from in proptest::option::of(0..1300u64), to in proptest::option::of(0..1300u64)
    ) {
        let cut = in_range(&series, from, to);
        let expected: Vec<u64> = series.steps.iter().copied()
            .filter(|s| from.is_none_or(|f| *s >= f) && to.is_none_or(|t| *s <= t)).collect();
        prop_assert_eq!(cut.steps, expected);
    }

    #[test]
    fn downsample_keeps_the_ends_the_extremes_and_a_nan(series in series_strategy(), max_points in 0..60usize) {
        for method in [Downsample::MinMax, Downsample::Lttb] {
            let output = downsample(&series, max_points, method);
            prop_assert!(output.len() <= max_points.max(2).max(series.len().min(2)));
            prop_assert!(output.steps.windows(2).all(|pair| pair[0] < pair[1]));
            if series.is_empty() {
                prop_assert!(output.is_empty());
                continue;
            }
            prop_assert_eq!(output.steps.first(), series.steps.first());
            prop_assert_eq!(output.steps.last(), series.steps.last());
            let has_nan = |s: &Series| s.values.iter().any(|v| v.is_nan());
            if max_points >= 5 && has_nan(&series) {
                prop_assert!(has_nan(&output), "{:?} lost every nan", method);
            }
            if method == Downsample::MinMax && max_points >= 5 {
                let extreme = |pick: fn(f64, f64) -> f64, s: &Series| {
                    s.values.iter().copied().filter(|v| !v.is_nan()).reduce(pick)
                };
                prop_assert_eq!(extreme(f64::min, &output), extreme(f64::min, &series));
                prop_assert_eq!(extreme(f64::max, &output), extreme(f64::max, &series));
            }
        }
    }
}
