//! The in-process event bus: a tokio broadcast channel (the embedded default).

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{check_publishable, Event, EventBus, EventStream};
use crate::error::Result;

/// Fans events out to the subscribers of this process.
#[derive(Debug, Clone)]
pub struct LocalEventBus {
    sender: broadcast::Sender<Event>,
}

impl LocalEventBus {
    /// A bus whose subscribers may fall `buffer` events behind before missing some.
    pub fn new(buffer: usize) -> Self {
        let (sender, _) = broadcast::channel(buffer.max(1));
        Self { sender }
    }
}

impl Default for LocalEventBus {
    fn default() -> Self {
        Self::new(super::SUBSCRIBER_BUFFER)
    }
}

#[async_trait]
impl EventBus for LocalEventBus {
    async fn publish(&self, event: Event) -> Result<()> {
        check_publishable(&event)?;
        // An error only means nobody is subscribed right now, which is fine.
        let _ = self.sender.send(event);
        Ok(())
    }

    fn subscribe(&self) -> EventStream {
        receiver_stream(self.sender.subscribe())
    }
}

/// A broadcast receiver as a stream: a lag becomes an [`Event::Missed`] marker, the end of
/// the channel ends the stream.
pub(crate) fn receiver_stream(receiver: broadcast::Receiver<Event>) -> EventStream {
    Box::pin(futures::stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(event) => Some((event, receiver)),
            Err(broadcast::error::RecvError::Lagged(count)) => {
                Some((Event::Missed { count: Some(count) }, receiver))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }))
}
