//! Server configuration: defaults, then an optional `rsdk.toml`, then `RSDK_*`
//! environment variables, then command-line flags. Every setting has a default
//! that works on the embedded engine; unknown file keys and unparsable values
//! stop start-up with a message naming them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context as _};
use serde::Deserialize;

/// Settings of `rsdk serve`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the embedded graph (and, later, blobs and indexes). `RSDK_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// Address to listen on. `RSDK_BIND`, default `127.0.0.1:7878`.
    pub bind: SocketAddr,
    /// Graph engine. `RSDK_GRAPH`: `embedded:PATH`, `falkordb://host:port/graph` or
    /// `neo4j://user:password@host:port`; default `embedded:<data_dir>/graph.db`.
    pub graph: Option<Secret>,
    /// Blob store for artifacts, code snapshots and metric chunks. `RSDK_BLOBS`: `file:PATH`
    /// or `s3://bucket/prefix` (credentials, region and `AWS_ENDPOINT_URL` from the usual
    /// `AWS_*` variables); default `file:<data_dir>/blobs`.
    pub blobs: Option<String>,
    /// Redis for events across replicas, the job queue's dispatch and the shared write lock.
    /// `RSDK_REDIS`, e.g. `redis://127.0.0.1:6379`; unset means in-process.
    pub redis: Option<Secret>,
    /// Largest request body in bytes (larger is refused with 413). `RSDK_MAX_BODY_BYTES`, default 4 MiB.
    pub max_body_bytes: usize,
    /// Largest blob upload in bytes (`PUT /api/v1/blobs/…`). `RSDK_MAX_BLOB_BYTES`, default 1 GiB.
    pub max_blob_bytes: u64,
    /// Most GraphQL operations in one batched request. `RSDK_MAX_BATCH`, default 10.
    pub max_batch: usize,
    /// Serve the GraphiQL explorer on `GET /graphql`. `RSDK_GRAPHIQL`, default true.
    pub graphiql: bool,
    /// Key that signs access tokens (HS256, at least 32 characters). `RSDK_AUTH_SECRET`;
    /// default: generated on first start into `<data_dir>/auth.secret` (mode 0600).
    pub auth_secret: Option<Secret>,
    /// Lifetime of an access token in seconds (at most 900). `RSDK_ACCESS_TOKEN_SECONDS`, default 900.
    pub access_token_seconds: u64,
    /// Lifetime of a refresh token in days. `RSDK_REFRESH_TOKEN_DAYS`, default 30.
    pub refresh_token_days: u64,
    /// Where the first start writes the local SDK/CLI configuration (server url and an API
    /// token, mode 0600). `RSDK_CLIENT_CONFIG`, default `$XDG_CONFIG_HOME/rsdk/config.toml`
    /// (`~/.config/rsdk/config.toml`).
    pub client_config: Option<PathBuf>,
    /// Email of the administrator the first start creates. `RSDK_ADMIN_EMAIL`, default `admin@localhost`.
    pub admin_email: String,
    /// Seconds between garbage collections of file and code contents no experiment uses
    /// (0: never; `collectFileGarbage` still runs one). `RSDK_FILE_GC_INTERVAL_SECONDS`,
    /// default 86400 (daily).
    pub file_gc_interval_seconds: u64,
    /// How old an unused content must be before a scheduled collection deletes it (an
    /// upload awaiting its commit is younger). `RSDK_FILE_GC_GRACE_SECONDS`, default 3600.
    pub file_gc_grace_seconds: u64,
    /// Directory of the web UI's built files (`make web`). `RSDK_WEB_DIR`, default `web/dist`
    /// (relative to the working directory).
    pub web_dir: Option<PathBuf>,
    /// Directory of this replica's full-text search index. `RSDK_SEARCH_DIR`, default
    /// `<data_dir>/search`.
    pub search_dir: Option<PathBuf>,
    /// An OpenAI-compatible chat completions endpoint that proposes Cypher for questions the
    /// built-in planner does not understand, e.g. `https://api.openai.com/v1`. `RSDK_ASK_MODEL_URL`;
    /// unset (the default): the planner answers alone and nothing leaves the server.
    pub ask_model_url: Option<String>,
    /// The key sent to that endpoint as a bearer token. `RSDK_ASK_MODEL_KEY`.
    pub ask_model_key: Option<Secret>,
    /// The model asked. `RSDK_ASK_MODEL`, default `gpt-4o-mini`.
    pub ask_model: String,
    /// Seconds to wait for the model's answer. `RSDK_ASK_MODEL_TIMEOUT_SECONDS`, default 20.
    pub ask_model_timeout_seconds: u64,
    /// Seconds a client may take to send a request's headers (on a new connection, and
    /// between requests on a kept-alive one) before the connection is closed: slow clients
    /// cannot hold connections open. `RSDK_HEADER_TIMEOUT_SECONDS`, default 10.
    pub header_timeout_seconds: u64,
    /// Seconds a GraphQL query (not a mutation) may run before it is stopped with a
    /// `TIMEOUT` error. `RSDK_QUERY_TIMEOUT_SECONDS`, default 30.
    pub query_timeout_seconds: u64,
    /// Hosts, addresses and networks (CIDR) the server may connect to besides public ones,
    /// comma-separated, e.g. `minio.internal, 10.0.0.0/8`: the language model endpoint and a
    /// custom S3 endpoint on loopback, private or link-local addresses are refused unless
    /// listed. `RSDK_OUTBOUND_ALLOW`, default empty.
    pub outbound_allow: String,
    /// Threads for blocking work (graph statements, file writes and syncs, encoding). Each
    /// keeps its own allocator heap, and a pool grown in a burst stays grown while work comes
    /// round to every thread, so the bound is also a memory bound. `RSDK_BLOCKING_THREADS`,
    /// default 32.
    pub blocking_threads: usize,
    /// Below this many free bytes on the data directory's disk `/readyz` reports the server
    /// degraded (writes still run until the disk is really full; they then fail with 507).
    /// `RSDK_MIN_FREE_DISK_BYTES`, default 64 MiB.
    pub min_free_disk_bytes: u64,
    /// Testing only: a file that every failpoint the server passes is appended to (see
    /// `graph::failpoint`). `RSDK_FAILPOINT_TRACE`; unset by default.
    pub failpoint_trace: Option<PathBuf>,
    /// Testing only: `NAME#K` aborts the server at the K-th pass of failpoint NAME, e.g.
    /// `blob.synced` or `graph.commit:metric/record_chunk#2`. `RSDK_CRASH_AT`; unset by default.
    pub crash_at: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            bind: SocketAddr::from(([127, 0, 0, 1], 7878)),
            graph: None,
            blobs: None,
            redis: None,
            max_body_bytes: 4 * 1024 * 1024,
            max_blob_bytes: 1024 * 1024 * 1024,
            max_batch: 10,
            graphiql: true,
            auth_secret: None,
            access_token_seconds: 900,
            refresh_token_days: 30,
            client_config: None,
            admin_email: "admin@localhost".into(),
            file_gc_interval_seconds: 24 * 3600,
            file_gc_grace_seconds: 3600,
            web_dir: None,
            search_dir: None,
            ask_model_url: None,
            ask_model_key: None,
            ask_model: "gpt-4o-mini".into(),
            ask_model_timeout_seconds: 20,
            header_timeout_seconds: 10,
            query_timeout_seconds: 30,
            outbound_allow: String::new(),
            blocking_threads: 32,
            min_free_disk_bytes: 64 * 1024 * 1024,
            failpoint_trace: None,
            crash_at: None,
        }
    }
}

/// Every environment variable the server reads (besides the `AWS_*` ones of the S3 store).
pub const ENV_VARS: &[&str] = &[
    "RSDK_DATA_DIR",
    "RSDK_BIND",
    "RSDK_GRAPH",
    "RSDK_BLOBS",
    "RSDK_REDIS",
    "RSDK_MAX_BODY_BYTES",
    "RSDK_MAX_BLOB_BYTES",
    "RSDK_MAX_BATCH",
    "RSDK_GRAPHIQL",
    "RSDK_AUTH_SECRET",
    "RSDK_ACCESS_TOKEN_SECONDS",
    "RSDK_REFRESH_TOKEN_DAYS",
    "RSDK_CLIENT_CONFIG",
    "RSDK_ADMIN_EMAIL",
    "RSDK_FILE_GC_INTERVAL_SECONDS",
    "RSDK_FILE_GC_GRACE_SECONDS",
    "RSDK_WEB_DIR",
    "RSDK_SEARCH_DIR",
    "RSDK_ASK_MODEL_URL",
    "RSDK_ASK_MODEL_KEY",
    "RSDK_ASK_MODEL",
    "RSDK_ASK_MODEL_TIMEOUT_SECONDS",
    "RSDK_HEADER_TIMEOUT_SECONDS",
    "RSDK_QUERY_TIMEOUT_SECONDS",
    "RSDK_OUTBOUND_ALLOW",
    "RSDK_BLOCKING_THREADS",
    "RSDK_MIN_FREE_DISK_BYTES",
    "RSDK_FAILPOINT_TRACE",
    "RSDK_CRASH_AT",
];

/// A setting that may hold a password (a url with credentials): `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The name of the optional configuration file looked for in the working directory.
pub const CONFIG_FILE: &str = "rsdk.toml";

fn parse_env<T: FromStr>(name: &str, target: &mut T) -> anyhow::Result<()>
where
    T::Err: std::fmt::Display,
{
    if let Ok(text) = std::env::var(name) {
        *target = text
            .parse()
            .map_err(|error| anyhow::anyhow!("{name}=`{text}` is invalid: {error}"))?;
    }
    Ok(())
}

impl Config {
    /// Defaults, then `file` (or `./rsdk.toml` when present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None if Path::new(CONFIG_FILE).exists() => Self::from_file(Path::new(CONFIG_FILE))?,
            None => Self::default(),
        };
        config.apply_env()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid rsdk configuration", path.display()))
    }

    fn apply_env(&mut self) -> anyhow::Result<()> {
        parse_env("RSDK_DATA_DIR", &mut self.data_dir)?;
        parse_env("RSDK_BIND", &mut self.bind)?;
        if let Ok(graph) = std::env::var("RSDK_GRAPH") {
            self.graph = Some(Secret(graph));
        }
        if let Ok(blobs) = std::env::var("RSDK_BLOBS") {
            self.blobs = Some(blobs);
        }
        if let Ok(redis) = std::env::var("RSDK_REDIS") {
            self.redis = Some(Secret(redis)).filter(|url| !url.0.is_empty());
        }
        parse_env("RSDK_MAX_BODY_BYTES", &mut self.max_body_bytes)?;
        parse_env("RSDK_MAX_BLOB_BYTES", &mut self.max_blob_bytes)?;
        parse_env("RSDK_MAX_BATCH", &mut self.max_batch)?;
        parse_env("RSDK_GRAPHIQL", &mut self.graphiql)?;
        if let Ok(secret) = std::env::var("RSDK_AUTH_SECRET") {
            self.auth_secret = Some(Secret(secret));
        }
        parse_env("RSDK_ACCESS_TOKEN_SECONDS", &mut self.access_token_seconds)?;
        parse_env("RSDK_REFRESH_TOKEN_DAYS", &mut self.refresh_token_days)?;
        if let Ok(path) = std::env::var("RSDK_CLIENT_CONFIG") {
            self.client_config = Some(PathBuf::from(path));
        }
        parse_env("RSDK_ADMIN_EMAIL", &mut self.admin_email)?;
        parse_env(
            "RSDK_FILE_GC_INTERVAL_SECONDS",
            &mut self.file_gc_interval_seconds,
        )?;
        parse_env("RSDK_FILE_GC_GRACE_SECONDS", &mut self.file_gc_grace_seconds)?;
        if let Ok(path) = std::env::var("RSDK_WEB_DIR") {
            self.web_dir = Some(PathBuf::from(path));
        }
        if let Ok(path) = std::env::var("RSDK_SEARCH_DIR") {
            self.search_dir = Some(PathBuf::from(path));
        }
        if let Ok(url) = std::env::var("RSDK_ASK_MODEL_URL") {
            self.ask_model_url = Some(url).filter(|url| !url.is_empty());
        }
        if let Ok(key) = std::env::var("RSDK_ASK_MODEL_KEY") {
            self.ask_model_key = Some(Secret(key));
        }
        parse_env("RSDK_ASK_MODEL", &mut self.ask_model)?;
        parse_env(
            "RSDK_ASK_MODEL_TIMEOUT_SECONDS",
            &mut self.ask_model_timeout_seconds,
        )?;
        parse_env("RSDK_HEADER_TIMEOUT_SECONDS", &mut self.header_timeout_seconds)?;
        parse_env("RSDK_QUERY_TIMEOUT_SECONDS", &mut self.query_timeout_seconds)?;
        parse_env("RSDK_OUTBOUND_ALLOW", &mut self.outbound_allow)?;
        parse_env("RSDK_BLOCKING_THREADS", &mut self.blocking_threads)?;
        parse_env("RSDK_MIN_FREE_DISK_BYTES", &mut self.min_free_disk_bytes)?;
        if let Ok(path) = std::env::var("RSDK_FAILPOINT_TRACE") {
            self.failpoint_trace = Some(PathBuf::from(path)).filter(|path| !path.as_os_str().is_empty());
        }
        if let Ok(spec) = std::env::var("RSDK_CRASH_AT") {
            self.crash_at = Some(spec).filter(|spec| !spec.is_empty());
        }
        Ok(())
    }

    /// Checks values that parse but cannot work.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.max_batch == 0 {
            bail!("max_batch must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            bail!("max_body_bytes must be at least 1024");
        }
        if !(30..=900).contains(&self.access_token_seconds) {
            bail!("access_token_seconds must be 30 to 900 (access tokens live at most 15 minutes)");
        }
        if !(1..=365).contains(&self.refresh_token_days) {
            bail!("refresh_token_days must be 1 to 365");
        }
        if let Some(url) = &self.ask_model_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("ask_model_url must be an http:// or https:// url, not `{url}`");
            }
        }
        if !(1..=300).contains(&self.ask_model_timeout_seconds) {
            bail!("ask_model_timeout_seconds must be 1 to 300");
        }
        if !(1..=300).contains(&self.header_timeout_seconds) {
            bail!("header_timeout_seconds must be 1 to 300");
        }
        if !(1..=3600).contains(&self.query_timeout_seconds) {
            bail!("query_timeout_seconds must be 1 to 3600");
        }
        if !(4..=1024).contains(&self.blocking_threads) {
            bail!("blocking_threads must be 4 to 1024");
        }
        self.outbound()?;
        if let Some(secret) = &self.auth_secret {
            if secret.0.len() < 32 {
                bail!("auth_secret must be at least 32 characters");
            }
        }
        Ok(())
    }

    /// The addresses outbound connections may have (`outbound_allow`).
    pub fn outbound(&self) -> anyhow::Result<graph::outbound::OutboundPolicy> {
        Ok(graph::outbound::OutboundPolicy::parse(&self.outbound_allow)?)
    }

    /// What the failpoints do (nothing unless a test set them).
    pub fn failpoints(&self) -> graph::failpoint::Settings {
        graph::failpoint::Settings {
            trace: self.failpoint_trace.clone(),
            crash_at: self.crash_at.clone(),
        }
    }

    /// The graph engine url: `graph` when set, else the embedded file in the data directory.
    pub fn graph_url(&self) -> String {
        self.graph
            .as_ref()
            .map(|url| url.0.clone())
            .unwrap_or_else(|| format!("embedded:{}", self.data_dir.join("graph.db").display()))
    }

    /// The blob store url: `blobs` when set, else `blobs/` in the data directory.
    pub fn blobs_url(&self) -> String {
        self.blobs
            .clone()
            .unwrap_or_else(|| format!("file:{}", self.data_dir.join("blobs").display()))
    }

    /// Where the first start writes the local SDK/CLI configuration.
    pub fn client_config_path(&self) -> PathBuf {
        if let Some(path) = &self.client_config {
            return path.clone();
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
            .unwrap_or_else(|| self.data_dir.clone());
        base.join("rsdk").join("config.toml")
    }

    /// The web UI's directory: `web_dir` when set, else `web/dist`.
    pub fn web_dir(&self) -> PathBuf {
        self.web_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("web").join("dist"))
    }

    /// The search index directory: `search_dir` when set, else `search/` in the data directory.
    pub fn search_dir(&self) -> PathBuf {
        self.search_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("search"))
    }

    /// The Redis url, when one is configured.
    pub fn redis_url(&self) -> Option<&str> {
        self.redis.as_ref().map(|url| url.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_file_keys_are_refused_by_name() {
        let error = toml::from_str::<Config>("bnid = \"127.0.0.1:1\"").expect_err("typo");
        assert!(error.to_string().contains("bnid"), "{error}");
    }

    #[test]
    fn file_values_override_defaults() {
        let config: Config = toml::from_str("bind = \"127.0.0.1:9000\"\nmax_batch = 3").expect("valid file");
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.max_batch, 3);
        assert_eq!(config.data_dir, PathBuf::from("data"));
    }

    #[test]
    fn a_blocking_pool_out_of_range_is_refused_by_name() {
        for threads in [0, 3, 1025] {
            let config: Config = toml::from_str(&format!("blocking_threads = {threads}")).expect("a number");
            let error = config.validate().expect_err("out of range");
            assert!(
                error.to_string().contains("blocking_threads must be 4 to 1024"),
                "{error}"
            );
        }
        let config: Config = toml::from_str("blocking_threads = 4").expect("a number");
        config.validate().expect("the smallest pool is allowed");
    }

    #[test]
    fn default_graph_is_the_embedded_file_in_the_data_directory() {
        let config = Config::default();
        assert_eq!(config.graph_url(), "embedded:data/graph.db");
        assert_eq!(config.blobs_url(), "file:data/blobs");
        assert_eq!(config.redis_url(), None);
    }

    #[test]
    fn urls_with_passwords_never_show_in_debug_output() {
        let config: Config = toml::from_str(
            "graph = \"neo4j://neo4j:hunter2@db:7687\"\nredis = \"redis://:hunter2@cache:6379\"",
        )
        .expect("valid file");
        assert_eq!(config.redis_url(), Some("redis://:hunter2@cache:6379"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
