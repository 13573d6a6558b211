//! Chunk validation and the number forms both decoders accept.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::{Chunk, Limits};
use crate::{Error, Result};

/// Shorthand for the validation error every check returns.
pub(super) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Refuses a body over [`Limits::max_body_bytes`] before any parsing.
pub(super) fn check_body_size(bytes: &[u8], limits: &Limits) -> Result<()> {
    if bytes.len() > limits.max_body_bytes {
        return Err(invalid(
            "body",
            format!(
                "body is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_body_bytes
            ),
        ));
    }
    Ok(())
}

/// Whether a chunk id character is allowed: `[A-Za-z0-9._:-]`.
fn is_chunk_id_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | ':' | '-')
}

impl Chunk {
    /// Checks the chunk against `limits`; both decoders call it.
    ///
    /// The chunk id is 1..=[`Limits::max_chunk_id_chars`] characters of `[A-Za-z0-9._:-]`;
    /// there is at least one point and at most [`Limits::max_points`]; metric names are
    /// 1..=[`Limits::max_metric_name_chars`] characters without control characters; at most
    /// [`Limits::max_metrics_per_chunk`] distinct names; wall times are finite. The error
    /// names the first offending field (`chunkId`, `points`, `points[3].metric`,
    /// `points[3].wallTime`).
    pub fn validate(&self, limits: &Limits) -> Result<()> {
        validate_chunk_id(&self.chunk_id, limits)?;
        if self.points.is_empty() {
            return Err(invalid("points", "a chunk needs at least one point"));
        }
        if self.points.len() > limits.max_points {
            return Err(invalid(
                "points",
                format!(
                    "{} points, more than the limit of {} per chunk",
                    self.points.len(),
                    limits.max_points
                ),
            ));
        }
        // Names repeat on nearly every point: check each distinct name once. The set is
        // looked up once per point, so it hashes with foldhash (SipHash was half of validating
        // a 10,000-point chunk); at most `max_metrics_per_chunk` names ever enter it.
        let mut distinct_metrics: HashSet<&str, foldhash::fast::RandomState> = HashSet::default();
        for (index, point) in self.points.iter().enumerate() {
            if !distinct_metrics.contains(point.metric.as_str()) {
                validate_metric_name(&point.metric, index, limits)?;
                if distinct_metrics.len() == limits.max_metrics_per_chunk {
                    return Err(invalid(
                        format!("points[{index}].metric"),
                        format!(
                            "more than {} distinct metrics in one chunk",
                            limits.max_metrics_per_chunk
                        ),
                    ));
                }
                distinct_metrics.insert(&point.metric);
            }
            if !point.wall_time.is_finite() {
                return Err(invalid(
                    format!("points[{index}].wallTime"),
                    "must be a finite number of unix seconds",
                ));
            }
        }
        Ok(())
    }
}

fn validate_chunk_id(chunk_id: &str, limits: &Limits) -> Result<()> {
    let length = chunk_id.chars().count();
    if length == 0 || length > limits.max_chunk_id_chars {
        return Err(invalid(
            "chunkId",
            format!(
                "must be 1 to {} characters, got {length}",
                limits.max_chunk_id_chars
            ),
        ));
    }
    if let Some(bad) = chunk_id.chars().find(|&c| !is_chunk_id_char(c)) {
        return Err(invalid(
            "chunkId",
            format!("may only hold letters, digits and . _ : - (found {bad:?})"),
        ));
    }
    Ok(())
}

fn validate_metric_name(name: &str, index: usize, limits: &Limits) -> Result<()> {
    let field = || format!("points[{index}].metric");
    let length = name.chars().count();
    if length == 0 || length > limits.max_metric_name_chars {
        return Err(invalid(
            field(),
            format!(
                "a metric name must be 1 to {} characters, got {length}",
                limits.max_metric_name_chars
            ),
        ));
    }
    if let Some(bad) = name.chars().find(|c| c.is_control()) {
        return Err(invalid(
            field(),
            format!("a metric name may not hold control characters (found {bad:?})"),
        ));
    }
    Ok(())
}

/// A step as it arrived: decoders accept any number and refuse bad ones with the point's index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StepNumber {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

impl StepNumber {
    /// The step, or the reason it is not one; `field` is e.g. `points[3].step`.
    pub(super) fn into_step(self, field: impl FnOnce() -> String) -> Result<u64> {
        match self {
            StepNumber::Unsigned(step) => Ok(step),
            StepNumber::Negative(step) => Err(invalid(
                field(),
                format!("a step must not be negative, got {step}"),
            )),
            // Whole floats below 2^64 are exact steps (`10.0` from a language without ints).
            StepNumber::Float(step)
                if step.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&step) =>
            {
                Ok(step as u64)
            }
            StepNumber::Float(step) if step < 0.0 => Err(invalid(
                field(),
                format!("a step must not be negative, got {step}"),
            )),
            StepNumber::Float(step) => Err(invalid(
                field(),
                format!("a step must be a whole number from 0 to 2^64-1, got {step}"),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for StepNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl Visitor<'_> for StepVisitor {
            type Value = StepNumber;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a non-negative whole number")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<StepNumber, E> {
                Ok(StepNumber::Unsigned(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<StepNumber, E> {
                Ok(u64::try_from(value)
                    .map(StepNumber::Unsigned)
                    .unwrap_or(StepNumber::Negative(value)))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<StepNumber, E> {
                Ok(StepNumber::Float(value))
            }
        }
        deserializer.deserialize_any(StepVisitor)
    }
}

/// A value as it arrived: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FloatValue(pub(super) f64);

impl<'de> Deserialize<'de> for FloatValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FloatVisitor;
        impl Visitor<'_> for FloatVisitor {
            type Value = FloatValue;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str(r#"a number or one of "NaN", "Infinity", "-Infinity""#)
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<FloatValue, E> {
                Ok(FloatValue(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<FloatValue, E> {
                Ok(FloatValue(value as f64))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<FloatValue, E> {
                Ok(FloatValue(value as f64))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<FloatValue, E> {
                match value {
                    "NaN" => Ok(FloatValue(f64::NAN)),
                    "Infinity" => Ok(FloatValue(f64::INFINITY)),
                    "-Infinity" => Ok(FloatValue(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
                }
            }
        }
        deserializer.deserialize_any(FloatVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Point;

    fn point(metric: &str, step: u64) -> Point {
        Point {
            metric: metric.into(),
            step,
            value: 1.0,
            wall_time: 1.0,
        }
    }

    fn field_of(result: Result<()>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected an invalid error, got {other:?}"),
        }
    }

    #[test]
    fn validate_accepts_a_plain_chunk() {
        let chunk = Chunk {
            chunk_id: "run-1:0.a_b".into(),
            points: vec![point("loss", 0), point("eval/acc", 1)],
        };
        chunk.validate(&Limits::default()).expect("valid");
    }

    #[test]
    fn validate_refuses_too_many_distinct_metrics_and_names_the_point() {
        let limits = Limits {
            max_metrics_per_chunk: 2,
            ..Limits::default()
        };
        let chunk = Chunk {
            chunk_id: "c".into(),
            points: vec![point("a", 0), point("b", 0), point("a", 1), point("c", 0)],
        };
        assert_eq!(field_of(chunk.validate(&limits)), "points[3].metric");
    }

    #[test]
    fn validate_refuses_a_non_finite_wall_time() {
        let mut bad = point("a", 0);
        bad.wall_time = f64::NAN;
        let chunk = Chunk {
            chunk_id: "c".into(),
            points: vec![point("a", 1), bad],
        };
        assert_eq!(field_of(chunk.validate(&Limits::default())), "points[1].wallTime");
    }

    #[test]
    fn whole_float_steps_are_steps_and_others_are_refused() {
        let field = || "points[0].step".to_string();
        assert_eq!(StepNumber::Float(10.0).into_step(field).ok(), Some(10));
        assert!(StepNumber::Float(1.5).into_step(field).is_err());
        assert!(StepNumber::Float(-1.0).into_step(field).is_err());
        assert!(StepNumber::Float(f64::NAN).into_step(field).is_err());
        assert!(StepNumber::Float(1e20).into_step(field).is_err());
        assert!(StepNumber::Negative(-3).into_step(field).is_err());
    }
}
