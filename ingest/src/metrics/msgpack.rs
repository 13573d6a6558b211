//! The MessagePack (columnar) chunk decoder; the format is documented in [`crate::metrics`].

use serde::Deserialize;

use super::chunk::{check_body_size, invalid, StepNumber};
use super::{now_unix_seconds, Chunk, Limits, Point};
use crate::Result;

/// The columnar chunk exactly as the SDK encodes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    chunk_id: String,
    metrics: Vec<String>,
    metric: Vec<u32>,
    step: Vec<StepNumber>,
    value: Vec<f64>,
    #[serde(default)]
    wall_time: Option<Vec<f64>>,
}

impl Chunk {
    /// Decodes and validates a MessagePack chunk in the SDK's columnar form
    /// (`chunk_id`, `metrics`, `metric`, `step`, `value`, optional `wall_time`).
    ///
    /// A body that is not such a map is refused with the field `body`; columns of unequal
    /// length name the column; a metric index outside `metrics` names it (`metric[5]`); see
    /// [`Chunk::validate`] for the limits.
    pub fn from_msgpack(bytes: &[u8], limits: &Limits) -> Result<Chunk> {
        check_body_size(bytes, limits)?;
        let columns: Columns = rmp_serde::from_slice(bytes)
            .map_err(|error| invalid("body", format!("not a msgpack metric chunk: {error}")))?;
        let chunk = columns.into_chunk(limits)?;
        chunk.validate(limits)?;
        Ok(chunk)
    }
}

impl Columns {
    fn into_chunk(self, limits: &Limits) -> Result<Chunk> {
        let point_count = self.metric.len();
        if point_count > limits.max_points {
            return Err(invalid(
                "points",
                format!(
                    "{point_count} points, more than the limit of {} per chunk",
                    limits.max_points
                ),
            ));
        }
        if self.metrics.len() > limits.max_metrics_per_chunk {
            return Err(invalid(
                "metrics",
                format!(
                    "{} names, more than the limit of {} distinct metrics per chunk",
                    self.metrics.len(),
                    limits.max_metrics_per_chunk
                ),
            ));
        }
        let wall_time_count = self.wall_time.as_ref().map_or(point_count, Vec::len);
        for (column, length) in [
            ("step", self.step.len()),
            ("value", self.value.len()),
            ("wall_time", wall_time_count),
        ] {
            if length != point_count {
                return Err(invalid(
                    column,
                    format!("has {length} entries but `metric` has {point_count}"),
                ));
            }
        }
        let now = now_unix_seconds();
        let mut points = Vec::with_capacity(point_count);
        for index in 0..point_count {
            let metric_index = self.metric[index];
            let Some(metric) = self.metrics.get(metric_index as usize) else {
                return Err(invalid(
                    format!("metric[{index}]"),
                    format!(
                        "index {metric_index} is out of range: `metrics` has {} names",
                        self.metrics.len()
                    ),
                ));
            };
            let step = self.step[index].into_step(|| format!("points[{index}].step"))?;
            let wall_time = self.wall_time.as_ref().map_or(now, |times| times[index]);
            points.push(Point {
                metric: metric.clone(),
                step,
                value: self.value[index],
                wall_time,
            });
        }
        Ok(Chunk {
            chunk_id: self.chunk_id,
            points,
        })
    }
}

/// Encodes a chunk in the columnar MessagePack form (what the SDK sends); used by tests,
/// benchmarks and Rust clients.
pub fn encode_msgpack(chunk: &Chunk) -> Result<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct ColumnsOut<'a> {
        chunk_id: &'a str,
        metrics: Vec<&'a str>,
        metric: Vec<u32>,
        step: Vec<u64>,
        value: Vec<f64>,
        wall_time: Vec<f64>,
    }
    let mut metrics: Vec<&str> = Vec::new();
    // One lookup per point: foldhash, not SipHash.
    let mut index_of: std::collections::HashMap<&str, u32, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    let mut metric = Vec::with_capacity(chunk.points.len());
    for point in &chunk.points {
        let index = match index_of.get(point.metric.as_str()) {
            Some(&index) => index,
            None => {
                let index = u32::try_from(metrics.len())
                    .map_err(|_| invalid("points", "more than 2^32 distinct metrics"))?;
                metrics.push(&point.metric);
                index_of.insert(&point.metric, index);
                index
            }
        };
        metric.push(index);
    }
    let columns = ColumnsOut {
        chunk_id: &chunk.chunk_id,
        metrics,
        metric,
        step: chunk.points.iter().map(|p| p.step).collect(),
        value: chunk.points.iter().map(|p| p.value).collect(),
        wall_time: chunk.points.iter().map(|p| p.wall_time).collect(),
    };
    rmp_serde::to_vec_named(&columns)
        .map_err(|error| crate::Error::Internal(format!("encoding a msgpack chunk: {error}")))
}
