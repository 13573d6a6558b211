//! Full-text search and questions on the server side: the index the server keeps, the task
//! that keeps it current from the event bus, and the metric store's answers to questions about
//! a value at a step.
//!
//! The index lives under the data directory (`RSDK_SEARCH_DIR`), one per replica: every
//! replica sees every replica's events (with Redis), so each keeps its own index current.
//! Events are notifications, not a log: when the indexer misses some (`missed`), it rebuilds
//! from the graph, which stays the truth. At start-up an empty or outdated index is rebuilt in
//! the background, and `rebuildSearchIndex` (or `rsdk reindex`) rebuilds on demand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use futures::StreamExt;
use graph::ids::{ExperimentId, HypothesisId};
use graph::model::Experiment;
use graph::model::Role;
use graph::Graph;
use ingest::events::{Event, EventBus};
use ingest::metric_store::MetricStore;
use ingest::metrics::Downsample;
use search::ask::language_model::LanguageModel;
use search::ask::{Answer, Helpers, SeriesLookup};
use search::{Document, SearchIndex, SearchRequest, SearchResults};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::files::json_body;
use crate::services::Services;

/// Events arriving within this long of the first one are indexed in one commit.
const BATCH_WINDOW: Duration = Duration::from_millis(200);

/// The server's search index, the graph it is built from, and what answers questions.
#[derive(Debug, Clone)]
pub struct Search {
    /// The tantivy index.
    pub index: Arc<SearchIndex>,
    graph: Graph,
    series: StoreSeries,
    model: Option<LanguageModel>,
}

/// What a batch of events asks the indexer to refresh.
#[derive(Debug, Default)]
struct Pending {
    experiments: BTreeSet<String>,
    hypotheses: BTreeSet<String>,
    metrics: BTreeMap<String, BTreeSet<String>>,
    everything: bool,
}

impl Pending {
    fn add(&mut self, event: Event) {
        match event {
            Event::ExperimentCreated { experiment_id, .. }
            | Event::ExperimentUpdated { experiment_id, .. }
            | Event::ExperimentReparented { experiment_id, .. }
            | Event::ArtifactStored { experiment_id, .. } => {
                self.experiments.insert(experiment_id.to_string());
            }
            Event::MetricsAppended { project, metrics, .. } => {
                self.metrics.entry(project).or_default().extend(metrics);
            }
            Event::HypothesisChanged { hypothesis_id, .. } => {
                self.hypotheses.insert(hypothesis_id);
            }
            Event::Missed { .. } => self.everything = true,
        }
    }
}

/// The running indexer: stopping it lets the batch in hand finish and releases the index
/// (and so its writer lock) once the server's other holders are gone.
#[derive(Debug)]
pub struct Indexer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Indexer {
    /// Stops after the batch in hand and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "the search indexer ended abnormally");
        }
    }
}

impl Search {
    /// Opens (or creates) the index in `directory`; questions read series from `metrics`
    /// and ask `model`, when given, what the planner does not understand.
    pub fn open(
        directory: &Path,
        graph: Graph,
        metrics: MetricStore,
        model: Option<LanguageModel>,
    ) -> anyhow::Result<Self> {
        let index = SearchIndex::open(directory).map_err(|error| {
            anyhow::anyhow!("cannot open the search index in {}: {error}", directory.display())
        })?;
        Ok(Self {
            index: Arc::new(index),
            graph,
            series: StoreSeries(metrics),
            model,
        })
    }

    /// Runs a search (its `projects` already narrowed to what the caller may read).
    pub async fn search(&self, request: SearchRequest) -> graph::Result<SearchResults> {
        let index = self.index.clone();
        blocking(move || index.search(&request)).await
    }

    /// Answers `question` about `project` (the caller may read it).
    pub async fn ask(&self, project: &str, question: &str) -> graph::Result<Answer> {
        let helpers = Helpers {
            index: &self.index,
            series: &self.series,
            model: self.model.as_ref(),
        };
        Ok(search::ask::ask(&self.graph, helpers, project, question, Utc::now()).await?)
    }

    /// Rebuilds the documents of `project` (every project when `None`) from the graph and
    /// returns how many documents it indexed.
    pub async fn rebuild(&self, project: Option<&str>) -> graph::Result<usize> {
        match project {
            Some(project) => {
                let documents = search::documents::project_documents(&self.graph, project).await?;
                let count = documents.len();
                let (index, project) = (self.index.clone(), project.to_owned());
                blocking(move || index.replace_project(&project, documents)).await?;
                Ok(count)
            }
            None => {
                let mut documents = Vec::new();
                for project in self.graph.projects().await? {
                    documents.extend(search::documents::project_documents(&self.graph, &project.name).await?);
                }
                let count = documents.len();
                let index = self.index.clone();
                blocking(move || index.rebuild_all(documents)).await?;
                Ok(count)
            }
        }
    }

    /// Keeps the index current from `bus` until the bus is dropped or the answered
    /// [`Indexer`] is stopped; rebuilds everything first when the index was created empty or
    /// reset (a new data directory, another index version).
    pub fn start_indexer(&self, bus: &Arc<dyn EventBus>) -> Indexer {
        let search = self.clone();
        // Fused: a bus that closes during a batch ends the inner loop, and the outer one must
        // then read the end again rather than poll a finished stream (which panics).
        let mut events = bus.subscribe().fuse();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            if search.index.needs_rebuild() {
                search.rebuild_logged(None).await;
            }
            loop {
                let first = tokio::select! {
                    _ = &mut stopped => break,
                    first = events.next() => match first {
                        Some(event) => event,
                        None => break,
                    },
                };
                let mut pending = Pending::default();
                pending.add(first);
                let deadline = tokio::time::sleep(BATCH_WINDOW);
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        next = events.next() => match next {
                            Some(event) => pending.add(event),
                            None => break,
                        },
                    }
                }
                search.apply(pending).await;
            }
        });
        Indexer { stop, task }
    }

    async fn rebuild_logged(&self, project: Option<&str>) {
        match self.rebuild(project).await {
            Ok(count) => tracing::info!(documents = count, "search index rebuilt from the graph"),
            Err(error) => {
                tracing::warn!(%error, "search index not rebuilt; searches may miss recent changes")
            }
        }
    }

    async fn apply(&self, pending: Pending) {
        if pending.everything {
            self.rebuild_logged(None).await;
            return;
        }
        let mut documents: Vec<Document> = Vec::new();
        let mut removed = Vec::new();
        for id in &pending.experiments {
            match search::documents::experiment_documents(&self.graph, &ExperimentId(id.clone())).await {
                Ok(more) => {
                    documents.extend(more.documents);
                    removed.extend(more.removed);
                }
                Err(error) => tracing::warn!(%error, experiment = %id, "experiment not indexed"),
            }
        }
        for id in &pending.hypotheses {
            match search::documents::hypothesis_document(&self.graph, &HypothesisId(id.clone())).await {
                Ok(document) => documents.push(document),
                Err(error) => tracing::warn!(%error, hypothesis = %id, "hypothesis not indexed"),
            }
        }
        // A metric's document is written once, when a chunk first names it (its direction
        // comes with the project's metric configuration): not again for every chunk.
        let metrics: Vec<Document> = pending
            .metrics
            .iter()
            .flat_map(|(project, metrics)| {
                metrics
                    .iter()
                    .map(|metric| search::documents::metric_document(project, metric, None))
            })
            .collect();
        let index = self.index.clone();
        let written = blocking(move || {
            documents.extend(index.absent(metrics)?);
            match documents.is_empty() && removed.is_empty() {
                true => Ok(()),
                false => index.update(documents, &removed),
            }
        });
        if let Err(error) = written.await {
            tracing::warn!(%error, "search index not updated; `rsdk reindex` rebuilds it");
        }
    }
}

/// Runs index work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> search::Result<T> + Send + 'static,
) -> graph::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| graph::Error::Internal(format!("search task failed: {error}")))?
        .map_err(graph::Error::from)
}

/// The body of `POST /api/v1/ask`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    project: String,
    question: String,
}

/// `POST /api/v1/ask` `{"project", "question"}`: the same answer as GraphQL `ask`, as JSON.
pub async fn ask_route(
    State(services): State<Services>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let question: Question = json_body(&body, "a question (`{\"project\": …, \"question\": …}`)")?;
    let project = caller
        .principal
        .project(&services.graph, &question.project, Role::Viewer)
        .await?;
    let answer = services.search.ask(&project.name, &question.question).await?;
    Ok(Json(crate::graphql::search::Answer::from(answer)).into_response())
}

/// Values at a step, read from the metric store.
#[derive(Debug, Clone)]
pub struct StoreSeries(pub MetricStore);

#[async_trait]
impl SeriesLookup for StoreSeries {
    async fn value_at(
        &self,
        experiment: &Experiment,
        metric: &str,
        step: i64,
    ) -> search::Result<Option<(i64, f64)>> {
        let Ok(step) = u64::try_from(step) else {
            return Ok(None);
        };
        let (_, tail) = self
            .0
            .series_with_tail(&experiment.id, metric, 1, None, Some(step), Downsample::MinMax, 1)
            .await
            .map_err(|error| search::Error::Graph(error.into()))?;
        Ok(tail
            .steps
            .first()
            .zip(tail.values.first())
            .map(|(step, value)| (*step as i64, *value)))
    }
}
