//! `/api/v1/blobs/{sha256}`: content-addressed upload and download, streamed both ways.
//!
//! - `PUT` stores the body under its sha256; content that hashes to anything else is refused
//!   (422, nothing stored). Putting a stored blob again is cheap and answers 200.
//! - `GET` streams the blob; `Range: bytes=START-END` (or `START-`, `-SUFFIX`) streams a part
//!   (206).
//! - `HEAD` answers its size, or 404.
//!
//! Reading needs a signed-in caller; uploading needs the researcher role on some project
//! (blobs are not tied to projects yet: artifacts and metric chunks will scope them), and
//! every upload is audited.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{StreamExt, TryStreamExt};
use graph::Graph;
use ingest::blob::{BlobStore, Digest};

use crate::auth::caller::failure_code;
use crate::auth::Caller;
use crate::error::ApiError;

/// The blob store and the largest upload it takes.
#[derive(Debug, Clone)]
pub struct BlobRoutes {
    pub store: Arc<dyn BlobStore>,
    pub max_bytes: u64,
    /// For the policy and the audit log.
    pub graph: Graph,
}

fn digest(text: &str) -> Result<Digest, ApiError> {
    Ok(Digest::parse("digest", text)?)
}

/// `PUT /api/v1/blobs/{digest}`.
pub async fn put(
    State(blobs): State<BlobRoutes>,
    caller: Caller,
    Path(text): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let stored = store(&blobs, &caller, &text, body).await;
    let summary = serde_json::json!({ "digest": text });
    caller
        .record_write(
            &blobs.graph,
            "putBlob",
            format!("blob {text}"),
            summary,
            failure_code(&stored),
        )
        .await;
    stored
}

async fn store(blobs: &BlobRoutes, caller: &Caller, text: &str, body: Body) -> Result<Response, ApiError> {
    caller.principal.writer(&blobs.graph).await?;
    let expected = digest(text)?;
    let source = body.into_data_stream().map_err(std::io::Error::other).boxed();
    let source = ingest::blob::limited(source, blobs.max_bytes, "RSDK_MAX_BLOB_BYTES");
    let receipt = blobs.store.put_stream(source, Some(expected)).await?;
    let status = if receipt.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = serde_json::json!({ "digest": receipt.digest.to_string(), "size": receipt.size });
    Ok((status, Json(body)).into_response())
}

/// `HEAD /api/v1/blobs/{digest}`.
pub async fn head(
    State(blobs): State<BlobRoutes>,
    caller: Caller,
    Path(text): Path<String>,
) -> Result<Response, ApiError> {
    caller.principal.user()?;
    let digest = digest(&text)?;
    Ok(match blobs.store.head(&digest).await? {
        Some(size) => (
            StatusCode::OK,
            [
                (header::CONTENT_LENGTH, size.to_string()),
                (header::ACCEPT_RANGES, "bytes".into()),
            ],
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    })
}

/// `GET /api/v1/blobs/{digest}`, whole or one byte range.
pub async fn get(
    State(blobs): State<BlobRoutes>,
    caller: Caller,
    Path(text): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.principal.user()?;
    let digest = digest(&text)?;
    let size = blobs
        .store
        .head(&digest)
        .await?
        .ok_or_else(|| graph::Error::NotFound {
            entity: "blob",
            id: digest.to_string(),
        })?;
    let range = match headers.get(header::RANGE) {
        Some(value) => Some(parse_range(value.to_str().unwrap_or_default(), size)?),
        None => None,
    };
    let response = match range {
        None => {
            let stream = blobs.store.get(&digest).await?;
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_LENGTH, size)
                .header(header::ACCEPT_RANGES, "bytes")
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from_stream(stream))
        }
        Some(range) => {
            let stream = blobs.store.get_range(&digest, range.clone()).await?;
            Response::builder()
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_LENGTH, range.end - range.start)
                .header(
                    header::CONTENT_RANGE,
                    format!("bytes {}-{}/{size}", range.start, range.end - 1),
                )
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from_stream(stream))
        }
    };
    response.map_err(|error| ApiError(graph::Error::Internal(format!("response: {error}"))))
}

/// One `bytes=` range of a blob of `size` bytes, as `start..end` (end exclusive).
fn parse_range(text: &str, size: u64) -> Result<std::ops::Range<u64>, ApiError> {
    let invalid = |reason: &str| ApiError(graph::Error::invalid("range", reason));
    let spec = text
        .strip_prefix("bytes=")
        .ok_or_else(|| invalid("expected `bytes=START-END`"))?;
    if spec.contains(',') {
        return Err(invalid("only one range per request"));
    }
    let (start, end) = spec
        .split_once('-')
        .ok_or_else(|| invalid("expected `bytes=START-END`"))?;
    let number = |text: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| invalid("range bounds must be whole numbers"))
    };
    let range = match (start.trim().is_empty(), end.trim().is_empty()) {
        (true, false) => size.saturating_sub(number(end)?)..size,
        (false, true) => number(start)?..size,
        (false, false) => number(start)?..number(end)?.saturating_add(1).min(size),
        (true, true) => return Err(invalid("expected `bytes=START-END`")),
    };
    if range.start >= range.end {
        return Err(invalid(&format!(
            "the range is empty or past the end of the {size}-byte blob"
        )));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_http_byte_ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).ok(), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100).ok(), Some(90..100));
        assert_eq!(parse_range("bytes=-10", 100).ok(), Some(90..100));
        assert_eq!(parse_range("bytes=95-200", 100).ok(), Some(95..100));
        for bad in [
            "bytes=100-",
            "bytes=5-1",
            "items=0-1",
            "bytes=0-1,4-5",
            "bytes=a-b",
            "bytes=-",
        ] {
            assert!(parse_range(bad, 100).is_err(), "{bad}");
        }
    }
}
