//! The one seam between the domain and a graph engine.
//!
//! The domain runs named Cypher from `cypher/` through [`Executor`]; an engine
//! (embedded graphdblite, FalkorDB, Neo4j) only has to run a statement with parameters, run
//! several atomically, and create indexes. An engine that can also hold a write transaction
//! open on the calling thread (the embedded one) offers it through
//! [`Executor::write_transactions`], so that a write's reads and batch run in one transaction.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::queries::Query;
use crate::value::{Params, Row};

/// The name a generated (not named) statement goes by in errors and traces.
pub const GENERATED_QUERY: &str = "generated";

/// A statement of an atomic batch: a named query and its parameters.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Which query runs.
    pub query: &'static Query,
    /// Its parameters.
    pub params: Params,
}

impl Statement {
    /// Pairs a query with its parameters.
    pub fn new(query: &'static Query, params: Params) -> Self {
        Self { query, params }
    }
}

/// A property index the schema asks every engine to maintain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// Node label.
    pub label: &'static str,
    /// Indexed property.
    pub property: &'static str,
    /// No two nodes of the label may share a value: server engines enforce it with a
    /// uniqueness constraint (a write that would break it fails with `Conflict`). The
    /// embedded engine, which has one writer process holding the write lock, only indexes.
    pub unique: bool,
}

/// Runs named Cypher on one graph engine.
#[async_trait]
pub trait Executor: Send + Sync + std::fmt::Debug {
    /// Runs one statement in its own transaction and returns its rows.
    /// Read queries may run concurrently; writes are serialized by the engine.
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>>;

    /// Runs a read for a writer that holds the write lock (the read its write depends on):
    /// the same answer as [`Executor::execute`], served where it need not queue behind other
    /// readers while every writer waits for the lock. The embedded engine reads on its writer
    /// handle, which only writers under that lock use; server engines answer as `execute`.
    async fn execute_read_for_write(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        self.execute(query, params).await
    }

    /// Runs one statement that is not a named query — a generated one, checked to be
    /// read-only before it gets here — in a read-only transaction, so the engine itself
    /// refuses a write that slipped through the check. Its errors name the statement
    /// [`GENERATED_QUERY`].
    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>>;

    /// Runs statements in order in one write transaction: all land or none does.
    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>>;

    /// Creates the index (and, for a unique one, the constraint) when it does not exist yet,
    /// with the engine's own DDL.
    async fn ensure_index(&self, index: IndexSpec) -> Result<()>;

    /// A short engine name for logs and `/readyz` (`embedded`, `falkordb`, …).
    fn engine_name(&self) -> &'static str;

    /// Where the engine can hold a write transaction open on the calling thread while the
    /// domain reads, decides and writes (the embedded engine), the source of such
    /// transactions; `None` where it cannot (server engines, views that only read), and the
    /// domain runs its reads and its batch one by one. See `Graph::in_write_transaction`.
    fn write_transactions(&self) -> Option<Arc<dyn TransactionSource>> {
        None
    }
}

/// Write transactions that run on the calling thread: see [`Executor::write_transactions`].
pub trait TransactionSource: Send + Sync {
    /// Opens a write transaction on the engine's writer, waiting until the writer is free.
    /// It blocks: call it on a thread that may block, never on an async worker.
    fn begin(&self) -> Result<Arc<dyn Transaction>>;
}

/// One open write transaction seen as an [`Executor`]: everything run through it joins the
/// transaction (its reads see its own writes, an atomic batch becomes a part of it) and runs
/// on the calling thread, so its futures complete without waiting. Nothing lands before
/// [`Transaction::commit`]; dropped uncommitted, it rolls back. It makes no indexes and opens
/// no transaction inside itself.
pub trait Transaction: Executor {
    /// Commits everything run through it.
    fn commit(&self) -> Result<()>;
}

/// Passes everything to the engine underneath and counts the statements (each statement of an
/// atomic batch counts), for the operator's `/metrics`.
#[derive(Debug)]
pub struct CountingExecutor {
    inner: Arc<dyn Executor>,
    statements: Arc<AtomicU64>,
}

impl CountingExecutor {
    /// Counts what runs on `inner` into `statements`.
    pub fn new(inner: Arc<dyn Executor>, statements: Arc<AtomicU64>) -> Self {
        Self { inner, statements }
    }

    fn count(&self, statements: usize) {
        self.statements.fetch_add(statements as u64, Ordering::Relaxed);
    }
}

#[async_trait]
impl Executor for CountingExecutor {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        self.count(1);
        self.inner.execute(query, params).await
    }

    async fn execute_read_for_write(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        self.count(1);
        self.inner.execute_read_for_write(query, params).await
    }

    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>> {
        self.count(1);
        self.inner.execute_generated(text, params).await
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        self.count(statements.len());
        self.inner.execute_atomic(statements).await
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        self.count(1);
        self.inner.ensure_index(index).await
    }

    fn engine_name(&self) -> &'static str {
        self.inner.engine_name()
    }

    fn write_transactions(&self) -> Option<Arc<dyn TransactionSource>> {
        self.inner.write_transactions()
    }
}
