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
    /// Graph engine. `RSDK_GRAPH`, default `embedded:<data_dir>/graph.db`.
    pub graph: Option<String>,
    /// Largest request body in bytes (larger is refused with 413). `RSDK_MAX_BODY_BYTES`, default 4 MiB.
    pub max_body_bytes: usize,
    /// Most GraphQL operations in one batched request. `RSDK_MAX_BATCH`, default 10.
    pub max_batch: usize,
    /// Serve the GraphiQL explorer on `GET /graphql`. `RSDK_GRAPHIQL`, default true.
    pub graphiql: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            bind: SocketAddr::from(([127, 0, 0, 1], 7878)),
            graph: None,
            max_body_bytes: 4 * 1024 * 1024,
            max_batch: 10,
            graphiql: true,
        }
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
            self.graph = Some(graph);
        }
        parse_env("RSDK_MAX_BODY_BYTES", &mut self.max_body_bytes)?;
        parse_env("RSDK_MAX_BATCH", &mut self.max_batch)?;
        parse_env("RSDK_GRAPHIQL", &mut self.graphiql)?;
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
        Ok(())
    }

    /// The graph engine url: `graph` when set, else the embedded file in the data directory.
    pub fn graph_url(&self) -> String {
        self.graph
            .clone()
            .unwrap_or_else(|| format!("embedded:{}", self.data_dir.join("graph.db").display()))
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
    fn default_graph_is_the_embedded_file_in_the_data_directory() {
        let config = Config::default();
        assert_eq!(config.graph_url(), "embedded:data/graph.db");
    }
}
