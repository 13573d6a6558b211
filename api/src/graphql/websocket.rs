//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket, in the `graphql-transport-ws` and
//! the older `graphql-ws` protocol.
//!
//! Browsers cannot set headers on a WebSocket, so the credential travels in the
//! `connection_init` payload: `{"Authorization": "Bearer <token>"}` (or `authorization`).
//! It is checked like the `Authorization` header of a request; a connection without one, or
//! with a bad one, is refused (closed with `UNAUTHENTICATED: …`, or a `connection_error` in
//! `graphql-ws`). The principal then stays the connection's for its lifetime.

use std::net::SocketAddr;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::Extensions;
use axum::response::Response;
use axum::routing::{get, MethodRouter};

use super::RsdkSchema;
use crate::auth::{Principal, RequestMeta};
use crate::services::Services;

/// A close frame's reason holds at most 123 bytes.
const MAX_CLOSE_REASON: usize = 120;

#[derive(Clone)]
struct Subscriptions {
    schema: RsdkSchema,
    services: Services,
}

/// The route of `/graphql/ws`, with its own state, for any router.
pub fn route<S>(schema: RsdkSchema, services: &Services) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    get(upgrade).with_state(Subscriptions {
        schema,
        services: services.clone(),
    })
}

async fn upgrade(
    State(state): State<Subscriptions>,
    protocol: GraphQLProtocol,
    extensions: Extensions,
    websocket: WebSocketUpgrade,
) -> Response {
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default();
    websocket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let Subscriptions { schema, services } = state;
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| open_connection(services, payload, client))
                .serve()
        })
}

/// The credential of a `connection_init` payload.
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    ["Authorization", "authorization"]
        .into_iter()
        .find_map(|key| payload.get(key))
        .map(|value| value.as_str().unwrap_or_default())
}

/// Authenticates the connection; its data is the principal, the request metadata and the
/// event bus the subscriptions listen to.
async fn open_connection(
    services: Services,
    payload: serde_json::Value,
    client: String,
) -> async_graphql::Result<Data> {
    let meta = RequestMeta::new(client, authorization(&payload).map(str::to_owned));
    let authenticated =
        Principal::authenticate(authorization(&payload), &services.graph, &services.access_tokens).await;
    let principal = match authenticated {
        Ok(Principal::Anonymous) => {
            return Err(refusal(
                "UNAUTHENTICATED",
                "send {\"Authorization\": \"Bearer <token>\"} in connection_init",
            ));
        }
        Ok(principal) => principal,
        Err(error) => {
            meta.record_refused(&services.graph, "/graphql/ws", &error).await;
            let message = match &error {
                graph::Error::Unauthenticated(reason) => reason.clone(),
                _ => "the credential could not be checked; retry shortly".to_owned(),
            };
            if !matches!(error, graph::Error::Unauthenticated(_)) {
                tracing::warn!(%error, "a websocket credential could not be checked");
            }
            return Err(refusal(error.code(), &message));
        }
    };
    let mut data = Data::default();
    data.insert(principal);
    data.insert(meta);
    data.insert(services.events.clone());
    Ok(data)
}

/// `CODE: message`, cut to fit a close frame.
fn refusal(code: &str, message: &str) -> async_graphql::Error {
    let mut reason = format!("{code}: {message}");
    if reason.len() > MAX_CLOSE_REASON {
        let mut end = MAX_CLOSE_REASON;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    async_graphql::Error::new(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_is_read_from_either_spelling() {
        let upper = serde_json::json!({ "Authorization": "Bearer a" });
        let lower = serde_json::json!({ "authorization": "Bearer b" });
        assert_eq!(authorization(&upper), Some("Bearer a"));
        assert_eq!(authorization(&lower), Some("Bearer b"));
        assert_eq!(authorization(&serde_json::json!({})), None);
        assert_eq!(authorization(&serde_json::Value::Null), None);
        assert_eq!(
            authorization(&serde_json::json!({ "authorization": 7 })),
            Some("")
        );
    }

    #[test]
    fn refusals_fit_a_close_frame() {
        let long = "é".repeat(200);
        let refused = refusal("UNAUTHENTICATED", &long);
        assert!(refused.message.len() <= MAX_CLOSE_REASON);
        assert!(refused.message.starts_with("UNAUTHENTICATED: "));
    }
}
