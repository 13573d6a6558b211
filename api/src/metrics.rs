//! Metric chunks over REST: `POST /api/v1/experiments/{id}/metrics` stores a chunk (JSON for
//! people and scripts, MessagePack for the SDK) and answers once it is durable;
//! `GET /api/v1/experiments/{id}/metrics.parquet` and `…/metrics.csv` export every series.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use graph::ids::ExperimentId;
use graph::model::NewAuditEntry;
use graph::model::Role;
use ingest::jobs::JobQueue;
use ingest::metric_store::Ack;
use ingest::metrics::{self, Chunk};

use crate::auth::caller::failure_code;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::Services;

/// The job kind that compacts an experiment's chunks.
pub const COMPACT_JOB: &str = "compact_metrics";

/// Queues the compaction of an experiment's chunks (once: a queued one is not repeated). A
/// failure is logged, not returned: the write that asked has landed, and the next chunk or
/// the run's end asks again.
pub async fn schedule_compaction(jobs: &JobQueue, experiment: &ExperimentId) {
    let job = graph::model::NewJob::new(COMPACT_JOB, serde_json::json!({ "experiment": experiment.0 }))
        .dedupe_key(format!("{COMPACT_JOB}:{experiment}"));
    if let Err(error) = jobs.enqueue_job(job).await {
        tracing::warn!(%error, "compaction not scheduled");
    }
}

/// `POST /api/v1/experiments/{id}/metrics`.
pub async fn post_chunk(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let summary = serde_json::json!({ "bytes": body.len() });
    let target = format!("experiment {id}");
    // A newly stored chunk carries its audit record into the manifest's batch; a retried
    // or refused one is recorded on its own.
    let audit = caller.audit_entry("appendMetrics", target.clone(), summary.clone(), None);
    let stored = store_chunk(&services, &caller, &id, &headers, &body, audit).await;
    if !matches!(&stored, Ok(ack) if !ack.duplicate) {
        caller
            .record_write(
                &services.graph,
                "appendMetrics",
                target,
                summary,
                failure_code(&stored),
            )
            .await;
    }
    let ack = stored?;
    let body = serde_json::json!({
        "chunkId": ack.chunk_id,
        "sequence": ack.sequence,
        "points": ack.points,
        "duplicate": ack.duplicate,
    });
    let status = if ack.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(body)).into_response())
}

async fn store_chunk(
    services: &Services,
    caller: &Caller,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
    audit: NewAuditEntry,
) -> Result<Ack, ApiError> {
    let experiment_id = ExperimentId(id.to_owned());
    let (project, experiment) = caller
        .principal
        .experiment(&services.graph, &experiment_id, Role::Researcher)
        .await?;
    let limits = services.metrics.limits();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json");
    let chunk = if content_type.contains("msgpack") {
        Chunk::from_msgpack(body, limits)?
    } else {
        Chunk::from_json(body, limits)?
    };
    let ack = services
        .metrics
        .ingest(&experiment.id, chunk, Some(audit))
        .await?;
    if !ack.duplicate {
        services.announcer.metrics(&project.name, &experiment, &ack);
    }
    if !ack.duplicate {
        // New summaries: the hypotheses this experiment enters are recomputed (coalesced,
        // in the background, so the acknowledgement does not wait for graph look-ups).
        services
            .evidence_triggers
            .chunk_stored(&services.graph, &services.jobs, &experiment.id);
    }
    if ack.compaction_due() {
        schedule_compaction(&services.jobs, &experiment.id).await;
    }
    Ok(ack)
}

/// `GET /api/v1/experiments/{id}/metrics.parquet`: every point, one per (metric, step).
pub async fn export_parquet(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let series = export_series(&services, &caller, &id).await?;
    let bytes = metrics::encode_parquet(&series)?;
    Ok(download(
        bytes,
        "application/vnd.apache.parquet",
        &format!("{id}-metrics.parquet"),
    ))
}

/// `GET /api/v1/experiments/{id}/metrics.csv`: `metric,step,value,wall_time` rows.
pub async fn export_csv(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let series = export_series(&services, &caller, &id).await?;
    let mut text = String::from("metric,step,value,wall_time\n");
    for (metric, points) in series.metrics() {
        let metric = csv_field(metric);
        for ((step, value), wall_time) in points.steps.iter().zip(&points.values).zip(&points.wall_times) {
            text.push_str(&format!("{metric},{step},{},{wall_time}\n", csv_number(*value)));
        }
    }
    Ok(download(
        Bytes::from(text),
        "text/csv; charset=utf-8",
        &format!("{id}-metrics.csv"),
    ))
}

async fn export_series(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<metrics::ChunkSeries, ApiError> {
    let experiment_id = ExperimentId(id.to_owned());
    let (_, experiment) = caller
        .principal
        .experiment(&services.graph, &experiment_id, Role::Viewer)
        .await?;
    Ok(services.metrics.all_series(&experiment.id).await?)
}

/// A download response: `bytes` as an attachment named `file_name`, never sniffed.
pub(crate) fn download(bytes: Bytes, content_type: &str, file_name: &str) -> Response {
    let length = bytes.len() as u64;
    download_stream(Body::from(bytes), length, content_type, file_name)
}

/// [`download`] of a body streamed with its known `length`.
pub(crate) fn download_stream(body: Body, length: u64, content_type: &str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
        ],
        body,
    )
        .into_response()
}

/// A metric name as a CSV field: quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `NaN`, `inf` and `-inf` as pandas reads them; other values exactly.
fn csv_number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{value:?}")
    }
}
