//! The real server in-process on an ephemeral port over a data directory, signed in with the
//! API token its first start writes for the SDK, and the GraphQL requests the benchmarks
//! share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use api::config::Config;
use graph::ids::ExperimentId;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// The configuration of a server over `data_dir` on an ephemeral loopback port, writing its
/// client configuration (with the first administrator's API token) into `data_dir`.
pub fn config_for(data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        bind: "127.0.0.1:0".parse().expect("an address"),
        client_config: Some(data_dir.join("client.toml")),
        ..Config::default()
    }
}

/// The real server on an ephemeral port, signed in with the API token its first start wrote.
pub struct Server {
    /// Where it listens: `http://127.0.0.1:PORT`.
    pub url: String,
    /// Sends the API token with every request.
    pub client: reqwest::Client,
    data_dir: PathBuf,
    token: String,
    stop: oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Starts a server over `data_dir`; the first start there creates the graph, the
    /// administrator and its API token.
    pub async fn start(data_dir: &Path) -> Server {
        let config = config_for(data_dir);
        let (stop, stopped) = oneshot::channel::<()>();
        let (address, serving) = api::server::start(&config, async move {
            let _ = stopped.await;
        })
        .await
        .expect("the server starts");
        let token = token_in(&config.client_config_path());
        Server {
            url: format!("http://{address}"),
            data_dir: data_dir.to_path_buf(),
            client: client_with_token(&token),
            token,
            stop,
            serving: tokio::spawn(serving),
        }
    }

    /// A client with its own connection pool, as a separate SDK process would have.
    pub fn new_client(&self) -> reqwest::Client {
        client_with_token(&self.token)
    }

    /// Stops the server and waits until it has stopped cleanly; panics after 30 s.
    pub async fn stop(self) {
        drop(self.client);
        let _ = self.stop.send(());
        match tokio::time::timeout(Duration::from_secs(30), self.serving).await {
            Ok(served) => served
                .expect("the server task")
                .expect("the server stops cleanly"),
            Err(_) => panic!("the server did not stop within 30 s"),
        }
    }

    /// The same data directory in a fresh server (empty in-process caches).
    pub async fn restart(self) -> Server {
        let data_dir = self.data_dir.clone();
        self.stop().await;
        Server::start(&data_dir).await
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        graphql(&self.client, &self.url, query, variables).await
    }

    /// Creates the project `name`.
    pub async fn create_project(&self, name: &str) {
        self.ok(
            "mutation($name: String!) { createProject(input: {name: $name}) { id } }",
            json!({ "name": name }),
        )
        .await;
    }

    /// Creates an experiment from a `CreateExperimentInput`; answers its id and number.
    pub async fn create_experiment(&self, input: Value) -> (ExperimentId, u64) {
        create_experiment(&self.client, &self.url, input).await
    }
}

/// Runs an operation that must succeed through `client` on the server at `url` and returns
/// its `data`.
pub async fn graphql(client: &reqwest::Client, url: &str, query: &str, variables: Value) -> Value {
    let response = client
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the request is sent");
    let body: Value = response.json().await.expect("a JSON body");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// Creates an experiment from a `CreateExperimentInput` through `client` on the server at
/// `url`; answers its id and number.
pub async fn create_experiment(client: &reqwest::Client, url: &str, input: Value) -> (ExperimentId, u64) {
    let data = graphql(
        client,
        url,
        "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number } }",
        json!({ "input": input }),
    )
    .await;
    let created = &data["createExperiment"];
    let id = created["id"].as_str().expect("an id").to_owned();
    let number = created["number"].as_u64().expect("a number");
    (ExperimentId(id), number)
}

/// The API token in the client configuration file the first start wrote.
fn token_in(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("the first start wrote the client configuration");
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("token = "))
        .expect("the configuration has a token");
    line.trim_matches('"').to_owned()
}

/// A client that sends `token` as its bearer credential.
fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}
