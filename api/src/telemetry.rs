//! What an operator scrapes at `GET /metrics` (Prometheus text format, site administrators
//! only): how much work the server did, and how much it refused before doing any.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::Services;

/// The server's own counters (the graph counts its statements itself).
#[derive(Debug, Default)]
pub struct Counters {
    /// GraphQL operations that passed parsing and validation and ran their resolvers.
    pub operations_executed: AtomicU64,
    /// GraphQL operations refused by the shape limits before authentication.
    pub operations_refused: AtomicU64,
}

impl Counters {
    /// Counts `count` more of `counter`.
    pub fn add(counter: &AtomicU64, count: u64) {
        counter.fetch_add(count, Ordering::Relaxed);
    }
}

/// The schema extension that counts executed operations.
#[derive(Debug, Clone)]
pub struct CountOperations(pub Arc<Counters>);

impl ExtensionFactory for CountOperations {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for CountOperations {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        Counters::add(&self.0.operations_executed, 1);
        next.run(ctx, operation_name).await
    }
}

/// `GET /metrics` (site administrators).
pub async fn scrape(State(services): State<Services>, caller: Caller) -> Result<Response, ApiError> {
    caller.principal.site_admin()?;
    let counters = &services.counters;
    let families = [
        (
            "rsdk_graph_statements_total",
            "Statements run on the graph engine.",
            services.graph.statements_run(),
        ),
        (
            "rsdk_graphql_operations_executed_total",
            "GraphQL operations that passed the limits and validation and ran.",
            counters.operations_executed.load(Ordering::Relaxed),
        ),
        (
            "rsdk_graphql_operations_refused_total",
            "GraphQL operations refused by the shape limits before authentication.",
            counters.operations_refused.load(Ordering::Relaxed),
        ),
    ];
    let text: String = families
        .iter()
        .map(|(name, help, value)| format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"))
        .collect();
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}
