//! `rsdk serve` as a child process over a data directory that outlives it, so a test can kill
//! it (SIGKILL), crash it at a failpoint and start it again over the same data.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Endpoint;

/// A server process on a fixed port over a directory holding its data and client config.
pub struct ServerProcess {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    client: reqwest::Client,
}

impl ServerProcess {
    /// Starts a server over a fresh directory and waits until it is ready.
    pub async fn start() -> Self {
        Self::start_in(tempfile::tempdir().expect("temp dir"), &[]).await
    }

    /// Starts a server over `dir` (fresh, or a copy of another server's) with extra
    /// environment variables, and waits until it is ready.
    pub async fn start_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Self {
        let mut server = Self {
            port: testkit::free_port(),
            dir,
            child: None,
            client: reqwest::Client::new(),
        };
        server.spawn(env);
        server.wait_ready().await;
        server.client = super::client_with_token(&super::token_in(&server.client_config()));
        server
    }

    fn client_config(&self) -> PathBuf {
        self.dir.path().join("client.toml")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The last `lines` lines the server logged (warnings and errors, every start of it), for
    /// a failing assertion to show what the server saw.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Starts the process again (after [`Self::kill`] or a crash) with `env` added; what it
    /// logs is appended to [`Self::log_tail`]'s file.
    pub fn spawn(&mut self, env: &[(&str, &str)]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("the server log opens");
        let mut command = Command::new(env!("CARGO_BIN_EXE_rsdk"));
        command
            .arg("serve")
            .env("RSDK_BIND", format!("127.0.0.1:{}", self.port))
            .env("RSDK_DATA_DIR", self.dir.path().join("data"))
            .env("RSDK_CLIENT_CONFIG", self.client_config())
            .env("RSDK_LOG", "warn")
            .env("RSDK_FILE_GC_INTERVAL_SECONDS", "0")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the server log opens twice"))
            .stderr(log);
        for (name, value) in env {
            command.env(name, value);
        }
        self.child = Some(command.spawn().expect("rsdk serve starts"));
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the process to drain and exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let _ = Command::new("kill").arg(child.id().to_string()).status();
        child.wait().expect("the server exits")
    }

    /// Waits up to `limit` for the process to exit on its own (a crash); `None` if it did not.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let child = self.child.as_mut().expect("a running server");
            if let Some(status) = child.try_wait().expect("the process") {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::get(format!("{}/readyz", self.base_url())).await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not come back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A copy of this (stopped) server's directory, to start another server over.
    pub fn copy_dir(&self) -> tempfile::TempDir {
        let copy = tempfile::tempdir().expect("temp dir");
        copy_tree(self.dir.path(), copy.path());
        copy
    }

    /// Its address and client, owned.
    pub fn remote(&self) -> super::Remote {
        super::Remote {
            url: self.base_url(),
            client: self.client.clone(),
        }
    }

    /// Posts one GraphQL operation; `None` when the server did not answer.
    pub async fn try_graphql(&self, query: &str, variables: Value) -> Option<Value> {
        let response = self
            .client
            .post(format!("{}/graphql", self.base_url()))
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    }
}

impl Endpoint for ServerProcess {
    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn http(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("a readable directory") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}
