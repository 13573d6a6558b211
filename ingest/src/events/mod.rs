//! The event bus: what changed, fanned out to every live subscriber (GraphQL subscriptions,
//! live charts, the search indexer).
//!
//! Two implementations behind one trait: [`LocalEventBus`] (tokio broadcast, the embedded
//! default) and [`RedisEventBus`] (one Redis pub/sub channel, so every API replica sees every
//! replica's events). [`open`] picks one from `RSDK_REDIS`.
//!
//! Events are notifications, not a log: a subscriber that is not connected, or falls too far
//! behind, misses events and is told so by an [`Event::Missed`] marker; it then re-reads
//! what it shows from the graph. Nothing durable depends on an event arriving.

mod local;
mod redis;

pub use self::redis::RedisEventBus;
pub(crate) use self::redis::{fast_failing_manager, redis_client, redis_unavailable};
pub use local::LocalEventBus;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use graph::ids::ExperimentId;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The key prefix (and channel prefix) rsdk uses in Redis unless configured otherwise.
pub const DEFAULT_PREFIX: &str = "rsdk";

/// How many events a subscriber may fall behind before it misses the oldest ones.
pub const SUBSCRIBER_BUFFER: usize = 1024;

/// Something that happened, as JSON `{"type": "experiment_created", …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An experiment was created.
    ExperimentCreated {
        /// The project's name.
        project: String,
        /// The experiment's id.
        #[serde(with = "experiment_id")]
        experiment_id: ExperimentId,
        /// Its number in the project.
        number: i64,
    },
    /// An experiment's lifecycle fields, notes, tags or features changed.
    ExperimentUpdated {
        /// The project's name.
        project: String,
        /// The experiment's id.
        #[serde(with = "experiment_id")]
        experiment_id: ExperimentId,
        /// Its number in the project.
        number: i64,
    },
    /// An experiment got a different primary parent (or became a root).
    ExperimentReparented {
        /// The project's name.
        project: String,
        /// The experiment's id.
        #[serde(with = "experiment_id")]
        experiment_id: ExperimentId,
        /// Its number in the project.
        number: i64,
    },
    /// A metric chunk was stored for an experiment.
    MetricsAppended {
        /// The project's name.
        project: String,
        /// The experiment's number in the project.
        number: i64,
        /// The experiment's id.
        #[serde(with = "experiment_id")]
        experiment_id: ExperimentId,
        /// The metrics the chunk has points of.
        metrics: Vec<String>,
        /// The largest step in the chunk.
        last_step: i64,
        /// Where the chunk is: live views show it from this without re-reading the manifest
        /// (absent in events of servers before it was added).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chunk: Option<AppendedChunk>,
    },
    /// An artifact was stored for an experiment.
    ArtifactStored {
        /// The project's name.
        project: String,
        /// The experiment's id.
        #[serde(with = "experiment_id")]
        experiment_id: ExperimentId,
        /// The artifact's path within the experiment.
        path: String,
        /// The content digest (`sha256:…`).
        digest: String,
    },
    /// A hypothesis, its links or its verdict changed.
    HypothesisChanged {
        /// The project's name.
        project: String,
        /// The hypothesis id.
        hypothesis_id: String,
    },
    /// Only ever delivered, never published: this subscriber missed events, `count` of them
    /// when known (it fell more than [`SUBSCRIBER_BUFFER`] behind), unknown after the bus
    /// lost its Redis connection. Re-read what depends on them.
    Missed {
        /// How many events were skipped, when known.
        count: Option<u64>,
    },
}

/// The place of an appended chunk in its experiment's manifest, and its blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendedChunk {
    /// Its sequence in the manifest.
    pub sequence: i64,
    /// The digest (hex) of its blob.
    pub digest: String,
}

impl Event {
    /// The `type` tag, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ExperimentCreated { .. } => "experiment_created",
            Event::ExperimentUpdated { .. } => "experiment_updated",
            Event::ExperimentReparented { .. } => "experiment_reparented",
            Event::MetricsAppended { .. } => "metrics_appended",
            Event::ArtifactStored { .. } => "artifact_stored",
            Event::HypothesisChanged { .. } => "hypothesis_changed",
            Event::Missed { .. } => "missed",
        }
    }

    /// The project the event belongs to; `None` for a `missed` marker.
    pub fn project(&self) -> Option<&str> {
        match self {
            Event::ExperimentCreated { project, .. }
            | Event::ExperimentUpdated { project, .. }
            | Event::ExperimentReparented { project, .. }
            | Event::MetricsAppended { project, .. }
            | Event::ArtifactStored { project, .. }
            | Event::HypothesisChanged { project, .. } => Some(project),
            Event::Missed { .. } => None,
        }
    }
}

/// A subscriber's stream of events; it ends only when the bus is dropped.
pub type EventStream = BoxStream<'static, Event>;

/// Publishes events to every live subscriber, in this process or (with Redis) in every replica.
#[async_trait]
pub trait EventBus: Send + Sync + fmt::Debug {
    /// Sends `event` to every current subscriber. Never waits for a slow subscriber: one
    /// that falls [`SUBSCRIBER_BUFFER`] events behind loses the oldest and gets
    /// [`Event::Missed`]. With Redis down it fails at once with [`Error::Unavailable`].
    async fn publish(&self, event: Event) -> Result<()>;

    /// A stream of the events published from now on (by any replica, with Redis), with an
    /// [`Event::Missed`] marker wherever some were lost (lag, or a Redis outage: the stream
    /// stays open across one and resumes once Redis is back).
    fn subscribe(&self) -> EventStream;
}

/// The bus for `RSDK_REDIS`: in-process when `redis_url` is `None`, Redis pub/sub on channel
/// `rsdk:events` otherwise. An unreachable Redis does not fail start-up (see [`open_with_prefix`]).
pub async fn open(redis_url: Option<&str>) -> Result<Arc<dyn EventBus>> {
    open_with_prefix(redis_url, DEFAULT_PREFIX).await
}

/// [`open`] with a Redis channel prefix of one's own (`PREFIX:events`), for several
/// deployments or test runs on one Redis. With Redis unreachable it waits briefly for the
/// first subscription, then returns a bus that keeps reconnecting in the background.
pub async fn open_with_prefix(redis_url: Option<&str>, prefix: &str) -> Result<Arc<dyn EventBus>> {
    match redis_url {
        None => Ok(Arc::new(LocalEventBus::new(SUBSCRIBER_BUFFER))),
        Some(url) => Ok(Arc::new(RedisEventBus::connect(url, prefix).await?)),
    }
}

/// Refuses to publish what only the bus itself may deliver.
fn check_publishable(event: &Event) -> Result<()> {
    if let Event::Missed { .. } = event {
        return Err(Error::Invalid {
            field: "event".into(),
            reason: "`missed` is delivered by the bus, not published".into(),
        });
    }
    Ok(())
}

/// Serializes an [`ExperimentId`] as its plain string.
mod experiment_id {
    use graph::ids::ExperimentId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &ExperimentId, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(id.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ExperimentId, D::Error> {
        String::deserialize(deserializer).map(ExperimentId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_json_with_plain_ids() {
        let event = Event::MetricsAppended {
            project: "vit".into(),
            number: 3,
            experiment_id: ExperimentId("e1".into()),
            metrics: vec!["loss".into()],
            last_step: 7,
            chunk: Some(AppendedChunk {
                sequence: 4,
                digest: "ab".repeat(32),
            }),
        };
        let json = serde_json::to_value(&event).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"type": "metrics_appended", "project": "vit", "number": 3, "experiment_id": "e1", "metrics": ["loss"], "last_step": 7, "chunk": {"sequence": 4, "digest": "ab".repeat(32)}})
        );
        assert_eq!(serde_json::from_value::<Event>(json).expect("parses"), event);
        // An event of a server from before `chunk` parses, without one.
        let older = serde_json::json!({"type": "metrics_appended", "project": "vit", "number": 3, "experiment_id": "e1", "metrics": ["loss"], "last_step": 7});
        let parsed = serde_json::from_value::<Event>(older).expect("parses");
        assert!(
            matches!(parsed, Event::MetricsAppended { chunk: None, .. }),
            "{parsed:?}"
        );
        assert_eq!(event.kind(), "metrics_appended");
    }

    #[test]
    fn missed_markers_cannot_be_published() {
        let error = check_publishable(&Event::Missed { count: None }).expect_err("refused");
        assert!(error.to_string().starts_with("event:"), "{error}");
    }
}
