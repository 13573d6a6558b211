//! Background jobs as graph records: the graph is the one record of every accepted job;
//! a dispatcher (a tokio channel or a Redis list) only carries ids to workers.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// How many times a job runs before it is dead-lettered, unless its enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 5;

/// Identifies a job (UUIDv7, so ids sort by enqueue time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub String);

impl JobId {
    /// A fresh time-ordered (UUIDv7) id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// The id as stored in the graph.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for its `run_after` time and a worker.
    Queued,
    /// Claimed by a worker that holds a lease on it.
    Running,
    /// Its handler succeeded.
    Succeeded,
    /// It failed `max_attempts` times: on the dead-letter list until an admin retries it.
    Dead,
}

impl JobStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Dead => "dead",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "queued" => Ok(JobStatus::Queued),
            "running" => Ok(JobStatus::Running),
            "succeeded" => Ok(JobStatus::Succeeded),
            "dead" => Ok(JobStatus::Dead),
            other => Err(Error::Internal(format!("stored job status `{other}` is unknown"))),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// Which handler runs it (`reindex_experiment`, `compact_metrics`, …).
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// While a job with this key is queued or running, enqueueing the same key returns it.
    pub dedupe_key: Option<String>,
    /// Where it is in its life.
    pub status: JobStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: i64,
    /// Attempts allowed before it is dead-lettered.
    pub max_attempts: i64,
    /// It is not claimed before this time (the retry backoff moves it).
    pub run_after: DateTime<Utc>,
    /// While running: when its worker's lease runs out unless renewed.
    pub lease_until: Option<DateTime<Utc>>,
    /// While running: the worker holding it.
    pub claimed_by: Option<String>,
    /// The error of the last failed attempt (kept after success and on retry of a dead job).
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When its record last changed.
    pub updated_at: DateTime<Utc>,
    /// When it succeeded or died.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Input of [`crate::Graph::enqueue_job`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Which handler runs it: 1–100 characters of `a-z`, `0-9`, `_`, `.`, `:`, `-`.
    pub kind: String,
    /// The handler's input (stored as JSON text, at most 1 MiB).
    pub payload: serde_json::Value,
    /// While a job with this key is queued or running, enqueueing it again returns that job.
    pub dedupe_key: Option<String>,
    /// Not before this time; `None` is now.
    pub run_after: Option<DateTime<Utc>>,
    /// Attempts before it is dead-lettered (1–100).
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` with `payload`, due now, with [`DEFAULT_MAX_ATTEMPTS`].
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            dedupe_key: None,
            run_after: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The same job, deduplicated by `key` while pending.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// The same job, due at `when`.
    pub fn run_after(mut self, when: DateTime<Utc>) -> Self {
        self.run_after = Some(when);
        self
    }

    /// The same job with `attempts` allowed.
    pub fn max_attempts(mut self, attempts: i64) -> Self {
        self.max_attempts = attempts;
        self
    }
}
