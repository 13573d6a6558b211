//! Background job records: enqueue, claim with a lease, complete, fail with backoff,
//! recovery lists and the dead-letter list.
//!
//! The graph is the record of every accepted job; dispatchers only carry ids. Every state
//! change after enqueueing is one conditional statement (`MATCH` by id, `WHERE` on the
//! status and holder, `SET`, `RETURN`), so on any engine and across replicas exactly one of
//! two racing workers gets a row back; the others see "no row" and move on. That is why
//! these methods do not take the write lock, except enqueueing with a dedupe key (a read
//! then a write).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::{now, optional_timestamp, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::model::{Job, JobId, JobStatus, NewJob};
use crate::queries::{self, Query};
use crate::value::{Params, Row};

const MAX_KIND_LENGTH: usize = 100;
const MAX_DEDUPE_KEY_LENGTH: usize = 500;
const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
const MAX_ATTEMPTS_LIMIT: i64 = 100;
const MAX_ERROR_LENGTH: usize = 10_000;

fn validate_new_job(input: &NewJob) -> Result<String> {
    let kind_allowed =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | ':' | '-');
    if input.kind.is_empty() || input.kind.len() > MAX_KIND_LENGTH || !input.kind.chars().all(kind_allowed) {
        return Err(Error::invalid(
            "kind",
            format!("must be 1 to {MAX_KIND_LENGTH} characters of a-z, 0-9, `_`, `.`, `:`, `-`"),
        ));
    }
    if !(1..=MAX_ATTEMPTS_LIMIT).contains(&input.max_attempts) {
        return Err(Error::invalid(
            "max_attempts",
            format!("must be 1 to {MAX_ATTEMPTS_LIMIT}"),
        ));
    }
    if let Some(key) = &input.dedupe_key {
        if key.is_empty() || key.len() > MAX_DEDUPE_KEY_LENGTH {
            return Err(Error::invalid(
                "dedupe_key",
                format!("must be 1 to {MAX_DEDUPE_KEY_LENGTH} bytes"),
            ));
        }
    }
    let payload = serde_json::to_string(&input.payload)
        .map_err(|error| Error::invalid("payload", format!("does not serialize: {error}")))?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::invalid(
            "payload",
            format!("is larger than {MAX_PAYLOAD_BYTES} bytes of JSON"),
        ));
    }
    Ok(payload)
}

fn validate_limit(limit: i64) -> Result<()> {
    super::check_page_size("limit", limit)
}

/// `at + lease`, refusing a lease too long to add.
fn lease_end(at: DateTime<Utc>, lease: Duration) -> Result<DateTime<Utc>> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| at.checked_add_signed(lease))
        .ok_or_else(|| Error::invalid("lease", "is too long"))
}

/// Error texts are kept whole up to a bound, so one huge message cannot bloat the record.
fn bounded_error(error: &str) -> String {
    if error.len() <= MAX_ERROR_LENGTH {
        return error.to_owned();
    }
    let mut end = MAX_ERROR_LENGTH;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

fn job_from_row(row: &Row) -> Result<Job> {
    let payload_text = row.string("payload")?;
    let payload = serde_json::from_str(&payload_text)
        .map_err(|error| Error::Internal(format!("stored job payload is unreadable: {error}")))?;
    Ok(Job {
        id: JobId(row.string("id")?),
        kind: row.string("kind")?,
        payload,
        dedupe_key: row.opt_string("dedupe_key")?,
        status: JobStatus::parse(&row.string("status")?)?,
        attempts: row.int("attempts")?,
        max_attempts: row.int("max_attempts")?,
        run_after: parse_timestamp("run_after", &row.string("run_after")?)?,
        lease_until: optional_timestamp(row, "lease_until")?,
        claimed_by: row.opt_string("claimed_by")?,
        last_error: row.opt_string("last_error")?,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        updated_at: parse_timestamp("updated_at", &row.string("updated_at")?)?,
        finished_at: optional_timestamp(row, "finished_at")?,
    })
}

fn jobs_from_rows(rows: &[Row]) -> Result<Vec<Job>> {
    rows.iter().map(job_from_row).collect()
}

fn lost_job(id: &JobId, worker: &str) -> Error {
    Error::conflict(
        "claimed_by",
        format!("job {id} is no longer held by worker {worker} (its lease ran out and it was taken back)"),
    )
}

impl Graph {
    /// Records a new queued job. With a dedupe key, a queued or running job enqueued under
    /// the same key is returned instead (a finished or dead one does not count).
    #[instrument(skip_all, fields(kind = %input.kind))]
    pub async fn enqueue_job(&self, input: NewJob) -> Result<Job> {
        let payload = validate_new_job(&input)?;
        let created_at = now();
        let run_after = input.run_after.unwrap_or(created_at);
        let params = Params::new()
            .with("id", JobId::generate().as_str())
            .with("kind", input.kind.as_str())
            .with("payload", payload)
            .with("dedupe_key", input.dedupe_key.clone())
            .with("max_attempts", input.max_attempts)
            .with("run_after", timestamp(run_after))
            .with("now", timestamp(created_at));
        let Some(dedupe_key) = input.dedupe_key else {
            return self.single_job(&queries::JOB_CREATE, params).await;
        };
        // Read, then write: the write lock keeps two enqueues of one key apart (across
        // replicas when it is the shared one).
        let _gate = self.write_lock.acquire().await?;
        let existing = self
            .executor
            .execute(
                &queries::JOB_BY_DEDUPE_KEY,
                Params::new().with("dedupe_key", dedupe_key),
            )
            .await?;
        if let Some(row) = existing.first() {
            return job_from_row(row);
        }
        self.single_job(&queries::JOB_CREATE, params).await
    }

    async fn single_job(&self, query: &'static Query, params: Params) -> Result<Job> {
        let rows = self.executor.execute(query, params).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal(format!("{} returned no row", query.name)))?;
        job_from_row(row)
    }

    /// A conditional transition: the job when this caller won it, `None` otherwise.
    async fn transition(&self, query: &'static Query, params: Params) -> Result<Option<Job>> {
        let rows = self.executor.execute(query, params).await?;
        rows.first().map(job_from_row).transpose()
    }

    /// The job with this id.
    pub async fn job(&self, id: &JobId) -> Result<Job> {
        let rows = self
            .executor
            .execute(&queries::JOB_BY_ID, Params::new().with("id", id.as_str()))
            .await?;
        match rows.first() {
            Some(row) => job_from_row(row),
            None => Err(Error::NotFound {
                entity: "job",
                id: id.to_string(),
            }),
        }
    }

    /// Claims a queued, due job for `worker` until `lease` from now, starting an attempt.
    /// `None` when it is not claimable: another worker holds it, it is not due yet, it is
    /// finished or it does not exist. Two workers racing for one job never both get it.
    #[instrument(skip_all, fields(job = %id, worker))]
    pub async fn claim_job(&self, id: &JobId, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let params = lease_params(id, worker, lease)?;
        self.transition(&queries::JOB_CLAIM, params).await
    }

    /// Extends the lease of a job `worker` holds to `lease` from now (a heartbeat for long
    /// jobs). [`Error::Conflict`] when the worker no longer holds it.
    pub async fn renew_job_lease(&self, id: &JobId, worker: &str, lease: Duration) -> Result<Job> {
        let params = lease_params(id, worker, lease)?;
        self.transition(&queries::JOB_RENEW_LEASE, params)
            .await?
            .ok_or_else(|| lost_job(id, worker))
    }

    /// Records that the job `worker` holds succeeded. [`Error::Conflict`] when the worker
    /// no longer holds it (its lease ran out and it was taken back: it will run again).
    #[instrument(skip_all, fields(job = %id, worker))]
    pub async fn complete_job(&self, id: &JobId, worker: &str) -> Result<Job> {
        let params = Params::new()
            .with("id", id.as_str())
            .with("worker", worker)
            .with("now", timestamp(now()));
        self.transition(&queries::JOB_COMPLETE, params)
            .await?
            .ok_or_else(|| lost_job(id, worker))
    }

    /// Records a failed attempt of the job `worker` holds: queued again to run after
    /// `retry_at`, or dead when it has used all its attempts; `error` is kept as
    /// `last_error` either way. [`Error::Conflict`] when the worker no longer holds it.
    #[instrument(skip_all, fields(job = %id, worker))]
    pub async fn fail_job(
        &self,
        id: &JobId,
        worker: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<Job> {
        let params = Params::new()
            .with("id", id.as_str())
            .with("worker", worker)
            .with("error", bounded_error(error))
            .with("retry_at", timestamp(retry_at))
            .with("now", timestamp(now()));
        self.transition(&queries::JOB_FAIL, params)
            .await?
            .ok_or_else(|| lost_job(id, worker))
    }

    /// Queued jobs whose `run_after` has passed, oldest first, at most `limit` (1–1000).
    pub async fn due_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        validate_limit(limit)?;
        let params = Params::new().with("now", timestamp(now())).with("limit", limit);
        jobs_from_rows(&self.executor.execute(&queries::JOB_DUE, params).await?)
    }

    /// Running jobs whose lease has run out (their worker crashed or hangs), at most `limit`.
    pub async fn expired_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        validate_limit(limit)?;
        let params = Params::new().with("now", timestamp(now())).with("limit", limit);
        jobs_from_rows(&self.executor.execute(&queries::JOB_EXPIRED, params).await?)
    }

    /// Takes back a running job whose lease has run out: queued to run now, or dead when it
    /// has used all its attempts. `None` when its lease is still valid or it is not running.
    #[instrument(skip_all, fields(job = %id))]
    pub async fn requeue_expired_job(&self, id: &JobId) -> Result<Option<Job>> {
        let job = self.job(id).await?;
        let holder = job.claimed_by.as_deref().unwrap_or("unknown");
        let params = Params::new()
            .with("id", id.as_str())
            .with(
                "error",
                format!("lease expired: worker {holder} stopped renewing it"),
            )
            .with("now", timestamp(now()));
        self.transition(&queries::JOB_REQUEUE_EXPIRED, params).await
    }

    /// The dead-letter list: jobs that used all their attempts, most recent first.
    pub async fn dead_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        validate_limit(limit)?;
        jobs_from_rows(
            &self
                .executor
                .execute(&queries::JOB_DEAD, Params::new().with("limit", limit))
                .await?,
        )
    }

    /// Queues a dead job again with a fresh set of attempts (its last error stays).
    /// [`Error::NotFound`] for an unknown id, [`Error::Conflict`] when it is not dead.
    #[instrument(skip_all, fields(job = %id))]
    pub async fn retry_dead_job(&self, id: &JobId) -> Result<Job> {
        let params = Params::new()
            .with("id", id.as_str())
            .with("now", timestamp(now()));
        if let Some(job) = self.transition(&queries::JOB_RETRY_DEAD, params).await? {
            return Ok(job);
        }
        let job = self.job(id).await?;
        Err(Error::conflict(
            "status",
            format!("job {id} is {}, not dead", job.status),
        ))
    }
}

/// The parameters of a statement that gives `worker` a lease on job `id` from now.
fn lease_params(id: &JobId, worker: &str, lease: Duration) -> Result<Params> {
    let at = now();
    Ok(Params::new()
        .with("id", id.as_str())
        .with("worker", worker)
        .with("now", timestamp(at))
        .with("lease_until", timestamp(lease_end(at, lease)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_kinds_are_plain_identifiers() {
        assert!(validate_new_job(&NewJob::new("reindex_experiment:v2", serde_json::json!({}))).is_ok());
        for bad in ["", "Upper", "a b", "x/y", &"a".repeat(101)] {
            let error = validate_new_job(&NewJob::new(bad, serde_json::json!({}))).expect_err(bad);
            assert!(error.to_string().starts_with("kind:"), "{error}");
        }
    }

    #[test]
    fn attempts_must_be_between_one_and_the_limit() {
        for bad in [0, -1, MAX_ATTEMPTS_LIMIT + 1] {
            let error = validate_new_job(&NewJob::new("k", serde_json::json!(1)).max_attempts(bad))
                .expect_err("out of range");
            assert!(error.to_string().starts_with("max_attempts:"), "{error}");
        }
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_LENGTH);
        let bounded = bounded_error(&long);
        assert!(bounded.len() <= MAX_ERROR_LENGTH + '…'.len_utf8());
        assert!(bounded.ends_with('…'));
    }
}
