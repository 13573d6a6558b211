//! The HTTP server: GraphQL (and GraphiQL) at `/graphql`, health at `/healthz` and `/readyz`.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;

use anyhow::Context as _;
use async_graphql::http::GraphiQLSource;
use async_graphql::BatchRequest;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use graph::engine::GraphUrl;
use graph::Graph;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::ApiError;
use crate::graphql::{build_schema, RsdkSchema};

#[derive(Clone)]
struct AppState {
    graph: Graph,
    schema: RsdkSchema,
    max_batch: usize,
    graphiql: bool,
}

fn bad_request(message: String) -> Response {
    let body = serde_json::json!({ "code": "BAD_REQUEST", "message": message });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn graphql(State(state): State<AppState>, body: Bytes) -> Response {
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return bad_request(format!("the body is not a GraphQL request: {error}")),
    };
    if let BatchRequest::Batch(requests) = &request {
        if requests.len() > state.max_batch {
            return bad_request(format!(
                "a batch may hold at most {} operations, this one has {}",
                state.max_batch,
                requests.len()
            ));
        }
    }
    Json(state.schema.execute_batch(request).await).into_response()
}

async fn graphiql(State(state): State<AppState>) -> Response {
    if !state.graphiql {
        return (
            StatusCode::NOT_FOUND,
            "the GraphiQL explorer is switched off (RSDK_GRAPHIQL=false)",
        )
            .into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.graph.check_ready().await {
        Ok(()) => {
            Json(serde_json::json!({ "status": "ready", "graph": state.graph.executor().engine_name() }))
                .into_response()
        }
        Err(error) => ApiError(error).into_response(),
    }
}

/// The application's routes over an opened graph.
pub fn router(graph: Graph, config: &Config) -> Router {
    let state = AppState {
        schema: build_schema(Some(graph.clone())),
        graph,
        max_batch: config.max_batch,
        graphiql: config.graphiql,
    };
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state)
}

/// Opens the graph, binds the listener and returns its address and the serving future,
/// which ends after `shutdown` resolves and in-flight requests drain.
pub async fn start(
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, impl Future<Output = std::io::Result<()>>)> {
    config.validate()?;
    let url = config.graph_url();
    let executor = GraphUrl::parse(&url)?
        .open()
        .await
        .with_context(|| format!("cannot open graph {url}"))?;
    let graph = Graph::open(executor)
        .await
        .context("cannot prepare the graph schema")?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    let app = router(graph, config);
    let serving = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    Ok((address, serving.into_future()))
}
