//! The seam between the queue and its transport: a dispatcher only carries job ids to
//! workers. It may lose or repeat ids (a Redis restart, a crash between pop and claim):
//! the graph record decides what runs, and the recovery sweep dispatches every queued, due
//! job again.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use graph::model::JobId;

use crate::error::Result;

/// Sends job ids towards workers.
#[async_trait]
pub(crate) trait Dispatcher: Send + Sync + fmt::Debug {
    /// Offers `id` to a worker; an id already waiting is not queued twice.
    async fn dispatch(&self, id: &JobId) -> Result<()>;

    /// A receiving end for one worker.
    fn receiver(&self) -> Box<dyn Receiver>;
}

/// One worker's receiving end.
#[async_trait]
pub(crate) trait Receiver: Send {
    /// The next dispatched id, or `None` after `wait` without one.
    async fn next(&mut self, wait: Duration) -> Result<Option<JobId>>;
}
