//! Experiment files over REST, where bytes flow: the upload plan, content uploads, commits,
//! and downloads of one file or the whole tree as tar. Trees, histories, diffs and capture
//! policies are GraphQL (`files`, `fileHistory`, `fileDiff`, `capturePolicies`).
//!
//! An upload is three steps: `POST …/files/plan` with the manifest (path, size, sha256, mime
//! of each changed file) answers the paths whose content the server lacks; `PUT
//! …/files/content?path=P` with header `x-rsdk-sha256` sends each of those (hash verified);
//! `POST …/files/commit` with the same manifest (and `deleted` paths) records the new versions
//! atomically. Unchanged files are never sent again.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{StreamExt as _, TryStreamExt as _};
use graph::ids::ExperimentId;
use graph::model::{Experiment, FileVersion, Job, NewJob, Project, Role, StoredContent};
use ingest::blob::ByteSource;
use ingest::file_store::ManifestEntry;
use ingest::file_store::{FileStore, MAX_DELTA_FILE_BYTES};
use ingest::jobs::JobQueue;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::caller::failure_code;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::metrics::download_stream as attachment;
use crate::services::Services;

/// The job that deletes file and code contents nothing uses.
pub const COLLECT_JOB: &str = "collect_files";

/// Enqueues the next garbage collection of contents, due at the next multiple of `every`
/// since the epoch; replicas name the same slot, so its dedupe key leaves one queued job per
/// slot. The job collects contents unused for `grace` and schedules the one after it.
pub async fn schedule_collection(jobs: &JobQueue, every: Duration, grace: Duration) {
    let every = every.as_secs().max(1);
    let slot = chrono::Utc::now().timestamp().max(0) as u64 / every + 1;
    let due = i64::try_from(slot.saturating_mul(every))
        .ok()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .unwrap_or_else(chrono::Utc::now);
    let payload = serde_json::json!({ "every_seconds": every, "grace_seconds": grace.as_secs() });
    let job = NewJob::new(COLLECT_JOB, payload)
        .dedupe_key(format!("{COLLECT_JOB}:{every}:{slot}"))
        .run_after(due);
    if let Err(error) = jobs.enqueue_job(job).await {
        tracing::warn!(%error, "cannot schedule the next collection of file contents");
    }
}

/// Schedules the next collection, then runs this one (a [`COLLECT_JOB`]): a collection that
/// fails until it is dead-lettered still leaves its successor queued (a retry names the same
/// next slot, so it adds none).
pub async fn run_collection(files: &FileStore, jobs: &JobQueue, job: &Job) -> Result<(), String> {
    let seconds = |name: &str| {
        job.payload[name]
            .as_u64()
            .map(Duration::from_secs)
            .ok_or_else(|| format!("the job has no {name}"))
    };
    let (every, grace) = (seconds("every_seconds")?, seconds("grace_seconds")?);
    schedule_collection(jobs, every, grace).await;
    let report = files
        .collect_garbage(grace)
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!(
        deleted = report.deleted,
        kept = report.kept,
        orphans = report.orphans,
        "collected unused file contents"
    );
    Ok(())
}

/// A manifest entry as JSON (also the entries of a code upload plan).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    path: String,
    size: u64,
    hash: String,
    #[serde(default = "octet_stream")]
    mime: String,
}

fn octet_stream() -> String {
    "application/octet-stream".into()
}

/// The body of a plan or a commit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The capture policy to check against (default `project-default`).
    policy: Option<String>,
    files: Vec<ManifestFile>,
    /// Paths to delete (commit only).
    #[serde(default)]
    deleted: Vec<String>,
}

impl ManifestFile {
    pub(crate) fn entry(&self) -> ManifestEntry {
        ManifestEntry {
            path: self.path.clone(),
            size: self.size,
            hash: self.hash.clone(),
            mime: self.mime.clone(),
        }
    }
}

impl Manifest {
    fn entries(&self) -> Vec<ManifestEntry> {
        self.files.iter().map(ManifestFile::entry).collect()
    }
}

/// The `path` query parameter of a content upload.
#[derive(Debug, Deserialize)]
pub struct ContentTarget {
    pub(crate) path: String,
}

pub(crate) async fn experiment(
    services: &Services,
    caller: &Caller,
    id: &str,
    role: Role,
) -> Result<(Project, Experiment), ApiError> {
    let id = ExperimentId(id.to_owned());
    Ok(caller.principal.experiment(&services.graph, &id, role).await?)
}

/// A JSON request body; `what` names what it should have been in the error.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError(graph::Error::invalid("body", format!("not {what}: {error}"))))
}

/// `POST /api/v1/experiments/{id}/files/plan`: which of the manifest's contents to upload.
pub async fn plan(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (project, experiment) = experiment(&services, &caller, &id, Role::Researcher).await?;
    let manifest: Manifest = json_body(&body, "a files manifest")?;
    let lacking = services
        .files
        .plan(
            &project.name,
            &experiment,
            manifest.policy.as_deref(),
            &manifest.entries(),
        )
        .await?;
    Ok(Json(serde_json::json!({ "lacking": lacking })).into_response())
}

/// `PUT /api/v1/experiments/{id}/files/content?path=P`: one file's content.
pub async fn put_content(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Query(target): Query<ContentTarget>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let stored = store_content(&services, &caller, &id, &target.path, &headers, body).await;
    let summary = serde_json::json!({ "path": target.path });
    caller
        .record_write(
            &services.graph,
            "putFileContent",
            format!("experiment {id}"),
            summary,
            failure_code(&stored),
        )
        .await;
    stored
}

async fn store_content(
    services: &Services,
    caller: &Caller,
    id: &str,
    path: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (_, experiment) = experiment(services, caller, id, Role::Researcher).await?;
    let (hash, mime) = content_headers(headers)?;
    let stored = match upload_body(services, headers, body).await? {
        Upload::Whole(bytes) => {
            services
                .files
                .put_content(&experiment, path, hash, mime, bytes)
                .await?
        }
        Upload::Streamed(source) => {
            services
                .files
                .put_content_stream(path, hash, mime, source)
                .await?
        }
    };
    Ok(stored_response(&stored))
}

/// An uploaded content: read whole when small enough to be stored as a delta, else streamed
/// to the blob store (never held in memory).
pub(crate) enum Upload {
    Whole(Bytes),
    Streamed(ByteSource),
}

/// Reads a content upload's body whole when its `content-length` is at most
/// [`MAX_DELTA_FILE_BYTES`], else streams it; at most `max_blob_bytes` either way.
pub(crate) async fn upload_body(
    services: &Services,
    headers: &HeaderMap,
    body: Body,
) -> Result<Upload, ApiError> {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let max = services.max_blob_bytes;
    match length {
        Some(length) if length <= MAX_DELTA_FILE_BYTES.min(max) => {
            let limit = usize::try_from(max).unwrap_or(usize::MAX);
            let bytes = axum::body::to_bytes(body, limit).await.map_err(|error| {
                ApiError(graph::Error::invalid(
                    "body",
                    format!("cannot read the upload: {error}"),
                ))
            })?;
            Ok(Upload::Whole(bytes))
        }
        _ => {
            let source = body.into_data_stream().map_err(std::io::Error::other).boxed();
            Ok(Upload::Streamed(ingest::blob::limited(
                source,
                max,
                "RSDK_MAX_BLOB_BYTES",
            )))
        }
    }
}

/// The declared sha256 (header `x-rsdk-sha256`, required) and media type (`content-type`,
/// default `application/octet-stream`) of an uploaded content.
pub(crate) fn content_headers(headers: &HeaderMap) -> Result<(&str, &str), ApiError> {
    let header_text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let hash = header_text("x-rsdk-sha256").ok_or_else(|| {
        ApiError(graph::Error::invalid(
            "x-rsdk-sha256",
            "send the content's sha256 in this header",
        ))
    })?;
    let mime = header_text(header::CONTENT_TYPE.as_str()).unwrap_or("application/octet-stream");
    Ok((hash, mime))
}

/// `201 Created` with how an uploaded content is stored.
pub(crate) fn stored_response(stored: &StoredContent) -> Response {
    let storage = stored.storage.as_str();
    let body = serde_json::json!({ "hash": stored.hash, "size": stored.size, "storage": storage });
    (StatusCode::CREATED, Json(body)).into_response()
}

/// `POST /api/v1/experiments/{id}/files/commit`: records the manifest's files and deletions.
pub async fn commit(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let committed = commit_files(&services, &caller, &id, &body).await;
    let summary = serde_json::json!({ "bytes": body.len() });
    caller
        .record_write(
            &services.graph,
            "commitFiles",
            format!("experiment {id}"),
            summary,
            failure_code(&committed),
        )
        .await;
    committed
}

async fn commit_files(
    services: &Services,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (project, experiment) = experiment(services, caller, id, Role::Researcher).await?;
    let manifest: Manifest = json_body(body, "a files manifest")?;
    let files = services
        .files
        .commit(
            &project.name,
            &experiment,
            manifest.policy.as_deref(),
            &manifest.entries(),
            &manifest.deleted,
        )
        .await?;
    let stored = files
        .iter()
        .map(|file| (file.path.clone(), file.hash.clone()))
        .collect();
    services
        .announcer
        .artifacts(&project.name, &experiment.id, stored);
    let files: Vec<serde_json::Value> = files.iter().map(version_json).collect();
    Ok(Json(serde_json::json!({ "files": files })).into_response())
}

fn version_json(file: &FileVersion) -> serde_json::Value {
    serde_json::json!({
        "path": file.path,
        "version": file.version,
        "deleted": file.deleted,
        "hash": file.hash,
        "size": file.size,
        "mime": file.mime,
    })
}

/// `GET /api/v1/experiments/{id}/tree/{*path}`: one current file.
pub async fn download_file(
    State(services): State<Services>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, experiment) = experiment(&services, &caller, &id, Role::Viewer).await?;
    let file = services.files.file(&experiment.id, &path).await?;
    let content = services.files.open(&file.hash).await?;
    let name = file.path.rsplit('/').next().unwrap_or("file").replace('"', "");
    Ok(attachment(
        Body::from_stream(content),
        file.size as u64,
        &file.mime,
        &name,
    ))
}

/// `GET /api/v1/experiments/{id}/tree.tar`: every current file as one tar.
pub async fn download_tar(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, experiment) = experiment(&services, &caller, &id, Role::Viewer).await?;
    let archive = services.files.tar(&experiment.id).await?;
    Ok(attachment(
        Body::from_stream(archive.stream),
        archive.length,
        "application/x-tar",
        &format!("{id}-files.tar"),
    ))
}
