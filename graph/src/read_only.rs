//! A read-only, recording view of an engine: what answers questions about the graph runs on
//! it, so a question can never write, and the answer can show the exact Cypher (every named
//! query with its parameters, in order) that produced it.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::executor::{Executor, IndexSpec, Statement, GENERATED_QUERY};
use crate::queries::Query;
use crate::value::{Params, Row};

/// One statement a read-only view ran.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedQuery {
    /// The query's name (its file under `cypher/`, or [`GENERATED_QUERY`]).
    pub name: String,
    /// The statement text.
    pub text: String,
    /// The parameters it ran with.
    pub params: Params,
    /// How many rows it returned.
    pub rows: usize,
}

/// The statements a read-only view has run so far, shared with the view.
#[derive(Debug, Clone, Default)]
pub struct QueryTrace(Arc<Mutex<Vec<TracedQuery>>>);

impl QueryTrace {
    /// Everything recorded, in the order it ran.
    pub fn queries(&self) -> Vec<TracedQuery> {
        self.0.lock().map(|queries| queries.clone()).unwrap_or_default()
    }

    fn record(&self, name: &str, text: &str, params: Params, rows: usize) {
        if let Ok(mut queries) = self.0.lock() {
            queries.push(TracedQuery {
                name: name.to_owned(),
                text: text.to_owned(),
                params,
                rows,
            });
        }
    }
}

/// Runs reads on the engine underneath and records them; refuses every write.
#[derive(Debug)]
pub struct ReadOnlyExecutor {
    inner: Arc<dyn Executor>,
    trace: QueryTrace,
}

impl ReadOnlyExecutor {
    /// A view of `inner` recording into `trace`.
    pub fn new(inner: Arc<dyn Executor>, trace: QueryTrace) -> Self {
        Self { inner, trace }
    }
}

fn refuse(query: &Query) -> Error {
    Error::Forbidden(format!("`{}` writes, and this view only reads", query.name))
}

#[async_trait]
impl Executor for ReadOnlyExecutor {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        if query.writes {
            return Err(refuse(query));
        }
        let rows = self.inner.execute(query, params.clone()).await?;
        self.trace.record(query.name, query.text, params, rows.len());
        Ok(rows)
    }

    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>> {
        let rows = self.inner.execute_generated(text, params.clone()).await?;
        self.trace.record(GENERATED_QUERY, text, params, rows.len());
        Ok(rows)
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        match statements.first() {
            Some(statement) => Err(refuse(statement.query)),
            None => Ok(Vec::new()),
        }
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        Err(Error::Forbidden(format!(
            "an index on {}.{} changes the schema, and this view only reads",
            index.label, index.property
        )))
    }

    fn engine_name(&self) -> &'static str {
        self.inner.engine_name()
    }
}
