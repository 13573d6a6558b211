//! Job handlers, registered per kind.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use graph::model::Job;

/// What a failed attempt reports; its text becomes the job's `last_error`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Runs jobs of one kind.
///
/// **Handlers must be idempotent.** A job runs at least once, and more than once when a
/// worker dies or stalls after the work took effect but before its success was recorded
/// (its lease runs out and another worker runs it again), or when an attempt fails half-way.
/// Write results under keys derived from the job (upserts, `MERGE`, content-addressed
/// blobs), check whether the effect is already there, and never append blindly.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one attempt of `job` (its `payload`, its `attempts` so far including this one).
    /// An error fails the attempt: the job is retried after a backoff, or dead-lettered
    /// after its last attempt. A panic counts as an error.
    async fn run(&self, job: &Job) -> Result<(), HandlerError>;
}

/// A handler from an async closure taking the job.
struct FnHandler<F>(F);

#[async_trait]
impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    async fn run(&self, job: &Job) -> Result<(), HandlerError> {
        (self.0)(job.clone()).await
    }
}

/// The handlers of a worker pool, by job kind.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
}

impl Handlers {
    /// No handlers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler` (replacing an earlier one for the kind).
    pub fn on(mut self, kind: impl Into<String>, handler: impl JobHandler) -> Self {
        self.by_kind.insert(kind.into(), Arc::new(handler));
        self
    }

    /// Runs jobs of `kind` with an async closure; the same idempotence rule applies.
    pub fn on_fn<F, Fut>(self, kind: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.on(kind, FnHandler(handler))
    }

    /// The handler for `kind`, if one is registered.
    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.by_kind.get(kind).cloned()
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kinds: Vec<_> = self.by_kind.keys().collect();
        kinds.sort();
        formatter.debug_struct("Handlers").field("kinds", &kinds).finish()
    }
}
