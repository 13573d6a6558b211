//! The services a running server holds, opened from the configuration: the graph (with
//! the write lock its replicas share), the event bus, the job queue and its workers.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use graph::engine::GraphUrl;
use graph::ids::ExperimentId;
use graph::model::Job;
use graph::Graph;
use ingest::blob::{BlobStore, BlobUrl};
use ingest::code_store::CodeStore;
use ingest::events::EventBus;
use ingest::file_store::FileStore;
use ingest::jobs::{Handlers, JobQueue, WorkerConfig, Workers};
use ingest::metric_store::MetricStore;
use ingest::metrics::Limits;

use crate::auth::{AccessTokens, LoginLimiter};
use crate::config::Config;
use crate::events::Announcer;
use crate::evidence::{run_recomputation, ChunkTriggers, RECOMPUTE_JOB};
use crate::files::{run_collection, COLLECT_JOB};
use crate::metrics::COMPACT_JOB;
use crate::search::Search;
use search::ask::language_model::LanguageModel;

/// How long shutdown waits for running jobs to finish.
const JOB_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Everything a request handler may call.
#[derive(Debug, Clone)]
pub struct Services {
    /// Projects, experiments and their lineage.
    pub graph: Graph,
    /// Live events: in-process, or Redis pub/sub across replicas.
    pub events: Arc<dyn EventBus>,
    /// Mutations hand their changes to it; it feeds `events` in the background.
    pub announcer: Announcer,
    /// Background jobs, recorded in the graph.
    pub jobs: JobQueue,
    /// Content-addressed blobs: a local directory or an S3 bucket.
    pub blobs: Arc<dyn BlobStore>,
    /// Signs and checks access tokens.
    pub access_tokens: AccessTokens,
    /// Failed sign-ins per account and address.
    pub login_limiter: Arc<LoginLimiter>,
    /// How long refresh tokens live.
    pub refresh_lifetime: Duration,
    /// Metric series: chunk manifests in the graph, chunk contents in the blob store.
    pub metrics: MetricStore,
    /// Experiment files: policies, uploads, trees, diffs, downloads.
    pub files: FileStore,
    /// Code snapshots: uploads, trees, diffs, restore archives.
    pub code: CodeStore,
    /// The largest upload of one blob or file content (`max_blob_bytes`).
    pub max_blob_bytes: u64,
    /// Stored metric chunks on their way to evidence recomputations.
    pub evidence_triggers: ChunkTriggers,
    /// This replica's full-text index, kept current from `events`, and plain-language questions.
    pub search: Search,
    /// The free space readiness asks for on the data directory's disk.
    pub disk: DiskWatch,
    /// The work done and refused, for `/metrics`.
    pub counters: Arc<crate::telemetry::Counters>,
}

/// The data directory's disk, as readiness sees it.
#[derive(Debug, Clone)]
pub struct DiskWatch {
    /// The data directory.
    pub dir: std::path::PathBuf,
    /// Fewer free bytes than this is a degraded server.
    pub min_free_bytes: u64,
}

impl DiskWatch {
    /// [`graph::Error::StorageFull`] when the disk has less free space than the minimum.
    pub fn check(&self) -> graph::Result<()> {
        // The directory itself, or where it would be created (a server on FalkorDB and S3
        // may never create it).
        let existing = self
            .dir
            .ancestors()
            .find(|dir| dir.exists())
            .unwrap_or(std::path::Path::new("."));
        let stats = rustix::fs::statvfs(existing).map_err(|error| {
            graph::Error::Unavailable(format!(
                "cannot read the free space of {}: {error}",
                self.dir.display()
            ))
        })?;
        let free = stats.f_bavail.saturating_mul(stats.f_frsize);
        if free < self.min_free_bytes {
            return Err(graph::Error::StorageFull(format!(
                "{free} bytes free on the disk of {}, below the minimum of {} (min_free_disk_bytes)",
                self.dir.display(),
                self.min_free_bytes
            )));
        }
        Ok(())
    }
}

impl Services {
    /// Opens every service `config` names. An unreachable graph engine or blob store fails
    /// start-up with its address (never a password); an unreachable Redis does not: events
    /// and job dispatch reconnect in the background.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let url = GraphUrl::parse(&config.graph_url())?;
        let executor = url
            .open()
            .await
            .with_context(|| format!("cannot open graph {}", url.redacted()))?;
        let write_lock = url
            .write_lock(config.redis_url())
            .await
            .context("cannot reach the redis of the shared write lock")?;
        let graph = Graph::open_with_lock(executor, write_lock)
            .await
            .context("cannot prepare the graph schema")?;
        let events = ingest::events::open(config.redis_url())
            .await
            .context("cannot open the event bus")?;
        let jobs =
            JobQueue::open(graph.clone(), config.redis_url(), "rsdk").context("cannot open the job queue")?;
        let outbound = config.outbound()?;
        let blobs = BlobUrl::parse(&config.blobs_url())?
            .open(&outbound)
            .await
            .context("cannot open the blob store")?;
        let files = FileStore::new(graph.clone(), blobs.clone());
        let metrics = MetricStore::new(graph.clone(), blobs.clone(), Limits::default());
        let model = config.ask_model_url.as_deref().map(|url| {
            LanguageModel::new(
                url,
                config.ask_model_key.as_ref().map(|key| key.0.clone()),
                &config.ask_model,
                Duration::from_secs(config.ask_model_timeout_seconds),
                outbound.clone(),
            )
        });
        let search = Search::open(&config.search_dir(), graph.clone(), metrics.clone(), model)?;
        Ok(Self {
            metrics,
            search,
            code: CodeStore::new(graph.clone(), files.clone()),
            max_blob_bytes: config.max_blob_bytes,
            evidence_triggers: ChunkTriggers::default(),
            files,
            access_tokens: AccessTokens::load(config)?,
            login_limiter: Arc::default(),
            refresh_lifetime: Duration::from_secs(config.refresh_token_days * 24 * 3600),
            blobs,
            announcer: Announcer::start(events.clone()),
            graph,
            events,
            jobs,
            counters: Arc::default(),
            disk: DiskWatch {
                dir: config.data_dir.clone(),
                min_free_bytes: config.min_free_disk_bytes,
            },
        })
    }

    /// Starts the job workers: metric compaction, the collection of unused file contents and
    /// evidence recomputation (feature recomputation runs inside the write that needs it, so
    /// it is no job).
    pub fn start_workers(&self) -> Workers {
        let metrics = self.metrics.clone();
        let (files, jobs) = (self.files.clone(), self.jobs.clone());
        let evidence_graph = self.graph.clone();
        let announcer = self.announcer.clone();
        let handlers = Handlers::new()
            .on_fn(COMPACT_JOB, move |job: Job| {
                let metrics = metrics.clone();
                async move {
                    let experiment = job.payload["experiment"]
                        .as_str()
                        .ok_or("the job names no experiment")?
                        .to_owned();
                    metrics.compact(&ExperimentId(experiment)).await?;
                    Ok(())
                }
            })
            .on_fn(COLLECT_JOB, move |job: Job| {
                let (files, jobs) = (files.clone(), jobs.clone());
                async move { Ok(run_collection(&files, &jobs, &job).await?) }
            })
            .on_fn(RECOMPUTE_JOB, move |job: Job| {
                let (graph, announcer) = (evidence_graph.clone(), announcer.clone());
                async move { Ok(run_recomputation(&graph, &announcer, &job.payload).await?) }
            });
        self.jobs.start(handlers, WorkerConfig::default())
    }

    /// Checks that the graph and the blob store answer and that the data disk has room (for
    /// `/readyz`).
    pub async fn check_ready(&self) -> graph::Result<()> {
        self.graph.check_ready().await?;
        self.blobs.check().await?;
        self.disk.check()
    }

    /// Waits for running jobs, up to a grace period.
    pub async fn stop_workers(workers: Workers) {
        if !workers.shutdown(JOB_SHUTDOWN_GRACE).await {
            tracing::warn!("some jobs were still running at shutdown; they run again after their lease");
        }
    }
}
