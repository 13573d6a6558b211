//! The embedded engine: graphdblite (Cypher on SQLite) in a file of the data directory.
//!
//! graphdblite's `Database` needs `&mut self` and blocks, so the engine keeps one
//! writer handle behind a mutex (SQLite allows one writer at a time anyway) and a
//! small pool of reader handles; WAL mode lets readers run while the writer commits.
//! Every call runs on tokio's blocking pool, never on the async workers. Every write
//! transaction (an atomic batch, or a whole `Graph::in_write_transaction`) is all-or-nothing:
//! any failure rolls it back whole, so its statements take no savepoints of their own.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use graphdblite::{Config, Database, GraphError, SyncMode};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::executor::{Executor, IndexSpec, Statement, Transaction, TransactionSource};
use crate::failpoint;
use crate::queries::Query;
use crate::value::{Params, Row, Value};

/// Reader handles opened next to the writer; two cores here, a few more on bigger hosts.
const READER_HANDLES: usize = 4;

/// How much of the graph file SQLite maps into memory (shared by every handle).
const GRAPH_MMAP_BYTES: i64 = 64 * 1024 * 1024;

/// graphdblite opened on one file, with one writer and a pool of readers.
pub struct EmbeddedEngine {
    path: PathBuf,
    writer: Writer,
    readers: Arc<ReaderPool>,
}

/// The writer handle. An asynchronous mutex only because a write transaction holds it, as an
/// owned guard, across the calls run in it (see [`EmbeddedTransaction`]); it is only ever
/// locked on the blocking pool.
type Writer = Arc<tokio::sync::Mutex<Database>>;

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Database>>,
    permits: Semaphore,
}

impl ReaderPool {
    /// The idle handles. The lock only guards a push or a pop, which cannot leave the
    /// list half-changed, so a panic elsewhere that poisoned it is harmless.
    fn idle_handles(&self) -> std::sync::MutexGuard<'_, Vec<Database>> {
        held(&self.idle)
    }
}

impl std::fmt::Debug for EmbeddedEngine {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EmbeddedEngine")
            .field("path", &self.path)
            .field("readers", &READER_HANDLES)
            .finish_non_exhaustive()
    }
}

fn engine_config() -> Config {
    Config {
        // An acknowledged write survives a power cut.
        synchronous: SyncMode::Full,
        // Lineage chains are deep (the benchmark goes to depth 50, real projects deeper).
        max_traversal_depth: 10_000,
        // Cached full features can outgrow the 1 MiB input limit after many diffs.
        max_property_value_bytes: 16 * 1024 * 1024,
        // SQLite maps this much of the file and reads the rest into each handle's page cache
        // (`cache_size`, 32 MiB by default). The mapped pages a query touches stay resident,
        // so with graphdblite's 256 MiB the server's memory grew with the file (by 250 MiB in
        // the hour soak); this bounds it.
        mmap_size: GRAPH_MMAP_BYTES,
        ..Config::default()
    }
}

fn open_database(path: &PathBuf) -> Result<Database> {
    Database::open_with_config(path, engine_config())
        .map_err(|error| Error::Unavailable(format!("cannot open graph file {}: {error}", path.display())))
}

impl EmbeddedEngine {
    /// Opens (creating when missing) the graph file at `path`.
    pub async fn open(path: PathBuf) -> Result<Self> {
        let opened_path = path.clone();
        let (writer, readers) = tokio::task::spawn_blocking(move || -> Result<_> {
            if let Some(parent) = opened_path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|error| {
                    Error::Unavailable(format!("cannot create {}: {error}", parent.display()))
                })?;
            }
            let writer = open_database(&opened_path)?;
            let readers = (0..READER_HANDLES)
                .map(|_| open_database(&opened_path))
                .collect::<Result<Vec<_>>>()?;
            Ok((writer, readers))
        })
        .await
        .map_err(|error| Error::Internal(format!("graph open task failed: {error}")))??;
        Ok(Self {
            path: path.clone(),
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers: Arc::new(ReaderPool {
                path,
                idle: Mutex::new(readers),
                permits: Semaphore::new(READER_HANDLES),
            }),
        })
    }

    /// The graph file.
    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Replaces every reader handle: each caches query plans, and a plan made
    /// before an index existed would keep scanning.
    async fn reopen_readers(&self) -> Result<()> {
        let _all = self
            .readers
            .permits
            .acquire_many(READER_HANDLES as u32)
            .await
            .map_err(|_| Error::Internal("graph reader pool closed".into()))?;
        let readers = Arc::clone(&self.readers);
        blocking(move || {
            let fresh = (0..READER_HANDLES)
                .map(|_| open_database(&readers.path))
                .collect::<Result<Vec<_>>>()?;
            *readers.idle_handles() = fresh;
            Ok(())
        })
        .await
    }

    async fn with_writer<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let writer = Arc::clone(&self.writer);
        blocking(move || {
            // A panic inside graphdblite unwinds through its transaction guard, which rolls
            // back; the handle stays usable (the mutex does not poison).
            let mut database = writer.blocking_lock();
            work(&mut database)
        })
        .await
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("graph reader pool closed".into()))?;
        let readers = Arc::clone(&self.readers);
        blocking(move || {
            let mut database = take_idle(&readers)?;
            let result = work(&mut database);
            readers.idle_handles().push(database);
            result
        })
        .await
    }
}

/// Runs `query` on `database` in a transaction of its own.
fn run_statement(
    database: &mut Database,
    query: &'static Query,
    params: &HashMap<String, graphdblite::Value>,
) -> Result<Vec<Row>> {
    let records = database
        .execute_with_params(query.text, Some(params))
        .map_err(|error| engine_error(query, error))?;
    records.into_iter().map(from_engine_record).collect()
}

/// An idle reader handle; a fresh one when a panic lost one (its permit came back, the
/// handle did not), so the pool heals instead of failing every later read.
fn take_idle(readers: &ReaderPool) -> Result<Database> {
    let idle = readers.idle_handles().pop();
    match idle {
        Some(database) => Ok(database),
        None => open_database(&readers.path),
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Internal(format!("graph task failed: {error}")))?
}

#[async_trait]
impl Executor for EmbeddedEngine {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        let params = to_engine_params(params);
        let run = move |database: &mut Database| run_statement(database, query, &params);
        if query.writes {
            self.with_writer(move |database| {
                failpoint::hit(failpoint::GRAPH_COMMIT, query.name);
                let rows = run(database);
                failpoint::hit(failpoint::GRAPH_COMMITTED, query.name);
                rows
            })
            .await
        } else {
            self.with_reader(run).await
        }
    }

    async fn execute_read_for_write(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        if query.writes {
            return self.execute(query, params).await;
        }
        let params = to_engine_params(params);
        self.with_writer(move |database| run_statement(database, query, &params))
            .await
    }

    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>> {
        let (text, params) = (text.to_owned(), to_engine_params(params));
        self.with_reader(move |database| {
            let transaction = database
                .read_tx()
                .map_err(|error| Error::Unavailable(format!("cannot begin a read: {error}")))?;
            let records = transaction
                .query_with_params(&text, Some(&params))
                .map_err(generated_error)?;
            records.into_iter().map(from_engine_record).collect()
        })
        .await
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        let transactions = EmbeddedTransactions(Arc::clone(&self.writer));
        blocking(move || {
            // An error drops the transaction, which rolls the whole batch back.
            let transaction = transactions.open()?;
            let results = statements
                .into_iter()
                .map(|statement| transaction.run(statement.query, statement.params))
                .collect::<Result<Vec<_>>>()?;
            transaction.commit()?;
            Ok(results)
        })
        .await
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        let created = self
            .with_writer(move |database| {
                let transaction = database
                    .write_tx()
                    .map_err(|error| write_failure("cannot begin a write", error))?;
                let created = match transaction.create_index(index.label, index.property) {
                    Ok(()) => true,
                    Err(GraphError::IndexAlreadyExists { .. }) => false,
                    Err(error) => {
                        return Err(Error::Internal(format!(
                            "cannot create index on {}.{}: {error}",
                            index.label, index.property
                        )))
                    }
                };
                transaction
                    .commit()
                    .map_err(|error| write_failure("commit failed", error))?;
                Ok(created)
            })
            .await?;
        if created {
            self.reopen_readers().await?;
        }
        Ok(())
    }

    fn engine_name(&self) -> &'static str {
        "embedded"
    }

    fn write_transactions(&self) -> Option<Arc<dyn TransactionSource>> {
        Some(Arc::new(EmbeddedTransactions(Arc::clone(&self.writer))))
    }
}

/// Opens [`EmbeddedTransaction`]s on the writer.
struct EmbeddedTransactions(Writer);

impl EmbeddedTransactions {
    fn open(&self) -> Result<EmbeddedTransaction> {
        let mut database = Arc::clone(&self.0).blocking_lock_owned();
        // The caller rolls the whole transaction back when any statement fails, so statements
        // take no savepoint of their own (patched engine: with them, every page a statement
        // changed was first copied to SQLite's sub-journal, ~9 % of a creation).
        database
            .begin_write_all_or_nothing()
            .map_err(|error| write_failure("cannot begin a write", error))?;
        Ok(EmbeddedTransaction {
            writer: Mutex::new(Some(database)),
            first_write: Mutex::new(None),
        })
    }
}

impl TransactionSource for EmbeddedTransactions {
    fn begin(&self) -> Result<Arc<dyn Transaction>> {
        Ok(Arc::new(self.open()?))
    }
}

/// A write transaction held open on the writer handle: the writer stays locked from its
/// `BEGIN IMMEDIATE` until it commits or is dropped (which rolls it back).
struct EmbeddedTransaction {
    /// The locked writer; `None` once committed.
    writer: Mutex<Option<tokio::sync::OwnedMutexGuard<Database>>>,
    /// The first named write run in it: the detail of its commit's failpoints.
    first_write: Mutex<Option<&'static str>>,
}

impl std::fmt::Debug for EmbeddedTransaction {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EmbeddedTransaction")
            .finish_non_exhaustive()
    }
}

/// Locks a mutex whose holders cannot leave it half-changed (a push or a pop, a swapped
/// `Option`), so a panic elsewhere that poisoned it is harmless.
fn held<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl EmbeddedTransaction {
    /// Runs one statement inside the transaction.
    fn run(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        if query.writes {
            held(&self.first_write).get_or_insert(query.name);
        }
        let mut writer = held(&self.writer);
        let database = writer
            .as_mut()
            .ok_or_else(|| Error::Internal(format!("{} ran after its transaction committed", query.name)))?;
        run_statement(database, query, &to_engine_params(params))
    }

    fn refuse(what: &str) -> Error {
        Error::Internal(format!("{what} cannot run inside a write transaction"))
    }
}

#[async_trait]
impl Executor for EmbeddedTransaction {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        self.run(query, params)
    }

    async fn execute_generated(&self, _text: &str, _params: Params) -> Result<Vec<Row>> {
        Err(Self::refuse("a generated statement"))
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        statements
            .into_iter()
            .map(|statement| self.run(statement.query, statement.params))
            .collect()
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        Err(Self::refuse(&format!(
            "an index on {}.{}",
            index.label, index.property
        )))
    }

    fn engine_name(&self) -> &'static str {
        "embedded"
    }
}

impl Transaction for EmbeddedTransaction {
    fn commit(&self) -> Result<()> {
        let name = held(&self.first_write).unwrap_or_default();
        let mut writer = held(&self.writer);
        let database = writer
            .as_mut()
            .ok_or_else(|| Error::Internal("a write transaction committed twice".into()))?;
        failpoint::hit(failpoint::GRAPH_COMMIT, name);
        database
            .commit()
            .map_err(|error| write_failure("commit failed", error))?;
        *writer = None;
        failpoint::hit(failpoint::GRAPH_COMMITTED, name);
        Ok(())
    }
}

impl Drop for EmbeddedTransaction {
    fn drop(&mut self) {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(database) = writer.as_mut().filter(|database| database.in_transaction()) {
            if let Err(error) = database.rollback() {
                tracing::error!(%error, "rolling back an unfinished graph write failed");
            }
        }
    }
}

/// A generated statement's failure is the statement's fault (a write, a syntax error): it is
/// refused as invalid, naming the engine's reason.
fn generated_error(error: GraphError) -> Error {
    Error::invalid("cypher", format!("the engine refused the statement: {error}"))
}

/// A write that could not begin or commit: storage full, else unavailable.
fn write_failure(what: &str, error: GraphError) -> Error {
    Error::from_write_failure(format!("{what}: {error}"), Error::Unavailable)
}

fn engine_error(query: &Query, error: GraphError) -> Error {
    let message = error.to_string();
    if crate::error::is_storage_full(&message) {
        return Error::StorageFull(format!("{} could not write: {message}", query.name));
    }
    let busy = message.contains("database is locked") || message.contains("busy");
    if busy {
        return Error::Unavailable(format!("graph is busy running {}: {message}", query.name));
    }
    Error::Internal(format!("query {} failed: {message}", query.name))
}

fn to_engine_params(params: Params) -> HashMap<String, graphdblite::Value> {
    params
        .0
        .into_iter()
        .map(|(name, value)| (name, to_engine_value(value)))
        .collect()
}

fn to_engine_value(value: Value) -> graphdblite::Value {
    match value {
        Value::Null => graphdblite::Value::Null,
        Value::Bool(flag) => graphdblite::Value::Bool(flag),
        Value::Int(number) => graphdblite::Value::I64(number),
        Value::Float(number) => graphdblite::Value::F64(number),
        Value::String(text) => graphdblite::Value::String(text),
        Value::List(items) => graphdblite::Value::List(items.into_iter().map(to_engine_value).collect()),
    }
}

fn from_engine_record(record: graphdblite::Record) -> Result<Row> {
    record
        .into_fields()
        .map(|(name, value)| Ok((name, from_engine_value(value)?)))
        .collect::<Result<BTreeMap<_, _>>>()
        .map(Row)
}

fn from_engine_value(value: graphdblite::Value) -> Result<Value> {
    Ok(match value {
        graphdblite::Value::Null => Value::Null,
        graphdblite::Value::Bool(flag) => Value::Bool(flag),
        graphdblite::Value::I64(number) => Value::Int(number),
        graphdblite::Value::F64(number) => Value::Float(number),
        graphdblite::Value::String(text) => Value::String(text),
        graphdblite::Value::List(items) => {
            Value::List(items.into_iter().map(from_engine_value).collect::<Result<_>>()?)
        }
        other => {
            return Err(Error::Internal(format!(
                "queries must return plain values, got {other:?}"
            )))
        }
    })
}
