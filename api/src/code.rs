//! Code snapshots over REST, where bytes flow: the upload plan, content uploads, recording a
//! snapshot (or a whole tarball), and the restore archive. What a snapshot holds, trees and
//! diffs are GraphQL (`codeSnapshot`, `codeTree`, `codeDiff`).
//!
//! An upload: `POST …/code/plan` with the source files (and the patch, at `.rsdk/patch.diff`)
//! whose contents the client means to send answers the paths the server lacks; `PUT
//! …/code/content?path=P` with header `x-rsdk-sha256` sends each of those; `POST …/code` with
//! the format, git metadata, patch and every source file's hash records the snapshot.
//! `PUT …/code.tar` records a `tarball` snapshot in one request.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use graph::model::{Experiment, GitReference, Role};
use ingest::code_store::{self, PatchReference, RestoreMode, Snapshot, SnapshotInput, SourceFile};
use serde::Deserialize;

use crate::auth::caller::failure_code;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::evidence::schedule_for_experiment;
use crate::files::{
    content_headers, experiment, json_body, stored_response, upload_body, ContentTarget, ManifestFile, Upload,
};
use crate::metrics::download_stream as attachment;
use crate::services::Services;

/// The body of a code upload plan.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePlan {
    files: Vec<ManifestFile>,
}

/// Git metadata as JSON.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitBody {
    repository: Option<String>,
    remote_url: Option<String>,
    branch: Option<String>,
    commit: Option<String>,
}

/// The body of `POST …/code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotBody {
    /// `git`, `patch`, `tarball` or `commit`.
    format: String,
    #[serde(default)]
    git: GitBody,
    patch: Option<PatchReference>,
    files: Vec<SourceFile>,
}

/// The `mode` of a restore: `auto` (default), `git` or `full`.
#[derive(Debug, Deserialize)]
pub struct RestoreTarget {
    mode: Option<String>,
}

/// `POST /api/v1/experiments/{id}/code/plan`: which contents to upload.
pub async fn plan(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    experiment(&services, &caller, &id, Role::Researcher).await?;
    let plan: CodePlan = json_body(&body, "a code upload plan")?;
    let entries: Vec<_> = plan.files.iter().map(ManifestFile::entry).collect();
    let lacking = services.code.plan(&entries).await?;
    Ok(Json(serde_json::json!({ "lacking": lacking })).into_response())
}

/// `PUT /api/v1/experiments/{id}/code/content?path=P`: one source file's (or the patch's)
/// content.
pub async fn put_content(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Query(target): Query<ContentTarget>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let stored: Result<Response, ApiError> = async {
        let (_, experiment) = experiment(&services, &caller, &id, Role::Researcher).await?;
        let (hash, mime) = content_headers(&headers)?;
        let path = &target.path;
        let stored = match upload_body(&services, &headers, body).await? {
            Upload::Whole(bytes) => {
                services
                    .code
                    .put_content(&experiment, path, hash, mime, bytes)
                    .await?
            }
            Upload::Streamed(source) => services.code.put_content_stream(path, hash, mime, source).await?,
        };
        Ok(stored_response(&stored))
    }
    .await;
    let summary = serde_json::json!({ "path": target.path });
    audit(
        &services,
        &caller,
        "putCodeContent",
        &id,
        summary,
        failure_code(&stored),
    )
    .await;
    stored
}

/// `POST /api/v1/experiments/{id}/code`: records the experiment's code snapshot.
pub async fn record(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let recorded: Result<Response, ApiError> = async {
        let (_, experiment) = experiment(&services, &caller, &id, Role::Researcher).await?;
        let body: SnapshotBody = json_body(&body, "a code snapshot")?;
        let input = SnapshotInput {
            format: code_store::format_named("format", &body.format)?,
            git: GitReference {
                repository: body.git.repository,
                remote_url: body.git.remote_url,
                branch: body.git.branch,
                commit: body.git.commit,
            },
            patch: body.patch,
            files: body.files,
        };
        let snapshot = services.code.record(&experiment, input).await?;
        Ok(recorded_response(&services, &experiment, &snapshot).await)
    }
    .await;
    let summary = serde_json::json!({ "bytes": body.len() });
    audit(
        &services,
        &caller,
        "recordCodeSnapshot",
        &id,
        summary,
        failure_code(&recorded),
    )
    .await;
    recorded
}

/// `PUT /api/v1/experiments/{id}/code.tar`: records a `tarball` snapshot of every file of
/// the archive.
pub async fn record_tarball(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let bytes = body.len();
    let recorded: Result<Response, ApiError> = async {
        let (_, experiment) = experiment(&services, &caller, &id, Role::Researcher).await?;
        let snapshot = services.code.record_tarball(&experiment, body).await?;
        Ok(recorded_response(&services, &experiment, &snapshot).await)
    }
    .await;
    let summary = serde_json::json!({ "bytes": bytes });
    audit(
        &services,
        &caller,
        "recordCodeTarball",
        &id,
        summary,
        failure_code(&recorded),
    )
    .await;
    recorded
}

/// `GET /api/v1/experiments/{id}/code/restore?mode=auto|git|full`: a tar with everything
/// needed to rebuild the source tree (see `.rsdk/restore.json` inside).
pub async fn restore(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Query(target): Query<RestoreTarget>,
) -> Result<Response, ApiError> {
    let (project, experiment) = experiment(&services, &caller, &id, Role::Viewer).await?;
    let mode = match target.mode.as_deref().unwrap_or("auto") {
        "auto" => RestoreMode::Auto,
        "git" => RestoreMode::Git,
        "full" => RestoreMode::Full,
        other => {
            let reason = format!("`{other}` is not a restore mode: use auto, git or full");
            return Err(ApiError(graph::Error::invalid("mode", reason)));
        }
    };
    let archive = services.code.restore(&project.name, &experiment, mode).await?;
    let name = format!("{}-{}-code.tar", project.name, experiment.number);
    Ok(attachment(
        Body::from_stream(archive.stream),
        archive.length,
        "application/x-tar",
        &name,
    ))
}

/// Records a write of a code snapshot (its `failure` code, if it failed) in the audit trail.
async fn audit(
    services: &Services,
    caller: &Caller,
    action: &str,
    id: &str,
    summary: serde_json::Value,
    failure: Option<&'static str>,
) {
    let target = format!("experiment {id}");
    caller
        .record_write(&services.graph, action, target, summary, failure)
        .await;
}

/// The answer to a recorded snapshot, once the hypotheses the experiment enters are queued
/// for recomputation (captured code counts in their confidence).
async fn recorded_response(services: &Services, experiment: &Experiment, snapshot: &Snapshot) -> Response {
    schedule_for_experiment(&services.graph, &services.jobs, &experiment.id).await;
    snapshot_response(snapshot)
}

fn snapshot_response(snapshot: &Snapshot) -> Response {
    let recorded = &snapshot.snapshot;
    Json(serde_json::json!({
        "format": recorded.format.as_str(),
        "commit": recorded.git.commit,
        "patch": recorded.patch,
        "manifest": recorded.manifest,
        "file_count": recorded.counts.files,
        "stored_count": recorded.counts.stored,
        "untracked_count": recorded.counts.untracked,
        "total_size": recorded.counts.total_size,
        "self_contained": snapshot.self_contained(),
    }))
    .into_response()
}
