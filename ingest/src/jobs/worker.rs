//! The worker pool: workers that claim, run and record jobs, and the recovery sweep.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use graph::model::{Job, JobId, JobStatus};
use graph::Graph;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn, Instrument};

use super::dispatch::{Dispatcher, Receiver};
use super::{Handlers, WorkerConfig};

/// How many expired or due jobs one sweep handles; the next sweep takes the rest.
const SWEEP_BATCH: i64 = 500;
/// The pause after a dispatcher error (Redis down) before a worker asks again.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(200);

/// A running worker pool; [`Workers::shutdown`] stops it. Dropping it signals the
/// workers to stop after their current job, without waiting.
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

#[derive(Debug)]
struct Context {
    graph: Graph,
    dispatcher: Arc<dyn Dispatcher>,
    handlers: Handlers,
    config: WorkerConfig,
}

/// How one attempt ended.
enum Outcome {
    Succeeded,
    Failed(String),
    /// The lease was taken back while the handler ran; the handler was stopped.
    LeaseLost,
}

impl Workers {
    pub(super) fn start(
        graph: Graph,
        dispatcher: Arc<dyn Dispatcher>,
        handlers: Handlers,
        config: WorkerConfig,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let context = Arc::new(Context {
            graph,
            dispatcher,
            handlers,
            config,
        });
        let mut tasks = JoinSet::new();
        for number in 0..context.config.concurrency.max(1) {
            let worker = format!("{}/{number}", context.config.name);
            let receiver = context.dispatcher.receiver();
            let span = tracing::info_span!("job_worker", worker = %worker);
            tasks.spawn(work(context.clone(), worker, receiver, stopped.clone()).instrument(span));
        }
        tasks.spawn(sweep(context.clone(), stopped));
        info!(pool = %context.config.name, concurrency = context.config.concurrency, "job workers started");
        Self { stop, tasks }
    }

    /// Stops taking jobs, lets running handlers finish for up to `grace`, then aborts what is
    /// left (its lease runs out and another worker runs it again). Returns whether every
    /// worker finished within `grace`.
    pub async fn shutdown(mut self, grace: Duration) -> bool {
        let _ = self.stop.send(true);
        let finished = tokio::time::timeout(grace, async { while self.tasks.join_next().await.is_some() {} })
            .await
            .is_ok();
        if !finished {
            warn!("job workers did not finish in time; aborting them");
            self.tasks.abort_all();
        }
        finished
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.tasks.detach_all();
    }
}

async fn work(
    context: Arc<Context>,
    worker: String,
    mut receiver: Box<dyn Receiver>,
    stopped: watch::Receiver<bool>,
) {
    // The wait is never cancelled mid-way (a cancelled Redis pop could take an id and drop
    // it), so shutdown takes up to `poll_wait`.
    while !*stopped.borrow() {
        match receiver.next(context.config.poll_wait).await {
            Ok(Some(id)) => run_one(&context, &worker, &id).await,
            Ok(None) => {}
            Err(error) => {
                debug!(%error, "cannot take a job id");
                tokio::time::sleep(RECEIVE_ERROR_PAUSE).await;
            }
        }
    }
}

/// Claims, runs and records one job; a job someone else holds (or that is not due) is skipped.
async fn run_one(context: &Context, worker: &str, id: &JobId) {
    let job = match context.graph.claim_job(id, worker, context.config.lease).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            debug!(job = %id, "job is not claimable (taken, finished or not due)");
            return;
        }
        Err(error) => {
            warn!(job = %id, %error, "cannot claim a job; the sweep dispatches it again");
            return;
        }
    };
    let outcome = match context.handlers.get(&job.kind) {
        None => Outcome::Failed(format!("no handler is registered for job kind `{}`", job.kind)),
        Some(handler) => run_under_lease(context, worker, &job, handler).await,
    };
    record(context, worker, &job, outcome).await;
}

/// Runs the handler in its own task (so a panic is an error, not a dead worker), renewing
/// the lease every third of it; stops the handler if the lease is lost.
async fn run_under_lease(
    context: &Context,
    worker: &str,
    job: &Job,
    handler: Arc<dyn super::JobHandler>,
) -> Outcome {
    let running_job = job.clone();
    let mut attempt =
        tokio::spawn(async move { handler.run(&running_job).await.map_err(|error| error.to_string()) });
    let mut renewal = tokio::time::interval(context.config.lease / 3);
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    renewal.tick().await;
    loop {
        tokio::select! {
            joined = &mut attempt => {
                return match joined {
                    Ok(Ok(())) => Outcome::Succeeded,
                    Ok(Err(message)) => Outcome::Failed(message),
                    Err(join_error) if join_error.is_panic() => {
                        Outcome::Failed(format!("handler panicked: {}", panic_message(join_error.into_panic())))
                    }
                    Err(join_error) => Outcome::Failed(format!("handler was cancelled: {join_error}")),
                };
            }
            _ = renewal.tick() => {
                match context.graph.renew_job_lease(&job.id, worker, context.config.lease).await {
                    Ok(_) => {}
                    Err(graph::Error::Conflict { .. }) => {
                        attempt.abort();
                        return Outcome::LeaseLost;
                    }
                    // The graph hiccupped: keep running; the next renewal may get through.
                    Err(error) => warn!(job = %job.id, %error, "cannot renew a job lease"),
                }
            }
        }
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).to_owned();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    "a non-text panic".to_owned()
}

async fn record(context: &Context, worker: &str, job: &Job, outcome: Outcome) {
    let recorded = match outcome {
        Outcome::Succeeded => context.graph.complete_job(&job.id, worker).await,
        Outcome::Failed(message) => {
            let delay = context.config.backoff.random_delay(job.attempts);
            let retry_at =
                chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
            let failed = context.graph.fail_job(&job.id, worker, &message, retry_at).await;
            match &failed {
                Ok(record) if record.status == JobStatus::Dead => error!(
                    job = %job.id, kind = %job.kind, attempts = record.attempts, error = %message,
                    "job failed its last attempt and is dead-lettered"
                ),
                Ok(_) => warn!(
                    job = %job.id, kind = %job.kind, attempt = job.attempts, error = %message,
                    retry_in_ms = delay.as_millis() as u64, "job attempt failed; retrying later"
                ),
                Err(_) => {}
            }
            failed
        }
        Outcome::LeaseLost => {
            warn!(job = %job.id, "job lease was taken back while it ran; another worker runs it");
            return;
        }
    };
    match recorded {
        Ok(_) => {}
        Err(graph::Error::Conflict { .. }) => {
            warn!(job = %job.id, "job finished after its lease was taken back; it runs again")
        }
        Err(error) => {
            warn!(job = %job.id, %error, "cannot record a job's outcome; its lease runs out and it runs again")
        }
    }
}

/// Every `sweep_interval` (and at start): takes back expired leases, dispatches due jobs.
async fn sweep(context: Arc<Context>, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(context.config.sweep_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = ticks.tick() => {}
        }
        if *stopped.borrow() {
            return;
        }
        sweep_once(&context).await;
    }
}

async fn sweep_once(context: &Context) {
    match context.graph.expired_jobs(SWEEP_BATCH).await {
        Ok(expired) => {
            for job in expired {
                match context.graph.requeue_expired_job(&job.id).await {
                    Ok(Some(taken)) if taken.status == JobStatus::Dead => error!(
                        job = %job.id, kind = %job.kind, worker = ?job.claimed_by,
                        "job lease expired on its last attempt; dead-lettered"
                    ),
                    Ok(Some(_)) => warn!(
                        job = %job.id, kind = %job.kind, worker = ?job.claimed_by,
                        "job lease expired; queued again"
                    ),
                    Ok(None) => {}
                    Err(error) => warn!(job = %job.id, %error, "cannot take back an expired job"),
                }
            }
        }
        Err(error) => warn!(%error, "cannot list expired jobs"),
    }
    match context.graph.due_jobs(SWEEP_BATCH).await {
        Ok(due) => {
            for job in due {
                if let Err(error) = context.dispatcher.dispatch(&job.id).await {
                    debug!(%error, "cannot dispatch due jobs now; the next sweep tries again");
                    break;
                }
            }
        }
        Err(error) => warn!(%error, "cannot list due jobs"),
    }
}
