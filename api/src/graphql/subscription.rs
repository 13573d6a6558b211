//! Live GraphQL subscriptions over the event bus: the new metric points of one experiment and
//! the changes of one project. The bus is Redis pub/sub when replicas share one, so a chunk
//! posted to any replica reaches a subscriber on any other.
//!
//! Access is checked when a subscription starts (a project the caller may not read answers
//! `NOT_FOUND`, exactly like a query) and again every few seconds while it runs: logout, a
//! revoked token or a lost role ends it.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, SimpleObject, Subscription};
use futures::stream::{self, Stream, StreamExt};
use graph::ids::ExperimentId;
use graph::model::Role;
use graph::Graph;
use ingest::events::{Event, EventBus, EventStream};
use ingest::metric_store::MetricStore;
use ingest::metrics::ChunkSeries;

use super::caller;
use super::metrics::MetricValue;
use crate::auth::{AccessTokens, AccessWatch, RequestMeta};
use crate::error::GraphQlResultExt;

/// The root of live operations.
#[derive(Debug, Default)]
pub struct SubscriptionRoot;

/// One point of a metric chunk.
#[derive(SimpleObject, Debug)]
pub struct LiveMetricPoint {
    pub metric: String,
    pub step: i64,
    pub value: MetricValue,
}

/// The points of one stored chunk (de-duplicated: one per metric and step).
#[derive(SimpleObject, Debug)]
pub struct MetricPointBatch {
    /// The chunk's place in the experiment's manifest (1, 2, … in recording order).
    pub chunk_sequence: i64,
    pub points: Vec<LiveMetricPoint>,
}

/// Something that happened in a project: `experiment_created`, `experiment_updated`,
/// `experiment_reparented`, `metrics_appended`, or `missed` (events were lost, re-read what
/// you show).
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct ProjectEvent {
    pub kind: String,
    /// The experiment's number in the project.
    pub number: Option<i64>,
    /// The largest step of an appended chunk.
    pub last_step: Option<i64>,
    /// The metrics an appended chunk has points of.
    pub metrics: Option<Vec<String>>,
}

/// Re-checks the connection's credential and access while a subscription runs.
fn access_watch(context: &Context<'_>) -> async_graphql::Result<AccessWatch> {
    Ok(AccessWatch {
        graph: context.data::<Graph>()?.clone(),
        access_tokens: context.data::<AccessTokens>()?.clone(),
        credential: context.data::<RequestMeta>()?.credential.clone(),
    })
}

/// The bus the connection subscribes to (put in the connection data by `/graphql/ws`).
fn bus(context: &Context<'_>) -> async_graphql::Result<Arc<dyn EventBus>> {
    Ok(context.data::<Arc<dyn EventBus>>()?.clone())
}

#[Subscription]
impl SubscriptionRoot {
    /// The points of every chunk stored for experiment `number` of `project` from now on, one
    /// batch per chunk, in manifest order. After missed events (a slow subscriber, a Redis
    /// outage) the chunks stored meanwhile are delivered on the next event.
    async fn metric_points(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MetricPointBatch>>> {
        let graph = context.data::<Graph>()?.clone();
        caller(context)
            .project(&graph, &project, Role::Viewer)
            .await
            .gql()?;
        let experiment = graph.experiment(&project, number).await.gql()?;
        let store = context.data::<MetricStore>()?.clone();
        // Subscribe before reading where the manifest stands, so no chunk falls in between.
        let events = bus(context)?.subscribe();
        let shown = graph
            .chunks(&experiment.id)
            .await
            .gql()?
            .last()
            .map_or(0, |chunk| chunk.sequence);
        let project_name = project.clone();
        let watch = ChunkWatch {
            events,
            store,
            experiment: experiment.id,
            project,
            number,
            shown,
        };
        let lost = Box::pin(access_watch(context)?.lost(Some(project_name), HashSet::new()));
        Ok(stream::unfold(watch, ChunkWatch::next_batches)
            .flat_map(stream::iter)
            .take_until(lost))
    }

    /// The experiment and metric events of `project` from now on.
    async fn project_events(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<impl Stream<Item = ProjectEvent>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let events = bus(context)?.subscribe();
        let lost = Box::pin(access_watch(context)?.lost(Some(project.clone()), HashSet::new()));
        Ok(events
            .take_until(lost)
            .filter_map(move |event| std::future::ready(project_event(&project, event))))
    }
}

/// A `metricPoints` subscription between two events: where its experiment's manifest was
/// when it last looked.
struct ChunkWatch {
    events: EventStream,
    store: MetricStore,
    experiment: ExperimentId,
    project: String,
    number: i64,
    /// The largest chunk sequence delivered (or present when the subscription started).
    shown: i64,
}

type Batches = Vec<async_graphql::Result<MetricPointBatch>>;

impl ChunkWatch {
    /// Waits for an event that may mean new chunks, and answers the batches of the chunks
    /// stored since the last look (an error when they cannot be read: the next event retries
    /// them). `None` when the bus is gone.
    async fn next_batches(mut self) -> Option<(Batches, Self)> {
        loop {
            let event = self.events.next().await?;
            if !self.may_have_new_chunks(&event) {
                continue;
            }
            // The next chunk, named by its event: shown from the cache (or its blob) without
            // reading the manifest, which every subscriber would otherwise read per chunk.
            if let Event::MetricsAppended {
                chunk: Some(appended),
                ..
            } = &event
            {
                if appended.sequence <= self.shown {
                    continue;
                }
                if appended.sequence == self.shown + 1 {
                    let batch = match self.store.chunk_series(&appended.digest).await {
                        Ok(chunk) => Ok(batch(appended.sequence, &chunk)),
                        Err(error) => Err(error).gql(),
                    };
                    if batch.is_ok() {
                        self.shown = appended.sequence;
                    }
                    return Some((vec![batch], self));
                }
            }
            let chunks = match self.store.chunks_after(&self.experiment, self.shown).await {
                Ok(chunks) => chunks,
                Err(error) => return Some((vec![Err(error).gql()], self)),
            };
            if chunks.is_empty() {
                continue;
            }
            if let Some((sequence, _)) = chunks.last() {
                self.shown = *sequence;
            }
            let batches = chunks
                .into_iter()
                .map(|(sequence, chunk)| Ok(batch(sequence, &chunk)))
                .collect();
            return Some((batches, self));
        }
    }

    fn may_have_new_chunks(&self, event: &Event) -> bool {
        match event {
            Event::MetricsAppended { project, number, .. } => {
                *project == self.project && *number == self.number
            }
            Event::Missed { .. } => true,
            _ => false,
        }
    }
}

fn batch(sequence: i64, chunk: &ChunkSeries) -> MetricPointBatch {
    let mut points = Vec::with_capacity(chunk.len());
    for (metric, series) in chunk.metrics() {
        points.extend(
            series
                .steps
                .iter()
                .zip(&series.values)
                .map(|(step, value)| LiveMetricPoint {
                    metric: metric.to_owned(),
                    // Steps past i64::MAX are refused at ingestion.
                    step: i64::try_from(*step).unwrap_or(i64::MAX),
                    value: MetricValue(*value),
                }),
        );
    }
    MetricPointBatch {
        chunk_sequence: sequence,
        points,
    }
}

/// `event` as `project`'s subscribers see it; `None` for another project's events and kinds
/// this subscription does not carry.
fn project_event(project: &str, event: Event) -> Option<ProjectEvent> {
    let kind = event.kind().to_owned();
    let of_project = |name: &str, number: i64| {
        (name == project).then(|| ProjectEvent {
            kind: kind.clone(),
            number: Some(number),
            last_step: None,
            metrics: None,
        })
    };
    match event {
        Event::ExperimentCreated {
            project: name,
            number,
            ..
        }
        | Event::ExperimentUpdated {
            project: name,
            number,
            ..
        }
        | Event::ExperimentReparented {
            project: name,
            number,
            ..
        } => of_project(&name, number),
        Event::MetricsAppended {
            project: name,
            number,
            metrics,
            last_step,
            ..
        } => of_project(&name, number).map(|event| ProjectEvent {
            last_step: Some(last_step),
            metrics: Some(metrics),
            ..event
        }),
        Event::Missed { .. } => Some(ProjectEvent {
            kind,
            number: None,
            last_step: None,
            metrics: None,
        }),
        Event::ArtifactStored { .. } | Event::HypothesisChanged { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_events_keep_their_project_and_mark_missed_ones() {
        let appended = Event::MetricsAppended {
            project: "vit".into(),
            number: 3,
            experiment_id: ExperimentId("e1".into()),
            metrics: vec!["loss".into()],
            last_step: 7,
            chunk: None,
        };
        assert_eq!(
            project_event("vit", appended.clone()),
            Some(ProjectEvent {
                kind: "metrics_appended".into(),
                number: Some(3),
                last_step: Some(7),
                metrics: Some(vec!["loss".into()]),
            })
        );
        assert_eq!(project_event("other", appended), None);
        let missed = project_event("vit", Event::Missed { count: Some(2) }).expect("kept");
        assert_eq!(missed.kind, "missed");
        assert_eq!(missed.number, None);
        let hypothesis = Event::HypothesisChanged {
            project: "vit".into(),
            hypothesis_id: "h1".into(),
        };
        assert_eq!(project_event("vit", hypothesis), None);
    }
}
