//! The HTTP server: GraphQL (and GraphiQL) at `/graphql`, live events at `/api/v1/events`,
//! health at `/healthz` and `/readyz`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::auth::Caller;
use crate::blobs::{self, BlobRoutes};
use crate::config::Config;
use crate::error::ApiError;
use crate::events;
use crate::graphql::{build_schema, RsdkSchema};
use crate::metrics;
use crate::services::Services;
use crate::telemetry::Counters;
use crate::{code, files};

#[derive(Clone)]
struct AppState {
    services: Services,
    blobs: BlobRoutes,
    schema: RsdkSchema,
    max_batch: usize,
    graphiql: bool,
    /// How long a query (not a mutation) may run.
    query_timeout: Duration,
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Self {
        state.services.clone()
    }
}

impl FromRef<AppState> for BlobRoutes {
    fn from_ref(state: &AppState) -> Self {
        state.blobs.clone()
    }
}

fn bad_request(message: String) -> Response {
    let body = serde_json::json!({ "code": "BAD_REQUEST", "message": message });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn graphql(State(state): State<AppState>, mut parts: Parts, body: Bytes) -> Response {
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return bad_request(format!("the body is not a GraphQL request: {error}")),
    };
    let (batched, mut requests) = match request {
        BatchRequest::Single(single) => (false, vec![single]),
        BatchRequest::Batch(many) => {
            if many.len() > state.max_batch {
                return bad_request(format!(
                    "a batch may hold at most {} operations, this one has {}",
                    state.max_batch,
                    many.len()
                ));
            }
            (true, many)
        }
    };
    // The shape limits come first: a parser, depth or alias bomb is refused before the caller
    // is authenticated, so it costs no database call and no resolver.
    let refusals: Vec<Option<ServerError>> = requests
        .iter_mut()
        .map(|request| crate::graphql::limits::check(request).err())
        .collect();
    let refused = refusals.iter().flatten().count();
    Counters::add(&state.services.counters.operations_refused, refused as u64);
    let caller = if refusals.iter().all(Option::is_some) {
        None
    } else {
        match Caller::from_request_parts(&mut parts, &state).await {
            Ok(caller) => Some(caller),
            Err(error) => return error.into_response(),
        }
    };
    let answers =
        futures::future::join_all(requests.into_iter().zip(refusals).map(|(mut request, refusal)| {
            let (schema, caller, limit) = (&state.schema, caller.as_ref(), state.query_timeout);
            async move {
                match (refusal, caller) {
                    (None, Some(caller)) => {
                        // A mutation runs to its end (stopping it half-way would leave the caller
                        // not knowing what landed); a query has a time limit.
                        let reads_only = crate::graphql::limits::reads_only(&mut request);
                        let request = request.data(caller.principal.clone()).data(caller.meta.clone());
                        match reads_only {
                            false => schema.execute(request).await,
                            true => tokio::time::timeout(limit, schema.execute(request))
                                .await
                                .unwrap_or_else(|_| crate::graphql::limits::timed_out(limit)),
                        }
                    }
                    (refusal, _) => async_graphql::Response::from_errors(refusal.into_iter().collect()),
                }
            }
        }))
        .await;
    let response = match batched {
        true => BatchResponse::Batch(answers),
        false => BatchResponse::Single(answers.into_iter().next().unwrap_or_default()),
    };
    Json(response).into_response()
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
    match state.services.check_ready().await {
        Ok(()) => Json(serde_json::json!({
            "status": "ready",
            "graph": state.services.graph.executor().engine_name(),
        }))
        .into_response(),
        // Up, answering reads, but out of room for writes.
        Err(graph::Error::StorageFull(reason)) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "degraded", "code": "STORAGE_FULL", "reason": reason })),
        )
            .into_response(),
        Err(error) => ApiError(error).into_response(),
    }
}

/// The application's routes over opened services.
pub fn router(services: &Services, config: &Config) -> Router {
    let state = AppState {
        schema: build_schema(Some(services)),
        services: services.clone(),
        blobs: BlobRoutes {
            store: services.blobs.clone(),
            max_bytes: config.max_blob_bytes,
            graph: services.graph.clone(),
        },
        max_batch: config.max_batch,
        query_timeout: Duration::from_secs(config.query_timeout_seconds),
        graphiql: config.graphiql,
    };
    let api = Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route(
            "/graphql/ws",
            crate::graphql::websocket::route(state.schema.clone(), services),
        )
        .route("/api/v1/events", get(events::stream))
        .route("/api/v1/ask", post(crate::search::ask_route))
        .route("/api/v1/audit.jsonl", get(crate::auth::audit::export))
        .route(
            "/api/v1/blobs/{digest}",
            get(blobs::get).head(blobs::head).put(blobs::put),
        )
        .route(
            "/api/v1/experiments/{id}/metrics",
            post(metrics::post_chunk).layer(DefaultBodyLimit::max(services.metrics.limits().max_body_bytes)),
        )
        .route(
            "/api/v1/experiments/{id}/metrics.parquet",
            get(metrics::export_parquet),
        )
        .route("/api/v1/experiments/{id}/metrics.csv", get(metrics::export_csv))
        .route("/api/v1/experiments/{id}/files/plan", post(files::plan))
        .route("/api/v1/experiments/{id}/files/content", put(files::put_content))
        .route("/api/v1/experiments/{id}/files/commit", post(files::commit))
        .route("/api/v1/experiments/{id}/tree/{*path}", get(files::download_file))
        .route("/api/v1/experiments/{id}/tree.tar", get(files::download_tar))
        .route("/api/v1/experiments/{id}/code", post(code::record))
        .route("/api/v1/experiments/{id}/code/plan", post(code::plan))
        .route("/api/v1/experiments/{id}/code/content", put(code::put_content))
        .route(
            "/api/v1/experiments/{id}/code.tar",
            put(code::record_tarball).layer(DefaultBodyLimit::max(
                usize::try_from(config.max_blob_bytes).unwrap_or(usize::MAX),
            )),
        )
        .route("/api/v1/experiments/{id}/code/restore", get(code::restore))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::telemetry::scrape))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state);
    crate::web::with_ui(api, &config.web_dir())
}

/// Opens the services, binds the listener and returns its address and the serving future,
/// which ends after `shutdown` resolves, in-flight requests drain and running jobs finish.
pub async fn start(
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, impl Future<Output = std::io::Result<()>>)> {
    config.validate()?;
    graph::failpoint::install(&config.failpoints()).context("cannot arm the failpoints")?;
    let services = Services::open(config).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    let server_url = format!("http://{address}");
    if let Some(password) = crate::auth::bootstrap::first_start(&services.graph, config, &server_url).await? {
        // Printed once, on purpose: this is how the first administrator learns it.
        eprintln!(
            "rsdk: first start: sign in as {} with password {password} (shown once; change it \
             with `changePassword`); an API token for the SDK and the CLI is in {}",
            config.admin_email,
            config.client_config_path().display()
        );
    }
    let app = router(&services, config);
    let workers = services.start_workers();
    let indexer = services.search.start_indexer(&services.events);
    if config.file_gc_interval_seconds > 0 {
        let every = Duration::from_secs(config.file_gc_interval_seconds);
        let grace = Duration::from_secs(config.file_gc_grace_seconds);
        files::schedule_collection(&services.jobs, every, grace).await;
    }
    let header_timeout = Duration::from_secs(config.header_timeout_seconds);
    Ok((address, async move {
        let served = serve(listener, app, header_timeout, shutdown).await;
        Services::stop_workers(workers).await;
        indexer.stop().await;
        served
    }))
}

/// How long in-flight requests (and open streams) may go on after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown`, then lets in-flight requests finish for up to
/// [`SHUTDOWN_GRACE`]. A client gets `header_timeout` to send a request's headers (on a new
/// connection and between requests on a kept-alive one), so slow clients cannot hold
/// connections open.
async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = ConnectionBuilder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                tower_service::Service::call(&mut app.clone(), request)
            });
        let connection = http
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running {SHUTDOWN_GRACE:?} after shutdown began: closing them");
    }
    Ok(())
}
