//! The caller of a REST or GraphQL request, as an axum extractor: the principal from the
//! `Authorization` header, and where the request came from. Bad credentials are refused
//! here with 401 (and audited), before any handler runs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use graph::model::NewAuditEntry;

use super::audit::{record, RequestMeta};
use super::principal::Principal;
use crate::error::ApiError;
use crate::services::Services;

/// Who is calling, and from where.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub meta: RequestMeta,
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
                let entry = NewAuditEntry {
                    actor: None,
                    action: "authenticate".into(),
                    target: parts.uri.path().to_owned(),
                    outcome: "denied".into(),
                    summary: serde_json::json!({ "code": error.code() }).to_string(),
                    request_id: meta.request_id.clone(),
                    client: meta.client.clone(),
                };
                record(&services.graph, entry).await;
                Err(ApiError(error))
            }
        }
    }
}
