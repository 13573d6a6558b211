//! Starts the real server in-process for the client core's tests: a fresh embedded graph
//! and blob store in a temp folder, on a loopback port, signed in as the administrator its
//! first start creates (through the API token it writes for the SDK). The SDK is blocking,
//! so the server runs on its own tokio runtime and the tests stay plain threads.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A running server; stops when dropped.
pub struct TestServer {
    pub url: String,
    pub address: SocketAddr,
    /// The first administrator's API token.
    pub token: String,
    /// A client of this server with the administrator's token (no spool of its own).
    pub client: sdk::Client,
    stop: Option<oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    _data: tempfile::TempDir,
}

/// Starts a server on a free loopback port.
pub fn start() -> TestServer {
    start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// Starts a server on `address` (a port an earlier offline run was pointed at).
pub fn start_on(address: SocketAddr) -> TestServer {
    let data = tempfile::tempdir().expect("a temp dir");
    let config = api::config::Config {
        data_dir: data.path().to_path_buf(),
        bind: address,
        client_config: Some(data.path().join("client.toml")),
        ..api::config::Config::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("test-server")
        .enable_all()
        .build()
        .expect("a runtime");
    let (stop, stopped) = oneshot::channel::<()>();
    let (address, serving) = runtime
        .block_on(api::server::start(&config, async move {
            let _ = stopped.await;
        }))
        .expect("the server starts");
    runtime.spawn(serving);
    let token = token_in(&config.client_config_path());
    let url = format!("http://{address}");
    let client = sdk::Client::new(sdk::ClientConfig {
        server: url.clone(),
        token: Some(token.clone()),
        spool_dir: data.path().join("unused-spool"),
        response_timeout: sdk::config::DEFAULT_RESPONSE_TIMEOUT,
    });
    TestServer {
        url,
        address,
        token,
        client,
        stop: Some(stop),
        runtime: Some(runtime),
        _data: data,
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// The API token in a client configuration file written by the first start.
fn token_in(path: &Path) -> String {
    let settings = sdk::config::read_settings(path).expect("the first start wrote the client configuration");
    settings.token.expect("the configuration has a token")
}

/// A loopback address nothing listens on (bound, then released).
pub fn closed_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address")
}

/// A client configuration for `server` with the spool in `spool`.
pub fn client_config(server: &str, token: Option<&str>, spool: &Path) -> sdk::ClientConfig {
    sdk::ClientConfig {
        server: server.to_owned(),
        token: token.map(str::to_owned),
        spool_dir: spool.to_path_buf(),
        response_timeout: sdk::config::DEFAULT_RESPONSE_TIMEOUT,
    }
}

/// One metric's summary as the server reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: i64,
    pub last: Value,
    pub last_step: i64,
}

impl TestServer {
    /// A client configuration for this server with the spool in `spool`.
    pub fn client_config(&self, spool: &Path) -> sdk::ClientConfig {
        client_config(&self.url, Some(&self.token), spool)
    }

    /// Runs a GraphQL query that must succeed and answers its `data`.
    pub fn query(&self, query: &str, variables: Value) -> Value {
        self.client
            .graphql::<Value>("Test", query, variables)
            .unwrap_or_else(|error| panic!("the query is answered: {error}"))
    }

    /// Experiment `number` of `project`: `status`, `progress`, `featuresFull`.
    pub fn experiment(&self, project: &str, number: i64) -> Value {
        let query =
            "query Test($project: String!, $number: Int!) { experiment(project: $project, number: $number) \
             { id status progress featuresFull } }";
        self.query(query, json!({ "project": project, "number": number }))["experiment"].clone()
    }

    /// The summary of each metric experiment `number` of `project` logged, by name.
    pub fn measured(&self, project: &str, number: i64) -> BTreeMap<String, Summary> {
        let query =
            "query Test($project: String!, $number: Int!) { experiment(project: $project, number: $number) \
             { measured { metric count last lastStep } } }";
        let data = self.query(query, json!({ "project": project, "number": number }));
        data["experiment"]["measured"]
            .as_array()
            .expect("a list of summaries")
            .iter()
            .map(|measured| {
                let summary = Summary {
                    count: measured["count"].as_i64().expect("a count"),
                    last: measured["last"].clone(),
                    last_step: measured["lastStep"].as_i64().expect("a last step"),
                };
                (measured["metric"].as_str().expect("a name").to_owned(), summary)
            })
            .collect()
    }

    /// The paths in experiment `number`'s file tree.
    pub fn file_paths(&self, project: &str, number: i64) -> Vec<String> {
        let query =
            "query Test($project: String!, $number: Int!) { files(project: $project, number: $number) \
             { entries { path current { deleted } } } }";
        let data = self.query(query, json!({ "project": project, "number": number }));
        let mut paths: Vec<String> = data["files"]["entries"]
            .as_array()
            .expect("a list of entries")
            .iter()
            .filter(|entry| entry["current"]["deleted"] == json!(false))
            .map(|entry| entry["path"].as_str().expect("a path").to_owned())
            .collect();
        paths.sort();
        paths
    }

    /// The bytes of file `path` of the experiment with id `experiment_id`.
    pub fn download(&self, experiment_id: &str, path: &str) -> Vec<u8> {
        let mut reader = self
            .client
            .request_reader(
                "downloadFile",
                &format!("/api/v1/experiments/{experiment_id}/tree/{path}"),
                &[],
            )
            .unwrap_or_else(|error| panic!("{path} is downloaded: {error}"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).expect("the download is read");
        bytes
    }
}
