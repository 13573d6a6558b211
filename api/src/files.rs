//! Experiment files over REST, where bytes flow: the upload plan, content uploads, commits,
//! and downloads of one file or the whole tree as tar. Trees, histories, diffs and capture
//! policies are GraphQL (`files`, `fileHistory`, `fileDiff`, `capturePolicies`).
//!
//! An upload is three steps: `POST …/files/plan` with the manifest (path, size, sha256, mime
//! of each changed file) answers the paths whose content the server lacks; `PUT
//! …/files/content?path=P` with header `x-rsdk-sha256` sends each of those (hash verified);
//! `POST …/files/commit` with the same manifest (and `deleted` paths) records the new versions
//! atomically. Unchanged files are never sent again.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use graph::ids::ExperimentId;
use graph::model::{Experiment, FileVersion, Project, Role};
use ingest::file_store::ManifestEntry;
use serde::Deserialize;

use crate::auth::caller::failure_code;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::metrics::download as attachment;
use crate::services::Services;

/// A manifest entry as JSON.
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

impl Manifest {
    fn entries(&self) -> Vec<ManifestEntry> {
        self.files
            .iter()
            .map(|file| ManifestEntry {
                path: file.path.clone(),
                size: file.size,
                hash: file.hash.clone(),
                mime: file.mime.clone(),
            })
            .collect()
    }
}

/// The `path` query parameter of a content upload.
#[derive(Debug, Deserialize)]
pub struct ContentTarget {
    path: String,
}

async fn experiment(
    services: &Services,
    caller: &Caller,
    id: &str,
    role: Role,
) -> Result<(Project, Experiment), ApiError> {
    let id = ExperimentId(id.to_owned());
    Ok(caller.principal.experiment(&services.graph, &id, role).await?)
}

fn manifest(body: &[u8]) -> Result<Manifest, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError(graph::Error::invalid(
            "body",
            format!("not a files manifest: {error}"),
        ))
    })
}

/// `POST /api/v1/experiments/{id}/files/plan`: which of the manifest's contents to upload.
pub async fn plan(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (project, experiment) = experiment(&services, &caller, &id, Role::Researcher).await?;
    let manifest = manifest(&body)?;
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
    body: Bytes,
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
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, experiment) = experiment(services, caller, id, Role::Researcher).await?;
    let header_text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let hash = header_text("x-rsdk-sha256").ok_or_else(|| {
        ApiError(graph::Error::invalid(
            "x-rsdk-sha256",
            "send the content's sha256 in this header",
        ))
    })?;
    let mime = header_text(header::CONTENT_TYPE.as_str()).unwrap_or("application/octet-stream");
    let stored = services
        .files
        .put_content(&experiment, path, hash, mime, body)
        .await?;
    let storage = stored.storage.as_str();
    let body = serde_json::json!({ "hash": stored.hash, "size": stored.size, "storage": storage });
    Ok((StatusCode::CREATED, Json(body)).into_response())
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
    let manifest = manifest(body)?;
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
    let bytes = services.files.read(&file.hash).await?;
    let name = file.path.rsplit('/').next().unwrap_or("file").replace('"', "");
    Ok(attachment(bytes, &file.mime, &name))
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
        archive,
        "application/x-tar",
        &format!("{id}-files.tar"),
    ))
}
