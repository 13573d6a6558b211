//! Starts the real server on an ephemeral port over a fresh embedded graph, signed in as
//! the administrator its first start creates (through the API token it writes for the SDK).

#![allow(dead_code)]

pub mod bombs;
pub mod demo;
pub mod files;
pub mod invariants;
pub mod metrics;
pub mod process;

use api::config::Config;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A running server; stops when dropped.
pub struct TestServer {
    pub url: String,
    /// Sends the first administrator's API token with every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    /// The first administrator's API token.
    pub admin_token: String,
    stop: oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    config: Config,
    dir: tempfile::TempDir,
}

pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        bind: "127.0.0.1:0".parse().expect("address"),
        client_config: Some(dir.path().join("client.toml")),
        ..Config::default()
    };
    adjust(&mut config);
    serve(config, dir).await
}

/// Starts a server with `config` over the data directory `dir`.
async fn serve(config: Config, dir: tempfile::TempDir) -> TestServer {
    let (stop, stopped) = oneshot::channel::<()>();
    let (address, serving) = api::server::start(&config, async move {
        let _ = stopped.await;
    })
    .await
    .expect("server starts");
    let serving = tokio::spawn(serving);
    let admin_token = token_in(&config.client_config_path());
    TestServer {
        url: format!("http://{address}"),
        client: client_with_token(&admin_token),
        anonymous: reqwest::Client::new(),
        admin_token,
        stop,
        serving,
        config,
        dir,
    }
}

/// The API token in a client configuration file written by the first start.
pub fn token_in(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("the first start wrote the client configuration");
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("token = "))
        .expect("the configuration has a token");
    line.trim_matches('"').to_owned()
}

/// A client that sends `token` as its bearer credential.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// A server the REST helpers can talk to: in this process ([`TestServer`]) or a child
/// process ([`process::ServerProcess`]).
pub trait Endpoint {
    /// `http://127.0.0.1:PORT`.
    fn base_url(&self) -> String;
    /// A client signed in as the first administrator.
    fn http(&self) -> &reqwest::Client;
}

/// A server's address and a signed-in client, owned (for requests sent from spawned tasks).
#[derive(Debug, Clone)]
pub struct Remote {
    pub url: String,
    pub client: reqwest::Client,
}

impl Endpoint for Remote {
    fn base_url(&self) -> String {
        self.url.clone()
    }

    fn http(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Endpoint for TestServer {
    fn base_url(&self) -> String {
        self.url.clone()
    }

    fn http(&self) -> &reqwest::Client {
        &self.client
    }
}

impl TestServer {
    /// Stops the server cleanly (in-flight requests drain, workers and the search indexer
    /// stop) and starts a new one in this process over the same data directory, on a new
    /// port.
    pub async fn restart(self) -> TestServer {
        let _ = self.stop.send(());
        self.serving
            .await
            .expect("the server task")
            .expect("the server stops cleanly");
        serve(self.config, self.dir).await
    }

    /// Posts one GraphQL operation and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request is sent");
        assert_eq!(
            response.status(),
            200,
            "GraphQL answers 200 with errors in the body"
        );
        response.json().await.expect("JSON body")
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs an operation that must fail and returns its first error.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        body["errors"][0].clone()
    }

    pub async fn create_project(&self, name: &str) {
        self.ok(
            "mutation($name: String!) { createProject(input: {name: $name}) { id } }",
            json!({ "name": name }),
        )
        .await;
    }

    /// Creates the hypothesis `input` (a `CreateHypothesisInput`), links runs `numbers` and
    /// answers its id.
    pub async fn create_linked_hypothesis(&self, input: Value, numbers: &[i64]) -> String {
        let created = self
            .ok(
                "mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        let id = created["createHypothesis"]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        self.ok(
            "mutation($id: ID!, $n: [Int!]!) { linkExperiments(id: $id, numbers: $n) { id } }",
            json!({ "id": id, "n": numbers }),
        )
        .await;
        id
    }

    pub async fn create_experiment(&self, project: &str, name: &str, features: Option<&str>) -> Value {
        let data = self
            .ok(
                "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number name } }",
                json!({ "input": { "project": project, "name": name, "features": features } }),
            )
            .await;
        data["createExperiment"].clone()
    }
}
