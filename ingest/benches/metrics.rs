//! Metric-series throughput: Parquet encode/decode of a 1,000,000-point chunk set, bytes per
//! point on disk, chunk decoding (JSON, MessagePack), and merging 1,000,000 points of one
//! metric and downsampling them to 2,000 (min/max and LTTB).
//!
//! `cargo bench -p ingest --bench metrics`. Each figure is the best of 3 runs on one thread.
//! The data imitates a training run: 10 chunks of 100,000 points, 4 metrics (a noisy
//! decaying loss, an accuracy, a learning-rate schedule, a gradient norm with spikes and a
//! few NaNs), steps increasing, wall times 50 ms apart.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ingest::metrics::{
    decode_parquet, downsample, encode_msgpack, encode_parquet, merge_series, Chunk, ChunkSeries, Downsample,
    Limits, Point,
};

const CHUNKS: usize = 10;
const POINTS_PER_CHUNK: usize = 100_000;
const METRICS: [&str; 4] = ["train/loss", "train/accuracy", "lr", "grad_norm"];

/// A small deterministic generator, so runs are comparable without a rand dependency.
struct XorShift(u64);

impl XorShift {
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn training_run() -> Vec<Vec<Point>> {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut chunks = Vec::with_capacity(CHUNKS);
    for chunk_index in 0..CHUNKS {
        let mut points = Vec::with_capacity(POINTS_PER_CHUNK);
        for offset in 0..POINTS_PER_CHUNK {
            let row = chunk_index * POINTS_PER_CHUNK + offset;
            let step = (row / METRICS.len()) as u64;
            let metric = METRICS[row % METRICS.len()];
            let progress = step as f64 / 250_000.0;
            let noise = random.next_unit() - 0.5;
            let value = match metric {
                "train/loss" => 2.5 * (-3.0 * progress).exp() + 0.05 * noise,
                "train/accuracy" => 1.0 - 0.9 * (-4.0 * progress).exp() + 0.01 * noise,
                "lr" => 3e-4 * (1.0 + (std::f64::consts::PI * progress).cos()) / 2.0,
                _ if random.next_unit() < 0.0001 => f64::NAN,
                _ if random.next_unit() < 0.001 => 50.0 + 100.0 * noise,
                _ => 1.0 + noise,
            };
            points.push(Point {
                metric: metric.to_string(),
                step,
                value,
                wall_time: 1_700_000_000.0 + step as f64 * 0.05,
            });
        }
        chunks.push(points);
    }
    chunks
}

/// The best of 3 runs of `work`, and its last result.
fn best_of_3<T>(mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..3 {
        let started = Instant::now();
        let output = black_box(work());
        best = best.min(started.elapsed());
        result = Some(output);
    }
    (best, result.expect("three runs"))
}

fn per_second(points: usize, elapsed: Duration) -> String {
    format!("{:.1} M points/s", points as f64 / elapsed.as_secs_f64() / 1e6)
}

fn main() {
    let chunks = training_run();
    let total: usize = chunks.iter().map(Vec::len).sum();
    println!(
        "metric series, {total} points in {CHUNKS} chunks, {} metrics",
        METRICS.len()
    );

    let (elapsed, grouped) = best_of_3(|| {
        chunks
            .iter()
            .map(|points| ChunkSeries::from_points(points.clone()))
            .collect::<Vec<_>>()
    });
    println!(
        "group by metric (copy included), {CHUNKS} chunks: {}",
        per_second(total, elapsed)
    );
    let (elapsed, objects) = best_of_3(|| {
        grouped
            .iter()
            .map(|chunk| encode_parquet(chunk).expect("encode"))
            .collect::<Vec<_>>()
    });
    let stored: usize = objects.iter().map(|object| object.len()).sum();
    println!("parquet encode, {CHUNKS} objects: {}", per_second(total, elapsed));
    println!(
        "parquet size, {CHUNKS} objects: {stored} bytes, {:.2} bytes/point",
        stored as f64 / total as f64
    );
    let (elapsed, decoded) = best_of_3(|| {
        objects
            .iter()
            .map(|object| decode_parquet(object).expect("decode"))
            .collect::<Vec<_>>()
    });
    println!("parquet decode, {CHUNKS} objects: {}", per_second(total, elapsed));

    let (elapsed, all) = best_of_3(|| ChunkSeries::merge(&grouped));
    println!("merge {CHUNKS} chunks into one: {}", per_second(total, elapsed));
    let (elapsed, compacted) = best_of_3(|| encode_parquet(&all).expect("encode"));
    println!(
        "parquet encode, 1 compacted object: {}, {:.2} bytes/point",
        per_second(total, elapsed),
        compacted.len() as f64 / total as f64
    );
    let (elapsed, _) = best_of_3(|| decode_parquet(&compacted).expect("decode"));
    println!(
        "parquet decode, 1 compacted object: {}",
        per_second(total, elapsed)
    );

    let limits = Limits::default();
    let as_chunk = |points: &Vec<Point>| Chunk {
        chunk_id: "bench-chunk".into(),
        points: points.clone(),
    };
    let msgpack: Vec<Vec<u8>> = chunks
        .iter()
        .map(|points| encode_msgpack(&as_chunk(points)).expect("msgpack"))
        .collect();
    let (elapsed, _) = best_of_3(|| {
        for body in &msgpack {
            Chunk::from_msgpack(body, &limits).expect("decode");
        }
    });
    let msgpack_bytes: usize = msgpack.iter().map(Vec::len).sum();
    println!(
        "msgpack chunk decode+validate: {}, {:.2} bytes/point on the wire",
        per_second(total, elapsed),
        msgpack_bytes as f64 / total as f64
    );
    let json: Vec<Vec<u8>> = chunks.iter().map(|points| json_body(points)).collect();
    let (elapsed, _) = best_of_3(|| {
        for body in &json {
            Chunk::from_json(body, &limits).expect("decode");
        }
    });
    let json_bytes: usize = json.iter().map(Vec::len).sum();
    println!(
        "json chunk decode+validate: {}, {:.2} bytes/point on the wire",
        per_second(total, elapsed),
        json_bytes as f64 / total as f64
    );

    // One metric of 1,000,000 points: the decoded chunks relabelled to a single metric.
    let one_metric: Vec<ChunkSeries> = decoded
        .into_iter()
        .map(|chunk| {
            let points = chunk
                .to_points()
                .into_iter()
                .enumerate()
                .map(|(index, mut point)| {
                    point.step = point.step * METRICS.len() as u64 + (index % METRICS.len()) as u64;
                    point.metric = "grad_norm".into();
                    point
                })
                .collect();
            ChunkSeries::from_points(points)
        })
        .collect();
    let (merge_elapsed, series) = best_of_3(|| merge_series(&one_metric, "grad_norm"));
    println!(
        "merge_series, {} points of one metric: {:.1} ms",
        series.len(),
        merge_elapsed.as_secs_f64() * 1e3
    );
    for (name, method) in [("min/max", Downsample::MinMax), ("lttb", Downsample::Lttb)] {
        let (elapsed, output) = best_of_3(|| downsample(&series, 2_000, method));
        let (merged_and_downsampled, _) =
            best_of_3(|| downsample(&merge_series(&one_metric, "grad_norm"), 2_000, method));
        println!(
            "downsample to 2,000 ({name}): {:.1} ms ({} points kept); merge+downsample: {:.1} ms",
            elapsed.as_secs_f64() * 1e3,
            output.len(),
            merged_and_downsampled.as_secs_f64() * 1e3
        );
    }
}

fn json_body(points: &[Point]) -> Vec<u8> {
    let points: Vec<serde_json::Value> = points
        .iter()
        .map(|point| {
            let value = if point.value.is_nan() {
                serde_json::json!("NaN")
            } else {
                serde_json::json!(point.value)
            };
            serde_json::json!({"metric": point.metric, "step": point.step, "value": value,
                               "wallTime": point.wall_time})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"chunkId": "bench-chunk", "points": points})).expect("json")
}
