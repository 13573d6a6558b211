//! The domain service: every operation on projects, experiments and hypotheses, over one
//! executor.
//!
//! Reads go straight to the engine. Writes that read before they write (number
//! assignment, cycle checks, feature recomputation) hold the [`WriteLock`], so two of
//! them never interleave, and send their statements as one atomic batch. The lock is
//! per process on the embedded engine (one process by design) and a Redis lease when
//! replicas share a server engine. On the embedded engine a write can also run its reads and
//! its batch in one transaction on one thread that may block (`Graph::in_write_transaction`;
//! experiment creation does).

mod audit;
mod blobs;
mod chunks;
mod code;
mod environment;
mod evidence;
mod evidence_inputs;
mod evidence_snapshot;
mod experiments;
mod features;
mod files;
mod hypotheses;
mod jobs;
mod knowledge;
mod lineage;
mod metrics;
mod metrics_table;
mod projects;
mod reruns;
mod teams;
mod tokens;
mod users;

pub use chunks::ProjectSummaries;
pub use experiments::ExperimentPage;
pub use features::{ExperimentFeatures, FeatureSet, MergePreviewResult};
pub use files::MAX_FILES_PER_COMMIT;
pub use hypotheses::HypothesisPage;
pub use knowledge::{ArtifactOf, ExperimentWithFeatures, FeatureChangeOf, MAX_SUGGESTION_KEY};
pub use metrics_table::{
    Baseline, MetricValues, MetricsTable, ParetoPoint, ProjectValues, TableCell, TableMetric, TableQuery,
    TableRow, MAX_TABLE_METRICS,
};

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::executor::{CountingExecutor, Executor};
use crate::ids::{ExperimentId, ProjectId};
use crate::lock::{LocalWriteLock, WriteLock};
use crate::model::{Experiment, Status};
use crate::queries::Query;
use crate::read_only::{QueryTrace, ReadOnlyExecutor};
use crate::value::Row;

/// The largest page a list returns.
pub const MAX_PAGE_SIZE: i64 = 1_000;

/// Refuses a page size outside 1 to [`MAX_PAGE_SIZE`], naming the input `field`.
pub fn check_page_size(field: &str, size: i64) -> Result<()> {
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(Error::invalid(field, format!("must be 1 to {MAX_PAGE_SIZE}")));
    }
    Ok(())
}

/// Projects, experiments and their lineage on one graph.
#[derive(Debug, Clone)]
pub struct Graph {
    executor: Arc<dyn Executor>,
    write_lock: Arc<dyn WriteLock>,
    /// What the evidence reads about each project's experiments, between recomputations.
    snapshots: Arc<evidence_snapshot::SnapshotCache>,
    /// The evidence units each hypothesis stored last.
    evidence_units: Arc<evidence_snapshot::UnitsCache>,
    /// Each project's summaries as the runs table read them last.
    summaries: Arc<chunks::SummariesCache>,
    /// Each project's table values as computed last, by values version and configuration.
    table_values: Arc<metrics_table::ValuesCache>,
    /// Each project's DAG as read last, by DAG version.
    dags: Arc<lineage::DagCache>,
    /// Statements run on the engine since this graph opened.
    statements: Arc<AtomicU64>,
    /// Chunk records waiting for their group commit.
    chunk_queue: Arc<chunks::ChunkQueue>,
}

impl Graph {
    /// Wraps an engine that this process alone writes to, and brings its schema up to date.
    pub async fn open(executor: Arc<dyn Executor>) -> Result<Self> {
        Self::open_with_lock(executor, Arc::new(LocalWriteLock::default())).await
    }

    /// Wraps an engine whose writers coordinate through `write_lock` (replicas share one),
    /// and brings its schema up to date under that lock.
    pub async fn open_with_lock(executor: Arc<dyn Executor>, write_lock: Arc<dyn WriteLock>) -> Result<Self> {
        {
            let _migrating = write_lock.acquire().await?;
            crate::schema::migrate(executor.as_ref()).await?;
        }
        Ok(Self::with_fresh_caches(executor, write_lock, Arc::default()))
    }

    /// A graph over `executor`, counting its statements into `statements`, with nothing kept
    /// in memory yet.
    fn with_fresh_caches(
        executor: Arc<dyn Executor>,
        write_lock: Arc<dyn WriteLock>,
        statements: Arc<AtomicU64>,
    ) -> Self {
        Self {
            executor: Arc::new(CountingExecutor::new(executor, statements.clone())),
            statements,
            write_lock,
            snapshots: Arc::default(),
            evidence_units: Arc::default(),
            summaries: Arc::default(),
            table_values: Arc::default(),
            dags: Arc::default(),
            chunk_queue: Arc::default(),
        }
    }

    /// The engine underneath (for readiness checks and benchmarks).
    pub fn executor(&self) -> &Arc<dyn Executor> {
        &self.executor
    }

    /// The same graph through a view that refuses every write and records every read, for
    /// answering questions: the trace lists the exact Cypher that produced an answer.
    pub fn read_only(&self) -> (Graph, QueryTrace) {
        let trace = QueryTrace::default();
        let executor = Arc::new(ReadOnlyExecutor::new(self.executor.clone(), trace.clone()));
        let graph = Graph {
            executor,
            write_lock: self.write_lock.clone(),
            snapshots: self.snapshots.clone(),
            evidence_units: self.evidence_units.clone(),
            summaries: self.summaries.clone(),
            table_values: self.table_values.clone(),
            dags: self.dags.clone(),
            statements: self.statements.clone(),
            chunk_queue: Arc::default(),
        };
        (graph, trace)
    }

    /// Runs `work` on a view of this graph whose every query and batch joins one write
    /// transaction, committed when `work` succeeds and rolled back when it fails, where the
    /// engine offers such transactions (the embedded engine). All of `work` then runs on one
    /// thread, with reads that see the transaction's own writes: on a multi-threaded runtime
    /// the calling thread itself (`block_in_place` hands the thread's other tasks to another
    /// thread, so the write starts without waiting for a pool thread to wake up), else a thread
    /// of the blocking pool. Elsewhere `work` runs on this graph as it is (its reads, then its
    /// atomic batch). The caller holds the write lock, which `work` must not take again. The
    /// view starts with empty caches, so nothing read inside an uncommitted transaction is
    /// kept.
    pub(crate) async fn in_write_transaction<T, F, Fut>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Graph) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T>> + Send,
    {
        let Some(transactions) = self.executor.write_transactions() else {
            return work(self.clone()).await;
        };
        let (write_lock, statements) = (self.write_lock.clone(), self.statements.clone());
        // The transaction's futures never wait (it runs on this thread), so driving `work` here
        // blocks only on the engine.
        let runtime = tokio::runtime::Handle::current();
        let span = tracing::Span::current();
        let flavor = runtime.runtime_flavor();
        let run = move || {
            let transaction = transactions.begin()?;
            let view = Graph::with_fresh_caches(transaction.clone(), write_lock, statements);
            // An error drops the transaction uncommitted, which rolls it back.
            let value = runtime.block_on(tracing::Instrument::instrument(work(view), span))?;
            transaction.commit()?;
            Ok(value)
        };
        if flavor == tokio::runtime::RuntimeFlavor::MultiThread {
            return tokio::task::block_in_place(run);
        }
        tokio::task::spawn_blocking(run)
            .await
            .map_err(|error| Error::Internal(format!("graph write task failed: {error}")))?
    }

    /// One of a project's version counters (its values or its DAG version), read with `query`
    /// (which returns it as `version`); 0 before the first change, or for a missing project.
    pub(super) async fn project_version(&self, query: &'static Query, project_id: &ProjectId) -> Result<i64> {
        let params = crate::value::Params::new().with("project_id", project_id.as_str());
        let rows = self.executor.execute(query, params).await?;
        Ok(match rows.first() {
            Some(row) => row.opt_int("version")?.unwrap_or_default(),
            None => 0,
        })
    }

    /// Statements run on the engine since this graph opened (schema migrations excluded).
    pub fn statements_run(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs a generated statement (not a named query) read-only: the caller has checked it
    /// (see the `search` crate's `ask::generated`); the engine refuses writes as well.
    pub async fn run_generated(&self, text: &str, params: crate::value::Params) -> Result<Vec<Row>> {
        self.executor.execute_generated(text, params).await
    }

    /// Answers when the engine runs a query (for `/readyz`).
    pub async fn check_ready(&self) -> Result<()> {
        self.executor
            .execute(&crate::queries::SCHEMA_VERSION, crate::value::Params::new())
            .await
            .map(|_| ())
    }
}

/// The current time at the precision timestamps are stored with, so a value
/// returned from a write equals the value read back.
fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

fn timestamp(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_timestamp(column: &str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|parsed| parsed.with_timezone(&Utc))
        .map_err(|error| Error::Internal(format!("stored {column} `{text}` is not a timestamp: {error}")))
}

fn optional_timestamp(row: &Row, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.opt_string(column)?
        .map(|text| parse_timestamp(column, &text))
        .transpose()
}

/// The stored key of experiment `number` in a project: indexed, unique.
fn experiment_key(project_id: &ProjectId, number: i64) -> String {
    format!("{project_id}/{number}")
}

fn experiment_from_row(row: &Row) -> Result<Experiment> {
    Ok(Experiment {
        id: ExperimentId(row.string("id")?),
        project_id: ProjectId(row.string("project_id")?),
        number: row.int("number")?,
        name: row.string("name")?,
        status: Status::parse(&row.string("status")?)?,
        progress: row.int("progress")?,
        notes: row.opt_string("notes")?.unwrap_or_default(),
        tags: row.strings("tags")?,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        updated_at: parse_timestamp("updated_at", &row.string("updated_at")?)?,
        started_at: optional_timestamp(row, "started_at")?,
        ended_at: optional_timestamp(row, "ended_at")?,
    })
}

fn experiments_from_rows(rows: &[Row]) -> Result<Vec<Experiment>> {
    rows.iter().map(experiment_from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EmbeddedEngine;
    use crate::model::NewProject;

    async fn embedded_graph(directory: &tempfile::TempDir) -> Graph {
        let engine = EmbeddedEngine::open(directory.path().join("graph.db"))
            .await
            .expect("the engine opens");
        Graph::open(Arc::new(engine)).await.expect("the graph opens")
    }

    fn new_project(name: &str) -> NewProject {
        NewProject {
            name: name.into(),
            ..NewProject::default()
        }
    }

    #[tokio::test]
    async fn a_write_transaction_reads_its_own_writes_and_lands_only_when_its_work_succeeds() {
        let directory = tempfile::tempdir().expect("temp dir");
        let graph = embedded_graph(&directory).await;
        assert!(
            graph.executor.write_transactions().is_some(),
            "the embedded engine has them"
        );

        let outside = graph.clone();
        let failed = graph
            .in_write_transaction(move |inside| async move {
                inside.create_project(new_project("vit")).await?;
                let seen_inside = inside.project("vit").await.map(|project| project.name);
                let seen_outside = outside.project("vit").await.map(|project| project.name);
                assert_eq!(seen_inside.ok().as_deref(), Some("vit"), "its own write");
                assert!(
                    matches!(seen_outside, Err(Error::NotFound { .. })),
                    "uncommitted: {seen_outside:?}"
                );
                Err::<(), _>(Error::invalid("name", "refused after the write"))
            })
            .await;
        assert!(matches!(failed, Err(Error::Invalid { .. })), "{failed:?}");
        assert!(matches!(graph.project("vit").await, Err(Error::NotFound { .. })));

        let created = graph
            .in_write_transaction(|inside| async move { inside.create_project(new_project("vit")).await })
            .await
            .expect("committed");
        assert_eq!(graph.project("vit").await.expect("landed").id, created.id);
    }
}
