//! The HTTP client: GraphQL for lifecycle, REST for bulk data. Every call names its operation
//! so an error says what was refused; server errors keep the API's code and field.

use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::ClientConfig;
use crate::error::{Error, Result};

/// How long one request may take before it counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest JSON answer read into memory.
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// A client of one server.
#[derive(Clone)]
pub struct Client {
    config: ClientConfig,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Client")
            .field("config", &self.config)
            .finish()
    }
}

/// A request body.
#[derive(Debug)]
pub enum Body<'a> {
    Empty,
    Json(&'a Value),
    Bytes {
        content_type: &'a str,
        bytes: &'a [u8],
    },
    File {
        content_type: &'a str,
        file: std::fs::File,
    },
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(config.response_timeout))
            .user_agent(concat!("rsdk-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { config, agent }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs a GraphQL operation and answers its `data`.
    pub fn graphql<T: DeserializeOwned>(&self, operation: &str, query: &str, variables: Value) -> Result<T> {
        let body = serde_json::json!({ "query": query, "variables": variables, "operationName": operation });
        let answer = self.request_json(operation, "POST", "/graphql", &[], Body::Json(&body))?;
        if let Some(error) = answer
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|errors| errors.first())
        {
            let extensions = error.get("extensions");
            let text = |key: &str| {
                extensions
                    .and_then(|extensions| extensions.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            return Err(Error::Server {
                operation: operation.to_owned(),
                status: 200,
                code: text("code").unwrap_or_else(|| "GRAPHQL".to_owned()),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
                    .to_owned(),
                field: text("field"),
                retry_after: None,
            });
        }
        let data = answer.get("data").cloned().unwrap_or(Value::Null);
        serde_json::from_value(data)
            .map_err(|error| Error::Internal(format!("{operation}: unexpected answer: {error}")))
    }

    /// A REST call answering JSON (`null` for an empty answer).
    pub fn request_json(
        &self,
        operation: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<Value> {
        self.request_json_with(operation, method, path, query, &[], body)
    }

    /// [`Client::request_json`] with extra request headers.
    pub fn request_json_with(
        &self,
        operation: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<Value> {
        let mut response = self.send(operation, method, path, query, headers, body)?;
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_JSON_BYTES)
            .read_to_vec()
            .map_err(|error| self.unreachable(error))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|error| Error::Internal(format!("{operation}: the answer is not JSON: {error}")))
    }

    /// A REST call answering a byte stream (downloads).
    pub fn request_reader(
        &self,
        operation: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<impl Read + Send + 'static> {
        let response = self.send(operation, "GET", path, query, &[], Body::Empty)?;
        Ok(response.into_body().into_reader())
    }

    fn send(
        &self,
        operation: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{path}", self.config.server);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = &self.config.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let result = match body {
            Body::Empty => self.dispatch(request, None, query, ())?,
            Body::Json(value) => {
                let bytes = serde_json::to_vec(value).map_err(|error| Error::Internal(error.to_string()))?;
                self.dispatch(request, Some("application/json"), query, bytes)?
            }
            Body::Bytes { content_type, bytes } => {
                self.dispatch(request, Some(content_type), query, bytes)?
            }
            Body::File { content_type, file } => self.dispatch(request, Some(content_type), query, file)?,
        };
        let mut response = result.map_err(|error| self.unreachable(error))?;
        let status = response.status().as_u16();
        if status < 400 {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let text = response
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let field = |key: &str| parsed.get(key).and_then(Value::as_str).map(str::to_owned);
        Err(Error::Server {
            operation: operation.to_owned(),
            status,
            code: field("code").unwrap_or_else(|| format!("HTTP_{status}")),
            message: field("message").unwrap_or_else(|| {
                let text = text.trim();
                if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    text.chars().take(500).collect()
                }
            }),
            field: field("field"),
            retry_after,
        })
    }

    /// Sends a request with its body; the outer error is a request that cannot be built.
    fn dispatch(
        &self,
        mut request: ureq::http::request::Builder,
        content_type: Option<&str>,
        query: &[(&str, &str)],
        body: impl ureq::AsSendBody,
    ) -> Result<std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>> {
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let request = request
            .body(body)
            .map_err(|error| Error::invalid("server", error.to_string()))?;
        Ok(self.agent.run(with_query(request, query)?))
    }

    fn unreachable(&self, error: ureq::Error) -> Error {
        Error::Unreachable {
            url: self.config.server.clone(),
            reason: error.to_string(),
        }
    }
}

/// Adds the query pairs to the request's uri, percent-encoded.
fn with_query<B>(request: ureq::http::Request<B>, query: &[(&str, &str)]) -> Result<ureq::http::Request<B>> {
    if query.is_empty() {
        return Ok(request);
    }
    let (mut parts, body) = request.into_parts();
    let pairs: Vec<String> = query
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect();
    let uri = format!("{}?{}", parts.uri, pairs.join("&"));
    parts.uri = uri
        .parse()
        .map_err(|error| Error::invalid("query", format!("{error}")))?;
    Ok(ureq::http::Request::from_parts(parts, body))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("plots/loss curve.png"), "plots%2Floss%20curve.png");
        assert_eq!(encode("a&b=c"), "a%26b%3Dc");
    }
}
