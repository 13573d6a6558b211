//! Metric series: the chunks the SDK sends, their on-disk form and how they are read back.
//!
//! The SDK batches scalar points (`metric`, `step`, `value`, `wall_time`) and sends them in
//! chunks. The server decodes and validates a chunk ([`Chunk::from_json`],
//! [`Chunk::from_msgpack`]), groups it by metric ([`ChunkSeries::from_points`]), stores it as
//! one immutable Parquet object ([`encode_parquet`]),
//! folds it into per-metric summaries ([`summarize`], [`Summary::merge`]) and, on read,
//! merges the stored chunks into one series per metric ([`merge_series`]), cuts a step range
//! ([`in_range`]) and downsamples it for charts ([`downsample`]). This module is pure: no
//! I/O, no graph, no HTTP.
//!
//! # JSON chunks (REST, `application/json`)
//!
//! ```json
//! {"chunkId": "run-7:000042",
//!  "points": [{"metric": "loss", "step": 10, "value": 0.42, "wallTime": 1700000000.5},
//!             {"metric": "loss", "step": 11, "value": "NaN"}]}
//! ```
//!
//! - `value` is a JSON number or one of the strings `"NaN"`, `"Infinity"`, `"-Infinity"`
//!   (JSON has no literal for them).
//! - `step` is a non-negative whole number (`10` and `10.0` are accepted, `-1` and `1.5` are
//!   refused with the field `points[i].step`).
//! - `wallTime` is unix seconds; when absent the server's clock at decoding time is used.
//! - Unknown keys are refused, so a typo such as `wall_time` is not silently dropped.
//!
//! # MessagePack chunks (the SDK, `application/msgpack`)
//!
//! A compact columnar form: one MessagePack map (string keys) with
//!
//! | key         | type                | meaning                                            |
//! |-------------|---------------------|----------------------------------------------------|
//! | `chunk_id`  | str                 | the chunk id (same rules as JSON `chunkId`)        |
//! | `metrics`   | array of str        | the distinct metric names of the chunk             |
//! | `metric`    | array of uint (u32) | per point: index into `metrics`                    |
//! | `step`      | array of uint (u64) | per point: the step                                |
//! | `value`     | array of float64    | per point: the value; NaN and ±inf are native      |
//! | `wall_time` | array of float64    | optional; per point: unix seconds (absent: now)    |
//!
//! All per-point arrays have the same length (the number of points); point `i` is
//! `(metrics[metric[i]], step[i], value[i], wall_time[i])`. Integers may use any MessagePack
//! integer width and `value`/`wall_time` entries may also be integers. Python:
//! `msgpack.packb({"chunk_id": cid, "metrics": names, "metric": idx, "step": steps,
//! "value": values, "wall_time": times})` (the default `use_single_float=False`).
//! Structural errors name the column (`metric[5]`, `wall_time`); errors about a point name it
//! as in JSON (`points[5].step`).
//!
//! # Validation
//!
//! Both decoders call [`Chunk::validate`]; every refusal is [`Error::Invalid`] with the field
//! (`chunkId`, `points`, `points[3].metric`, ...) and a reason stating the limit. See
//! [`Limits`] for the limits and their defaults.
//!
//! # Parquet objects
//!
//! [`encode_parquet`] writes four required columns: `metric` (UTF-8 string, dictionary
//! encoded), `step` (INT64 annotated unsigned, delta encoded), `value` and `wall_time` (DOUBLE,
//! byte-stream-split so zstd compresses them well; the bits are stored as they are, so NaN
//! payloads and ±inf survive). Rows go by metric, then step, one row group per metric (split
//! past 1,048,576 rows) whose `metric` statistics hold the full name, so [`decode_parquet`]
//! reads a group's metric without decoding that column. Codec zstd; pandas
//! (`pd.read_parquet`) and polars read it.

mod chunk;
mod downsample;
mod json;
mod msgpack;
mod parquet;
mod series;
mod summary;

pub use downsample::{downsample, downsample_by_step, overview, Downsample, OVERVIEW_POINTS};
pub use msgpack::encode_msgpack;
pub use parquet::{decode_parquet, encode_parquet};
pub use series::{in_range, merge_series, merge_series_between, ChunkSeries, Series};
pub use summary::{summarize, Recent, Summary, RECENT_POINTS};

#[cfg(doc)]
use crate::Error;

/// One scalar measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The metric's name, e.g. `loss` or `eval/accuracy`.
    pub metric: String,
    /// The training step (or any monotone counter the user chose).
    pub step: u64,
    /// The value; NaN and ±inf are legitimate values and are kept.
    pub value: f64,
    /// When the point was measured, in unix seconds.
    pub wall_time: f64,
}

/// A batch of points as the SDK sends it; the unit that is stored and acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The SDK's id for the chunk, so a retried upload is recognised.
    pub chunk_id: String,
    /// The points in the order they were written (later duplicates of a step win).
    pub points: Vec<Point>,
}

/// What a chunk may hold; [`Default`] gives the server's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded body accepted, in bytes. Default: 16 MiB.
    pub max_body_bytes: usize,
    /// Most points in one chunk. Default: 100,000.
    pub max_points: usize,
    /// Longest metric name, in characters. Default: 200.
    pub max_metric_name_chars: usize,
    /// Most distinct metric names in one chunk. Default: 1,000.
    pub max_metrics_per_chunk: usize,
    /// Longest chunk id, in characters. Default: 128.
    pub max_chunk_id_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_points: 100_000,
            max_metric_name_chars: 200,
            max_metrics_per_chunk: 1_000,
            max_chunk_id_chars: 128,
        }
    }
}

/// The current time in unix seconds, the default `wall_time` of points sent without one.
fn now_unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or(0.0)
}
