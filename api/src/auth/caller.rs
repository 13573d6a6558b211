//! The caller of a REST or GraphQL request, as an axum extractor: the principal from the
//! `Authorization` header, and where the request came from. Bad credentials are refused
//! here with 401 (and audited), before any handler runs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use graph::model::NewAuditEntry;

use graph::Graph;

use super::audit::{outcome_of, record, RequestMeta};
use super::principal::Principal;
use crate::error::ApiError;
use crate::services::Services;

/// Who is calling, and from where.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub meta: RequestMeta,
}

impl Caller {
    /// Records a REST write by this caller; `failure` is the code it failed with, if it did.
    pub async fn record_write(
        &self,
        graph: &Graph,
        action: &str,
        target: String,
        summary: serde_json::Value,
        failure: Option<&'static str>,
    ) {
        record(graph, self.audit_entry(action, target, summary, failure)).await;
    }

    /// The audit record of a REST write by this caller, for a write that stores it in its own
    /// batch or for [`Caller::record_write`].
    pub fn audit_entry(
        &self,
        action: &str,
        target: String,
        summary: serde_json::Value,
        failure: Option<&'static str>,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor: self.principal.user_id().cloned(),
            action: action.to_owned(),
            target,
            outcome: outcome_of(failure).into(),
            summary: summary.to_string(),
            request_id: self.meta.request_id.clone(),
            client: self.meta.client.clone(),
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let services = Services::from_ref(state);
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
            .unwrap_or_default();
        let header = match parts.headers.get(AUTHORIZATION).map(|value| value.to_str()) {
            None => None,
            Some(Ok(text)) => Some(text),
            Some(Err(_)) => Some(""),
        };
        let meta = RequestMeta::new(client, header.map(str::to_owned));
        match Principal::authenticate(header, &services.graph, &services.access_tokens).await {
            Ok(principal) => Ok(Caller { principal, meta }),
            Err(error) => {
                meta.record_refused(&services.graph, parts.uri.path(), &error)
                    .await;
                Err(ApiError(error))
            }
        }
    }
}

/// The code a handler's result failed with, if it did (for [`Caller::record_write`]).
pub fn failure_code<T>(result: &Result<T, ApiError>) -> Option<&'static str> {
    result.as_ref().err().map(|error| error.0.code())
}
