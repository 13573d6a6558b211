//! Live events on the transport side: the [`Announcer`] that mutations hand their changes
//! to, and `GET /api/v1/events`, a server-sent event stream of everything published on the
//! bus (by this replica or, with Redis, by any other).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use std::collections::HashSet;

use axum::extract::{Query, State};
use axum::response::sse::{self, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use graph::ids::{ExperimentId, HypothesisId};
use graph::model::Experiment;
use ingest::events::{AppendedChunk, Event, EventBus};
use ingest::metric_store::Ack;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::auth::{AccessWatch, Caller};
use crate::error::ApiError;
use crate::services::Services;

/// Changes waiting for the bus; beyond this, new ones are dropped (and logged).
const PENDING_EVENTS: usize = 10_000;

/// Publishes changes in the background, in the order they happened, so a mutation never
/// waits on the bus: its write has landed, and a bus outage must not fail or slow it.
#[derive(Debug, Clone)]
pub struct Announcer {
    pending: mpsc::Sender<Event>,
}

/// What happened to an experiment.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Created,
    Updated,
    Reparented,
}

impl Announcer {
    /// Starts the task that feeds `bus`.
    pub fn start(bus: Arc<dyn EventBus>) -> Self {
        let (pending, mut queue) = mpsc::channel::<Event>(PENDING_EVENTS);
        tokio::spawn(async move {
            while let Some(event) = queue.recv().await {
                if let Err(error) = bus.publish(event).await {
                    tracing::warn!(%error, "event not published; live views catch up on their next read");
                }
            }
        });
        Self { pending }
    }

    /// Announces that the chunk acknowledged by `ack` landed for `experiment`.
    pub fn metrics(&self, project: &str, experiment: &Experiment, ack: &Ack) {
        self.send(Event::MetricsAppended {
            project: project.to_owned(),
            number: experiment.number,
            experiment_id: experiment.id.clone(),
            metrics: ack.metrics.clone(),
            last_step: ack.last_step,
            chunk: Some(AppendedChunk {
                sequence: ack.sequence,
                digest: ack.digest.clone(),
            }),
        });
    }

    fn send(&self, event: Event) {
        if self.pending.try_send(event).is_err() {
            tracing::warn!("event queue full or closed: an event was dropped");
        }
    }

    /// Announces that hypothesis `id` of `project` changed (its text, links, targets, status).
    pub fn hypothesis(&self, project: &str, id: &HypothesisId) {
        self.send(Event::HypothesisChanged {
            project: project.to_owned(),
            hypothesis_id: id.to_string(),
        });
    }

    /// Announces the files `paths` (with their content digests) now stored for `experiment`.
    pub fn artifacts(&self, project: &str, experiment: &ExperimentId, stored: Vec<(String, String)>) {
        for (path, digest) in stored {
            self.send(Event::ArtifactStored {
                project: project.to_owned(),
                experiment_id: experiment.clone(),
                path,
                digest,
            });
        }
    }

    /// Announces a change of `experiment` in `project`.
    pub fn experiment(&self, change: Change, project: &str, experiment: &Experiment) {
        let (project, experiment_id, number) = (project.to_owned(), experiment.id.clone(), experiment.number);
        let event = match change {
            Change::Created => Event::ExperimentCreated {
                project,
                experiment_id,
                number,
            },
            Change::Updated => Event::ExperimentUpdated {
                project,
                experiment_id,
                number,
            },
            Change::Reparented => Event::ExperimentReparented {
                project,
                experiment_id,
                number,
            },
        };
        self.send(event);
    }
}

/// `?project=NAME` keeps the events of one project (and every `missed` marker).
#[derive(Debug, Deserialize)]
pub struct EventFilter {
    project: Option<String>,
}

/// `GET /api/v1/events`: one SSE message per event, `event:` its kind and `data:` its JSON;
/// only events of projects the caller may read. The stream ends within seconds when the
/// caller's credential stops working or they lose access to one of those projects.
pub async fn stream(
    State(services): State<Services>,
    caller: Caller,
    Query(filter): Query<EventFilter>,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>, ApiError> {
    let readable: HashSet<String> = caller
        .principal
        .readable_projects(&services.graph)
        .await?
        .into_iter()
        .map(|(project, _)| project.name)
        .collect();
    let site_admin = caller.principal.site_admin().is_ok();
    let watch = AccessWatch {
        graph: services.graph.clone(),
        access_tokens: services.access_tokens.clone(),
        credential: caller.meta.credential.clone(),
    };
    let lost = Box::pin(watch.lost(None, readable.clone()));
    let events = services
        .events
        .subscribe()
        .take_until(lost)
        .filter_map(move |event| {
            let keep = match event.project() {
                Some(project) => {
                    readable.contains(project)
                        && filter.project.as_deref().is_none_or(|wanted| wanted == project)
                }
                None => site_admin || matches!(event, Event::Missed { .. }),
            };
            let message = keep.then(|| {
                let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
                Ok(sse::Event::default().event(event.kind()).data(data))
            });
            std::future::ready(message)
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
