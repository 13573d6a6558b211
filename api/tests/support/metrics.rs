//! Metric chunks through the REST endpoint the SDK posts them to.

use std::time::Duration;

use serde_json::Value;

use super::Endpoint;

/// Posts the JSON metric chunk `body` to experiment `experiment` (waiting at most 20 s): the
/// response, whatever its status, or the transport error's text when none came (the server
/// died, the connection was cut).
pub async fn post_chunk(
    server: &impl Endpoint,
    experiment: &str,
    body: &Value,
) -> Result<reqwest::Response, String> {
    server
        .http()
        .post(format!(
            "{}/api/v1/experiments/{experiment}/metrics",
            server.base_url()
        ))
        .json(body)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .map_err(|error| error.to_string())
}
