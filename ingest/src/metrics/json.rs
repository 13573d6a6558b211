//! The JSON chunk decoder (see the module docs of [`crate::metrics`] for the format).
//!
//! Hand-written visitors instead of a derive so that every refusal names its point
//! (`points[3].step`) while parsing streams straight into [`Point`]s, without an
//! intermediate `serde_json::Value` tree.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::chunk::{check_body_size, invalid, FloatValue, StepNumber};
use super::{now_unix_seconds, Chunk, Limits, Point};
use crate::{Error, Result};

impl Chunk {
    /// Decodes and validates a JSON chunk:
    /// `{"chunkId": "...", "points": [{"metric", "step", "value", "wallTime"?}, ...]}`.
    ///
    /// Malformed JSON is refused with the field `body`; a bad point names itself
    /// (`points[3].value`); see [`Chunk::validate`] for the limits.
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<Chunk> {
        check_body_size(bytes, limits)?;
        let mut failure: Option<Error> = None;
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let seed = ChunkSeed {
            limits,
            now: now_unix_seconds(),
            failure: &mut failure,
        };
        let parsed = seed
            .deserialize(&mut deserializer)
            .and_then(|chunk| deserializer.end().map(|()| chunk));
        match parsed {
            Ok(chunk) => {
                chunk.validate(limits)?;
                Ok(chunk)
            }
            // Broken JSON is the body's fault wherever it breaks (the position says where);
            // a well-formed but wrong value has the precise field a visitor recorded.
            Err(error) if error.is_syntax() || error.is_eof() => {
                Err(invalid("body", format!("malformed json: {error}")))
            }
            Err(error) => Err(failure.unwrap_or_else(|| invalid("body", error.to_string()))),
        }
    }
}

/// The reason of a serde error without serde_json's ` at line 1 column 42` suffix, which
/// the field name makes redundant.
fn reason_of(error: &impl fmt::Display) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(position) => message[..position].to_string(),
        None => message,
    }
}

/// Records the first precise failure and returns a serde error that aborts parsing.
fn fail<E: de::Error>(failure: &mut Option<Error>, field: String, reason: String) -> E {
    let error = E::custom(&reason);
    if failure.is_none() {
        *failure = Some(invalid(field, reason));
    }
    error
}

/// Records the first precise failure and passes the parser's own error on unchanged, so
/// syntax errors stay syntax errors (see [`Chunk::from_json`]).
fn record<E: de::Error>(failure: &mut Option<Error>, field: String, error: E) -> E {
    if failure.is_none() {
        *failure = Some(invalid(field, reason_of(&error)));
    }
    error
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ChunkField {
    #[serde(rename = "chunkId")]
    ChunkId,
    #[serde(rename = "points")]
    Points,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum PointField {
    #[serde(rename = "metric")]
    Metric,
    #[serde(rename = "step")]
    Step,
    #[serde(rename = "value")]
    Value,
    #[serde(rename = "wallTime")]
    WallTime,
}

struct ChunkSeed<'a> {
    limits: &'a Limits,
    now: f64,
    failure: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for ChunkSeed<'_> {
    type Value = Chunk;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Chunk, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChunkSeed<'_> {
    type Value = Chunk;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object with chunkId and points")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Chunk, A::Error> {
        let mut chunk_id: Option<String> = None;
        let mut points: Option<Vec<Point>> = None;
        while let Some(key) = map
            .next_key::<ChunkField>()
            .map_err(|error| record(self.failure, "body".into(), error))?
        {
            match key {
                ChunkField::ChunkId => {
                    if chunk_id.is_some() {
                        return Err(fail(self.failure, "chunkId".into(), "given twice".into()));
                    }
                    let value = map
                        .next_value::<String>()
                        .map_err(|error| record(self.failure, "chunkId".into(), error))?;
                    chunk_id = Some(value);
                }
                ChunkField::Points => {
                    if points.is_some() {
                        return Err(fail(self.failure, "points".into(), "given twice".into()));
                    }
                    let seed = PointsSeed {
                        limits: self.limits,
                        now: self.now,
                        failure: &mut *self.failure,
                    };
                    let value = map
                        .next_value_seed(seed)
                        .map_err(|error| record(self.failure, "points".into(), error))?;
                    points = Some(value);
                }
            }
        }
        let Some(chunk_id) = chunk_id else {
            return Err(fail(self.failure, "chunkId".into(), "is missing".into()));
        };
        let Some(points) = points else {
            return Err(fail(self.failure, "points".into(), "is missing".into()));
        };
        Ok(Chunk { chunk_id, points })
    }
}

struct PointsSeed<'a> {
    limits: &'a Limits,
    now: f64,
    failure: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for PointsSeed<'_> {
    type Value = Vec<Point>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Point>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PointsSeed<'_> {
    type Value = Vec<Point>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array of points")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Point>, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(self.limits.max_points);
        let mut points = Vec::with_capacity(capacity);
        loop {
            let index = points.len();
            // Stop at the limit instead of parsing (and allocating) the rest of the body.
            if index == self.limits.max_points {
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    let reason = format!(
                        "more than the limit of {} points per chunk",
                        self.limits.max_points
                    );
                    return Err(fail(self.failure, "points".into(), reason));
                }
                return Ok(points);
            }
            let seed = PointSeed {
                index,
                now: self.now,
                failure: &mut *self.failure,
            };
            match seq.next_element_seed(seed) {
                Ok(Some(point)) => points.push(point),
                Ok(None) => return Ok(points),
                Err(error) => return Err(record(self.failure, format!("points[{index}]"), error)),
            }
        }
    }
}

struct PointSeed<'a> {
    index: usize,
    now: f64,
    failure: &'a mut Option<Error>,
}

impl PointSeed<'_> {
    fn fail<E: de::Error>(&mut self, name: &str, reason: String) -> E {
        fail(self.failure, format!("points[{}].{name}", self.index), reason)
    }
}

impl<'de> DeserializeSeed<'de> for PointSeed<'_> {
    type Value = Point;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Point, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PointSeed<'_> {
    type Value = Point;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a point object with metric, step, value and wallTime")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Point, A::Error> {
        let mut metric: Option<String> = None;
        let mut step: Option<StepNumber> = None;
        let mut value: Option<FloatValue> = None;
        let mut wall_time: Option<Option<f64>> = None;
        loop {
            let key = match map.next_key::<PointField>() {
                Ok(Some(key)) => key,
                Ok(None) => break,
                Err(error) => {
                    let field = format!("points[{}]", self.index);
                    return Err(record(self.failure, field, error));
                }
            };
            let (name, already_given) = match key {
                PointField::Metric => ("metric", metric.is_some()),
                PointField::Step => ("step", step.is_some()),
                PointField::Value => ("value", value.is_some()),
                PointField::WallTime => ("wallTime", wall_time.is_some()),
            };
            if already_given {
                return Err(self.fail(name, "given twice".into()));
            }
            let parsed = match key {
                PointField::Metric => map.next_value().map(|v| metric = Some(v)),
                PointField::Step => map.next_value().map(|v| step = Some(v)),
                PointField::Value => map.next_value().map(|v| value = Some(v)),
                PointField::WallTime => map.next_value().map(|v| wall_time = Some(v)),
            };
            if let Err(error) = parsed {
                let field = format!("points[{}].{name}", self.index);
                return Err(record(self.failure, field, error));
            }
        }
        let Some(metric) = metric else {
            return Err(self.fail("metric", "is missing".into()));
        };
        let Some(step) = step else {
            return Err(self.fail("step", "is missing".into()));
        };
        let Some(FloatValue(value)) = value else {
            return Err(self.fail("value", "is missing".into()));
        };
        let index = self.index;
        let step = match step.into_step(|| format!("points[{index}].step")) {
            Ok(step) => step,
            Err(error) => {
                let reason = error.to_string();
                if self.failure.is_none() {
                    *self.failure = Some(error);
                }
                return Err(de::Error::custom(reason));
            }
        };
        Ok(Point {
            metric,
            step,
            value,
            wall_time: wall_time.flatten().unwrap_or(self.now),
        })
    }
}
