//! In-process dispatch: job ids over a tokio channel (the embedded default).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use graph::model::JobId;
use tokio::sync::mpsc;
use tracing::debug;

use super::dispatch::{Dispatcher, Receiver};
use crate::error::Result;

/// How many ids may wait in the channel; beyond that the recovery sweep dispatches them.
const CHANNEL_CAPACITY: usize = 10_000;

/// Carries ids to the workers of this process, each id at most once at a time.
#[derive(Debug, Clone)]
pub(crate) struct LocalDispatcher {
    sender: mpsc::Sender<JobId>,
    receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<JobId>>>,
    /// Ids in the channel, so the sweep does not queue an id twice.
    waiting: Arc<Mutex<HashSet<JobId>>>,
}

impl LocalDispatcher {
    pub(crate) fn new() -> Self {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        Self {
            sender,
            receiver: Arc::new(tokio::sync::Mutex::new(receiver)),
            waiting: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The waiting set; a panic elsewhere cannot leave a `HashSet` half-changed.
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashSet<JobId>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Dispatcher for LocalDispatcher {
    async fn dispatch(&self, id: &JobId) -> Result<()> {
        if !self.waiting().insert(id.clone()) {
            return Ok(());
        }
        if self.sender.try_send(id.clone()).is_err() {
            // Full: the job stays queued in the graph and a later sweep dispatches it.
            self.waiting().remove(id);
            debug!(job = %id, "job channel is full; the sweep dispatches it later");
        }
        Ok(())
    }

    fn receiver(&self) -> Box<dyn Receiver> {
        Box::new(self.clone())
    }
}

#[async_trait]
impl Receiver for LocalDispatcher {
    async fn next(&mut self, wait: Duration) -> Result<Option<JobId>> {
        let received = tokio::time::timeout(wait, async {
            let mut receiver = self.receiver.lock().await;
            receiver.recv().await
        })
        .await;
        match received {
            Ok(Some(id)) => {
                self.waiting().remove(&id);
                Ok(Some(id))
            }
            Ok(None) | Err(_) => Ok(None),
        }
    }
}
