//! The background job queue: the graph holds every job record, a dispatcher carries ids to
//! workers (in-process over a tokio channel, or across replicas over a Redis list).
//!
//! - [`JobQueue::enqueue`] writes the record first, then dispatches the id: once it
//!   returns, the job is accepted and will run even if the dispatch was lost.
//! - Workers ([`JobQueue::start`]) claim a job in the graph with a lease before running it,
//!   so two workers (even on two replicas) never run one job at the same time; a long job's
//!   lease is renewed while it runs.
//! - A failed attempt is retried after an exponential, jittered [`Backoff`]; after
//!   `max_attempts` the job is dead-lettered with its last error ([`JobQueue::dead_jobs`],
//!   [`JobQueue::retry_dead`]).
//! - A periodic sweep takes back jobs whose lease ran out (a crashed or stuck worker) and
//!   re-dispatches every queued, due job, so a job dispatched while Redis or a worker was
//!   down still runs.
//!
//! Handlers must be idempotent (see [`JobHandler`]): a job runs at least once.

mod backoff;
mod dispatch;
mod handler;
mod local;
mod redis;
mod worker;

pub use backoff::Backoff;
pub use graph::model::{Job, JobId, JobStatus, NewJob};
pub use handler::{HandlerError, Handlers, JobHandler};
pub use worker::Workers;

use std::sync::Arc;
use std::time::Duration;

use graph::Graph;
use tracing::warn;

use crate::error::{Error, Result};
use dispatch::Dispatcher;

/// How a worker pool runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at the same time by this pool.
    pub concurrency: usize,
    /// How long a claim holds a job without renewal; renewed every third of it while the
    /// handler runs. A worker that dies loses the job to another after this long.
    pub lease: Duration,
    /// How often the recovery sweep runs (expired leases, queued and due jobs). Also the
    /// granularity of retry delays.
    pub sweep_interval: Duration,
    /// How long an idle worker waits for an id before checking for shutdown.
    pub poll_wait: Duration,
    /// Retry delays.
    pub backoff: Backoff,
    /// Names this pool's workers in job records (`claimed_by`); unique per process by default.
    pub name: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(30),
            sweep_interval: Duration::from_secs(1),
            poll_wait: Duration::from_secs(1),
            backoff: Backoff::default(),
            name: format!("worker-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()),
        }
    }
}

/// Enqueues jobs and starts workers; cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    graph: Graph,
    dispatcher: Arc<dyn Dispatcher>,
}

impl JobQueue {
    /// The queue for `RSDK_REDIS`: in-process when `redis_url` is `None`, a Redis list under
    /// `PREFIX:jobs:` otherwise. Connects lazily, so Redis being down does not fail start-up.
    pub fn open(graph: Graph, redis_url: Option<&str>, prefix: &str) -> Result<Self> {
        match redis_url {
            None => Ok(Self::in_process(graph)),
            Some(url) => Self::redis(graph, url, prefix),
        }
    }

    /// A queue whose workers run in this process (the embedded default). Only workers
    /// started from this value (or its clones) see its jobs.
    pub fn in_process(graph: Graph) -> Self {
        Self {
            graph,
            dispatcher: Arc::new(local::LocalDispatcher::new()),
        }
    }

    /// A queue dispatching through Redis at `url`, shared by every replica using `prefix`.
    pub fn redis(graph: Graph, url: &str, prefix: &str) -> Result<Self> {
        Ok(Self {
            graph,
            dispatcher: Arc::new(redis::RedisDispatcher::new(url, prefix)?),
        })
    }

    /// The graph holding the job records.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Enqueues a job of `kind` with `payload`, due now, with the default attempts.
    pub async fn enqueue(&self, kind: &str, payload: serde_json::Value) -> Result<JobId> {
        Ok(self.enqueue_job(NewJob::new(kind, payload)).await?.id)
    }

    /// Enqueues a job with all its options (dedupe key, run-after time, attempts). Returns
    /// once the record is in the graph; a failed dispatch (Redis down) is only logged,
    /// since the sweep dispatches the job later.
    pub async fn enqueue_job(&self, job: NewJob) -> Result<Job> {
        let job = self.graph.enqueue_job(job).await.map_err(Error::from)?;
        if job.status == JobStatus::Queued && job.run_after <= chrono::Utc::now() {
            self.dispatch_or_log(&job.id).await;
        }
        Ok(job)
    }

    /// The dead-letter list, most recent first (at most `limit`, 1–1000).
    pub async fn dead_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        self.graph.dead_jobs(limit).await.map_err(Error::from)
    }

    /// Gives a dead job a fresh set of attempts and dispatches it.
    pub async fn retry_dead(&self, id: &JobId) -> Result<Job> {
        let job = self.graph.retry_dead_job(id).await.map_err(Error::from)?;
        self.dispatch_or_log(&job.id).await;
        Ok(job)
    }

    /// The job's record.
    pub async fn job(&self, id: &JobId) -> Result<Job> {
        self.graph.job(id).await.map_err(Error::from)
    }

    /// Starts `config.concurrency` workers running `handlers`, and the recovery sweep.
    /// Must be called inside a tokio runtime; stop them with [`Workers::shutdown`].
    pub fn start(&self, handlers: Handlers, config: WorkerConfig) -> Workers {
        Workers::start(self.graph.clone(), self.dispatcher.clone(), handlers, config)
    }

    async fn dispatch_or_log(&self, id: &JobId) {
        if let Err(error) = self.dispatcher.dispatch(id).await {
            warn!(job = %id, %error, "job recorded but not dispatched; the sweep dispatches it later");
        }
    }
}
