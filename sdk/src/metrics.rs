//! The in-memory metric buffer behind `log_metric`, and its MessagePack chunk encoding (the
//! columnar form the server's `POST …/metrics` reads: `chunk_id`, `metrics`, `metric`,
//! `step`, `value`, `wall_time`).
//!
//! A logging call appends one point to four columns under a mutex; names are interned once
//! per run, so a call costs a hash lookup and four pushes. The writer thread takes the whole
//! buffer at once ([`PointBuffer::take`]) and cuts it into chunks within the server's limits.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Error, Result};

/// Most points in one chunk (the server accepts 100,000).
pub const MAX_CHUNK_POINTS: usize = 50_000;
/// Most distinct metrics in one chunk (the server's limit).
pub const MAX_CHUNK_METRICS: usize = 1_000;
/// Longest metric name, in characters (the server's limit).
pub const MAX_NAME_CHARS: usize = 200;

/// Points logged and not yet taken by the writer, plus each metric's last step.
#[derive(Debug, Default)]
pub struct PointBuffer {
    names: Vec<String>,
    ids: HashMap<String, u32>,
    last_step: Vec<Option<u64>>,
    metric: Vec<u32>,
    step: Vec<u64>,
    value: Vec<f64>,
    wall_time: Vec<f64>,
}

/// Points taken from the buffer, by interned metric id.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Points {
    pub metric: Vec<u32>,
    pub step: Vec<u64>,
    pub value: Vec<f64>,
    pub wall_time: Vec<f64>,
}

impl PointBuffer {
    /// Appends a point; `step` `None` continues the metric's own count (0 first). Answers the
    /// step used.
    pub fn push(&mut self, name: &str, value: f64, step: Option<u64>, wall_time: f64) -> Result<u64> {
        // The server refuses a whole chunk for one bad wall time: refuse the point here.
        check_wall_time(wall_time)?;
        let id = match self.ids.get(name) {
            Some(id) => *id,
            None => self.intern(name)?,
        };
        let last = &mut self.last_step[id as usize];
        let step = step.unwrap_or_else(|| last.map_or(0, |last| last + 1));
        *last = Some(last.map_or(step, |last| last.max(step)));
        self.metric.push(id);
        self.step.push(step);
        self.value.push(value);
        self.wall_time.push(wall_time);
        Ok(step)
    }

    fn intern(&mut self, name: &str) -> Result<u32> {
        check_name(name)?;
        let id = u32::try_from(self.names.len()).map_err(|_| Error::invalid("name", "too many metrics"))?;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        self.last_step.push(None);
        Ok(id)
    }

    /// Starts `name`'s automatic steps after `step` (a resumed run).
    pub fn continue_after(&mut self, name: &str, step: u64) -> Result<()> {
        let id = match self.ids.get(name) {
            Some(id) => *id,
            None => self.intern(name)?,
        };
        self.last_step[id as usize] = Some(step);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.metric.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metric.is_empty()
    }

    /// Takes every buffered point, leaving the buffer empty (names and steps stay).
    pub fn take(&mut self) -> Points {
        Points {
            metric: std::mem::take(&mut self.metric),
            step: std::mem::take(&mut self.step),
            value: std::mem::take(&mut self.value),
            wall_time: std::mem::take(&mut self.wall_time),
        }
    }

    /// The interned names (id = index).
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Checks a metric name the way the server does (non-empty, at most 200 characters, no
/// control characters).
pub fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "a metric name must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!(
                "`{}…` is longer than {MAX_NAME_CHARS} characters",
                name.chars().take(40).collect::<String>()
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            format!("{name:?} contains control characters"),
        ));
    }
    Ok(())
}

/// Checks a point's wall time the way the server does (finite unix seconds).
pub fn check_wall_time(wall_time: f64) -> Result<()> {
    if !wall_time.is_finite() {
        return Err(Error::invalid(
            "wall_time",
            format!("{wall_time} is not a finite number of unix seconds"),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct WireChunk<'a> {
    chunk_id: &'a str,
    metrics: Vec<&'a str>,
    metric: Vec<u32>,
    step: &'a [u64],
    value: &'a [f64],
    wall_time: &'a [f64],
}

/// Cuts `points` into chunks within the server's limits and encodes each as MessagePack;
/// `chunk_id(i)` names the i-th chunk.
pub fn encode_chunks(
    names: &[String],
    points: &Points,
    mut chunk_id: impl FnMut() -> String,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < points.metric.len() {
        let mut local: HashMap<u32, u32> = HashMap::new();
        let mut end = start;
        while end < points.metric.len() && end - start < MAX_CHUNK_POINTS {
            let id = points.metric[end];
            if !local.contains_key(&id) {
                if local.len() == MAX_CHUNK_METRICS {
                    break;
                }
                let next = local.len() as u32;
                local.insert(id, next);
            }
            end += 1;
        }
        let mut metrics = vec![""; local.len()];
        for (id, index) in &local {
            metrics[*index as usize] = names.get(*id as usize).map_or("", String::as_str);
        }
        let id = chunk_id();
        let wire = WireChunk {
            chunk_id: &id,
            metrics,
            metric: points.metric[start..end].iter().map(|id| local[id]).collect(),
            step: &points.step[start..end],
            value: &points.value[start..end],
            wall_time: &points.wall_time[start..end],
        };
        let bytes = rmp_serde::to_vec_named(&wire)
            .map_err(|error| Error::Internal(format!("encoding a chunk: {error}")))?;
        chunks.push((id, bytes));
        start = end;
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_continue_per_metric() -> Result<()> {
        let mut buffer = PointBuffer::default();
        assert_eq!(buffer.push("loss", 1.0, None, 0.0)?, 0);
        assert_eq!(buffer.push("loss", 0.5, None, 0.0)?, 1);
        assert_eq!(buffer.push("acc", 0.1, Some(10), 0.0)?, 10);
        assert_eq!(buffer.push("acc", 0.2, None, 0.0)?, 11);
        assert_eq!(buffer.push("loss", 0.4, Some(7), 0.0)?, 7);
        assert_eq!(buffer.push("loss", 0.3, None, 0.0)?, 8);
        Ok(())
    }

    #[test]
    fn bad_names_are_refused_with_the_field() {
        let mut buffer = PointBuffer::default();
        for name in ["", "  ", "a\nb"] {
            let error = buffer.push(name, 1.0, None, 0.0).err().map(|e| e.to_string());
            assert!(error.is_some_and(|e| e.starts_with("name:")), "{name:?}");
        }
        let long = "x".repeat(201);
        assert!(buffer.push(&long, 1.0, None, 0.0).is_err());
        assert!(buffer.is_empty());
    }

    #[test]
    fn chunks_respect_the_point_and_metric_limits() -> Result<()> {
        let mut buffer = PointBuffer::default();
        for index in 0..(MAX_CHUNK_POINTS + 10) {
            buffer.push(
                &format!("m{}", index % 1500),
                index as f64,
                Some(index as u64),
                1.0,
            )?;
        }
        let points = buffer.take();
        let mut next = 0;
        let chunks = encode_chunks(buffer.names(), &points, || {
            next += 1;
            format!("run:{next}")
        })?;
        let mut total = 0;
        for (_, bytes) in &chunks {
            let decoded: serde_json::Value =
                rmp_serde::from_slice(bytes).map_err(|e| Error::Internal(e.to_string()))?;
            let metrics = decoded["metrics"].as_array().map_or(0, Vec::len);
            let count = decoded["step"].as_array().map_or(0, Vec::len);
            assert!(metrics <= MAX_CHUNK_METRICS && count <= MAX_CHUNK_POINTS);
            total += count;
        }
        assert_eq!(total, MAX_CHUNK_POINTS + 10);
        assert!(buffer.is_empty());
        Ok(())
    }
}
