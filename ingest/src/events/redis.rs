//! The Redis event bus: one pub/sub channel (`PREFIX:events`) shared by every replica.
//!
//! Each bus keeps one subscription connection, fed into a local broadcast channel that its
//! subscribers read, so a thousand browser tabs cost Redis one connection per replica. The
//! subscription task survives Redis restarts: it notices a dropped connection at once (or a
//! silent one by a failed ping within a second), reconnects with a backoff capped at
//! [`MAX_RECONNECT_DELAY`], and tells subscribers [`Event::Missed`]; so a live subscriber
//! is back within about a second of Redis answering again (RELIABILITY.md asks for 2 s).

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use ::redis::{AsyncCommands, Client};
use async_trait::async_trait;
use futures::StreamExt;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use super::local::receiver_stream;
use super::{check_publishable, Event, EventBus, EventStream, SUBSCRIBER_BUFFER};
use crate::error::{Error, Result};

/// How long a command may take before Redis counts as down.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// The first pause before reconnecting the subscription.
const MIN_RECONNECT_DELAY: Duration = Duration::from_millis(50);
/// The longest pause between reconnection attempts (keeps recovery well under 2 s).
const MAX_RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// How often an idle subscription checks that Redis still answers.
const PING_INTERVAL: Duration = Duration::from_secs(1);
/// How long [`RedisEventBus::connect`] waits for its first subscription.
const FIRST_SUBSCRIPTION_WAIT: Duration = Duration::from_secs(2);

/// Publishes to and listens on one Redis channel.
#[derive(Debug)]
pub struct RedisEventBus {
    channel: String,
    publisher: ConnectionManager,
    local: broadcast::Sender<Event>,
    listener: JoinHandle<()>,
}

/// A Redis client for `url`, or an error naming the setting.
pub(crate) fn redis_client(url: &str) -> Result<Client> {
    Client::open(url).map_err(|error| Error::Invalid {
        field: "redis".into(),
        reason: format!("`{url}` is not a usable redis url: {error}"),
    })
}

/// The error of an unreachable or failing Redis.
pub(crate) fn redis_unavailable(error: impl std::fmt::Display) -> Error {
    Error::Unavailable {
        service: "redis",
        reason: error.to_string(),
    }
}

/// A connection manager that fails fast (one quick reconnection try) when Redis is down,
/// and reconnects on the next command once it is back.
pub(crate) fn fast_failing_manager(client: &Client) -> Result<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(20))
        .set_max_delay(Duration::from_millis(100))
        .set_connection_timeout(Some(COMMAND_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT));
    client
        .get_connection_manager_lazy(config)
        .map_err(redis_unavailable)
}

impl RedisEventBus {
    /// Connects to `url` and subscribes to `PREFIX:events`. Waits up to 2 s for the first
    /// subscription; when Redis does not answer by then the bus is returned anyway and keeps
    /// trying in the background (publishing fails with [`Error::Unavailable`] meanwhile).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        let client = redis_client(url)?;
        let channel = format!("{prefix}:events");
        let publisher = fast_failing_manager(&client)?;
        let (local, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let (subscribed, first_subscription) = oneshot::channel();
        let listener = tokio::spawn(listen(client, channel.clone(), local.clone(), subscribed));
        if tokio::time::timeout(FIRST_SUBSCRIPTION_WAIT, first_subscription)
            .await
            .is_err()
        {
            warn!(%channel, "redis does not answer yet; events flow once it does");
        }
        Ok(Self {
            channel,
            publisher,
            local,
            listener,
        })
    }

    /// The Redis channel this bus uses.
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

impl Drop for RedisEventBus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, event: Event) -> Result<()> {
        check_publishable(&event)?;
        let payload = serde_json::to_string(&event)
            .map_err(|error| Error::Internal(format!("event does not serialize: {error}")))?;
        let mut connection = self.publisher.clone();
        let published = tokio::time::timeout(
            COMMAND_TIMEOUT,
            connection.publish::<_, _, i64>(&self.channel, payload),
        )
        .await;
        match published {
            Ok(Ok(_receivers)) => Ok(()),
            Ok(Err(error)) => Err(redis_unavailable(format!("cannot publish an event: {error}"))),
            Err(_) => Err(redis_unavailable(
                "cannot publish an event: redis did not answer in time",
            )),
        }
    }

    fn subscribe(&self) -> EventStream {
        receiver_stream(self.local.subscribe())
    }
}

/// Keeps one subscription alive for the life of the bus, forwarding into `local`.
async fn listen(
    client: Client,
    channel: String,
    local: broadcast::Sender<Event>,
    first_subscription: oneshot::Sender<()>,
) {
    let mut first_subscription = Some(first_subscription);
    let mut delay = MIN_RECONNECT_DELAY;
    loop {
        match subscribe(&client, &channel).await {
            Ok(pubsub) => {
                match first_subscription.take() {
                    Some(signal) => {
                        let _ = signal.send(());
                    }
                    // Whatever was published while we were away is gone: say so.
                    None => {
                        let _ = local.send(Event::Missed { count: None });
                    }
                }
                debug!(%channel, "subscribed to redis events");
                delay = MIN_RECONNECT_DELAY;
                forward(pubsub, &channel, &local).await;
                warn!(%channel, "lost the redis event subscription; reconnecting");
            }
            Err(error) => debug!(%channel, %error, "cannot subscribe to redis events yet"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RECONNECT_DELAY);
    }
}

async fn subscribe(client: &Client, channel: &str) -> Result<PubSub> {
    let subscribing = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, ::redis::RedisError>(pubsub)
    };
    match tokio::time::timeout(COMMAND_TIMEOUT, subscribing).await {
        Ok(result) => result.map_err(redis_unavailable),
        Err(_) => Err(redis_unavailable("subscribing timed out")),
    }
}

/// Forwards messages until the connection drops or stops answering pings.
async fn forward(pubsub: PubSub, channel: &str, local: &broadcast::Sender<Event>) {
    let (mut sink, mut messages) = pubsub.split();
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { return };
                match serde_json::from_slice::<Event>(message.get_payload_bytes()) {
                    // An error only means no subscriber is listening right now.
                    Ok(event) => {
                        let _ = local.send(event);
                    }
                    Err(error) => warn!(%channel, %error, "ignoring an unreadable event"),
                }
            }
            _ = ping.tick() => {
                let answered = tokio::time::timeout(COMMAND_TIMEOUT, sink.ping::<::redis::Value>()).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
