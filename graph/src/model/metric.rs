//! Metrics: a project's metric configuration, the manifest of an experiment's metric
//! chunks and the per-metric summaries kept on its `MEASURED` edges.
//!
//! The points themselves live in chunk files (the ingest crate); the graph records which
//! chunks exist and the summary of every metric an experiment measured, so tables and
//! leaderboards never read a chunk.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::ExperimentId;
use crate::model::NewAuditEntry;

/// The most distinct metrics one experiment may measure.
pub const MAX_METRICS_PER_EXPERIMENT: usize = 1_000;

/// Whether smaller or larger values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smaller is better (losses, errors).
    Minimize,
    /// Larger is better (accuracies, rewards).
    Maximize,
}

impl Direction {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "minimize" => Ok(Direction::Minimize),
            "maximize" => Ok(Direction::Maximize),
            other => Err(Error::invalid(
                "direction",
                format!("`{other}` is not minimize or maximize"),
            )),
        }
    }
}

/// Which value of a run represents it in tables and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    /// The value at the last step.
    Last,
    /// The best value in the metric's direction.
    Best,
    /// The mean of the finite values.
    Average,
}

impl Aggregation {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Last => "last",
            Aggregation::Best => "best",
            Aggregation::Average => "average",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "last" => Ok(Aggregation::Last),
            "best" => Ok(Aggregation::Best),
            "average" => Ok(Aggregation::Average),
            other => Err(Error::invalid(
                "aggregation",
                format!("`{other}` is not last, best or average"),
            )),
        }
    }
}

/// Where a metric's values come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MetricSource {
    /// Logged by the run.
    Scalar,
    /// Computed from other metrics with an expression of [`crate::metric_expr`].
    Derived {
        /// The expression, e.g. `1 - val/accuracy`.
        expression: String,
    },
}

/// How a project treats one metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricConfig {
    /// The metric's name as runs log it (1 to 200 characters, no control characters).
    pub name: String,
    /// Whether smaller or larger is better.
    pub direction: Direction,
    /// Which value represents a run.
    pub aggregation: Aggregation,
    /// Logged or derived.
    pub source: MetricSource,
}

/// A metric of a project: configured, measured by some experiment, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricInfo {
    /// The metric's name.
    pub name: String,
    /// `None` when the metric was measured but never configured.
    pub direction: Option<Direction>,
    /// `None` when the metric was measured but never configured.
    pub aggregation: Option<Aggregation>,
    /// [`MetricSource::Scalar`] for an unconfigured metric.
    pub source: MetricSource,
}

impl MetricInfo {
    /// The configuration, when the metric has one.
    pub fn config(&self) -> Option<MetricConfig> {
        Some(MetricConfig {
            name: self.name.clone(),
            direction: self.direction?,
            aggregation: self.aggregation?,
            source: self.source.clone(),
        })
    }
}

/// A chunk of metric points written by the ingest side, to be recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChunk {
    /// The chunk's id, unique within its experiment (retries reuse it).
    pub chunk_id: String,
    /// The content digest of the stored chunk file.
    pub digest: String,
    /// How many points it holds.
    pub points: i64,
    /// Its smallest step.
    pub min_step: i64,
    /// Its largest step.
    pub max_step: i64,
    /// The metrics it has points for.
    pub metrics: Vec<String>,
    /// The stored size in bytes.
    pub bytes: i64,
    /// The content digest of the chunk's overview (a compacted chunk's series downsampled to
    /// a few thousand points per metric, which full-range chart reads use); `None` for a
    /// chunk without one.
    pub overview: Option<String>,
    /// The audit record of the request that stores the chunk, written in the same atomic
    /// batch, so an acknowledged chunk and its record land together; `None` for server jobs.
    pub audit: Option<NewAuditEntry>,
}

/// A recorded chunk of an experiment's metric points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// The experiment it belongs to.
    pub experiment_id: ExperimentId,
    /// Its id within the experiment.
    pub chunk_id: String,
    /// Its position among the experiment's chunks: 1, 2, … in recording order.
    pub sequence: i64,
    /// The content digest of the stored chunk file.
    pub digest: String,
    /// How many points it holds.
    pub points: i64,
    /// Its smallest step.
    pub min_step: i64,
    /// Its largest step.
    pub max_step: i64,
    /// The metrics it has points for.
    pub metrics: Vec<String>,
    /// The stored size in bytes.
    pub bytes: i64,
    /// The content digest of its overview, when it has one (see [`NewChunk::overview`]).
    pub overview: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// The chunk that replaced it in a compaction; `None` while it is live.
    pub compacted_into: Option<String>,
}

/// The whole-run summary of one metric of one experiment (the `MEASURED` edge).
///
/// Floats are stored as text so that NaN, ±inf and every bit of a double survive on every
/// engine; they compare with [`MeasuredSummary::same_as`] (NaN equals NaN there).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredSummary {
    /// The metric's name.
    pub metric: String,
    /// The value at the largest step.
    pub last: f64,
    /// The largest step seen.
    pub last_step: i64,
    /// The smallest finite value (NaN when none is finite).
    pub min: f64,
    /// The largest finite value (NaN when none is finite).
    pub max: f64,
    /// The mean of the finite values (NaN when none is finite).
    pub mean: f64,
    /// How many points.
    pub count: i64,
    /// How many of them are finite.
    pub finite_count: i64,
    /// The values at the highest steps, in step order (the metric store keeps the last 20):
    /// the recent part of the series whose variation evidence confidence reads. Stored on the
    /// `MEASURED` edge; empty where summaries come from the copy cached on the experiment
    /// (the runs table and the evidence scales read that copy and need no recent values).
    pub recent: Vec<f64>,
}

impl MeasuredSummary {
    /// Equality with every float compared bit for bit, so NaN summaries compare equal.
    pub fn same_as(&self, other: &MeasuredSummary) -> bool {
        let floats = |s: &MeasuredSummary| [s.last, s.min, s.max, s.mean].map(f64::to_bits);
        let recent = |s: &MeasuredSummary| s.recent.iter().map(|value| value.to_bits()).collect::<Vec<_>>();
        self.metric == other.metric
            && self.last_step == other.last_step
            && self.count == other.count
            && self.finite_count == other.finite_count
            && floats(self) == floats(other)
            && recent(self) == recent(other)
    }
}

/// What [`crate::Graph::record_chunk`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkOutcome {
    /// The chunk as stored.
    pub record: ChunkRecord,
    /// A chunk with this id was recorded before (a retry): nothing changed.
    pub duplicate: bool,
    /// How many chunks of the experiment are live now (compaction's cue).
    pub live_chunks: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_spellings_read_back() {
        for direction in [Direction::Minimize, Direction::Maximize] {
            assert_eq!(Direction::parse(direction.as_str()).expect("parses"), direction);
        }
        for aggregation in [Aggregation::Last, Aggregation::Best, Aggregation::Average] {
            assert_eq!(
                Aggregation::parse(aggregation.as_str()).expect("parses"),
                aggregation
            );
        }
        assert!(Direction::parse("up").is_err());
    }

    #[test]
    fn summaries_with_nan_are_the_same_as_themselves() {
        let summary = MeasuredSummary {
            metric: "loss".into(),
            last: f64::NAN,
            last_step: 3,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
            mean: f64::NAN,
            count: 4,
            finite_count: 0,
            recent: vec![f64::NAN, 1.0],
        };
        assert!(summary.same_as(&summary.clone()));
        assert_ne!(summary, summary.clone(), "PartialEq keeps IEEE semantics");
    }
}
