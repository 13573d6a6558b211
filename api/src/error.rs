//! The one place where domain errors become transport errors.
//!
//! GraphQL errors carry the domain's code in `extensions.code`; REST answers a
//! status with a `{code, message}` body. Internal details go to the log, never to
//! the client.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Said to clients instead of an internal error's details.
const INTERNAL_MESSAGE: &str = "internal error; the server log has the details";
/// The Retry-After of a write refused because the data disk is full.
const STORAGE_FULL_RETRY_SECONDS: u64 = 5;
/// The Retry-After of a request refused because a backing service is unavailable.
const UNAVAILABLE_RETRY_SECONDS: u64 = 2;

/// A domain error on its way to a client.
#[derive(Debug)]
pub struct ApiError(pub graph::Error);

impl From<graph::Error> for ApiError {
    fn from(error: graph::Error) -> Self {
        ApiError(error)
    }
}

impl From<ingest::Error> for ApiError {
    fn from(error: ingest::Error) -> Self {
        ApiError(error.into())
    }
}

impl From<search::Error> for ApiError {
    fn from(error: search::Error) -> Self {
        ApiError(error.into())
    }
}

impl ApiError {
    fn public_message(&self) -> String {
        match &self.0 {
            graph::Error::Internal(details) => {
                tracing::error!(error = %details, "internal error");
                INTERNAL_MESSAGE.to_owned()
            }
            graph::Error::Unavailable(details) => {
                tracing::warn!(error = %details, "a backing service is unavailable");
                "a storage service (graph engine, blob store or redis) is unavailable; retry shortly"
                    .to_owned()
            }
            graph::Error::StorageFull(details) => {
                tracing::error!(error = %details, "the data disk is full");
                "the server's data disk is full: nothing was stored; retry once an operator frees space"
                    .to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Seconds a client should wait before retrying, for the errors that say so.
    fn retry_after(&self) -> Option<u64> {
        match &self.0 {
            graph::Error::RateLimited { retry_after_seconds } => Some(*retry_after_seconds),
            graph::Error::StorageFull(_) => Some(STORAGE_FULL_RETRY_SECONDS),
            graph::Error::Unavailable(_) => Some(UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        }
    }

    fn status(&self) -> StatusCode {
        match &self.0 {
            graph::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            graph::Error::Conflict { .. } | graph::Error::Cycle { .. } => StatusCode::CONFLICT,
            graph::Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            graph::Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            graph::Error::Forbidden(_) => StatusCode::FORBIDDEN,
            graph::Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            graph::Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            graph::Error::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            graph::Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        let code = self.0.code();
        let mut error = async_graphql::Error::new(self.public_message()).extend_with(|_, extensions| {
            extensions.set("code", code);
        });
        match &self.0 {
            graph::Error::Invalid { field, .. } | graph::Error::Conflict { field, .. } => {
                error = error.extend_with(|_, extensions| extensions.set("field", field.as_str()));
            }
            graph::Error::Cycle { path } => {
                let path = path.clone();
                error = error.extend_with(move |_, extensions| extensions.set("cycle", path.clone()));
            }
            _ => {}
        }
        if let Some(seconds) = self.retry_after() {
            error = error.extend_with(move |_, extensions| extensions.set("retryAfter", seconds));
        }
        error
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.0.code(), "message": self.public_message() });
        if let graph::Error::Invalid { field, .. } | graph::Error::Conflict { field, .. } = &self.0 {
            body["field"] = serde_json::Value::String(field.clone());
        }
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(seconds) = self.retry_after() {
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        if let graph::Error::Unauthenticated(_) = &self.0 {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// `.gql()` turns a domain result into a GraphQL result with its code.
pub trait GraphQlResultExt<T> {
    /// Maps the error through [`ApiError`].
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GraphQlResultExt<T> for graph::Result<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| ApiError(error).extend())
    }
}

impl<T> GraphQlResultExt<T> for ingest::Result<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| ApiError::from(error).extend())
    }
}

impl<T> GraphQlResultExt<T> for search::Result<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| ApiError::from(error).extend())
    }
}
