//! Graph engines behind [`crate::executor::Executor`], chosen by a [`GraphUrl`].

mod embedded;
mod falkordb;
mod neo4j;

pub use embedded::EmbeddedEngine;
pub use falkordb::{render_params as falkordb_params, FalkorEngine, FalkorUrl};
pub use neo4j::{Neo4jEngine, Neo4jUrl};

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::lock::{LocalWriteLock, RedisWriteLock, WriteLock};

/// Where the graph lives, parsed from `RSDK_GRAPH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphUrl {
    /// `embedded:PATH`: a graphdblite file.
    Embedded(PathBuf),
    /// `falkordb://[user:password@]host:port/graph`: a graph in a FalkorDB server.
    FalkorDb(FalkorUrl),
    /// `neo4j://user:password@host:port` (or `bolt://`): a Neo4j 5 server over Bolt.
    Neo4j(Neo4jUrl),
}

impl GraphUrl {
    /// Parses `embedded:PATH`, `falkordb://host:port/graph` or `neo4j://user:password@host:port`.
    pub fn parse(text: &str) -> Result<Self> {
        if let Some(rest) = text.strip_prefix("falkordb://") {
            return Ok(GraphUrl::FalkorDb(FalkorUrl::parse(rest)?));
        }
        if text.starts_with("neo4j") || text.starts_with("bolt") {
            return Ok(GraphUrl::Neo4j(Neo4jUrl::parse(text)?));
        }
        if let Some(path) = text.strip_prefix("embedded:") {
            if path.is_empty() {
                return Err(Error::invalid(
                    "graph",
                    "`embedded:` needs a file path, e.g. `embedded:./data/graph.db`",
                ));
            }
            return Ok(GraphUrl::Embedded(PathBuf::from(path)));
        }
        Err(Error::invalid(
            "graph",
            format!(
                "unsupported graph url scheme `{}`: expected `embedded:PATH`, \
                 `falkordb://host:port/graph` or `neo4j://user:password@host:port`",
                // Only the scheme: the rest of a url may hold a password.
                text.split(':').next().unwrap_or_default()
            ),
        ))
    }

    /// Opens the engine this url names.
    pub async fn open(&self) -> Result<Arc<dyn Executor>> {
        match self {
            GraphUrl::Embedded(path) => Ok(Arc::new(EmbeddedEngine::open(path.clone()).await?)),
            GraphUrl::FalkorDb(url) => Ok(Arc::new(FalkorEngine::connect(url.clone()).await?)),
            GraphUrl::Neo4j(url) => Ok(Arc::new(
                Neo4jEngine::connect_with(url.clone(), Default::default()).await?,
            )),
        }
    }
}

impl GraphUrl {
    /// The url without credentials, for logs, errors and lock names.
    pub fn redacted(&self) -> String {
        match self {
            GraphUrl::Embedded(path) => format!("embedded:{}", path.display()),
            GraphUrl::FalkorDb(url) => format!("{url:?}"),
            GraphUrl::Neo4j(url) => url.to_string(),
        }
    }

    /// The lock that writers of this graph share. The embedded graph has one process, so
    /// its lock is local. FalkorDB replicas share a lease in the FalkorDB server itself (a
    /// Redis server), so graph writes depend on nothing but the graph. Neo4j replicas share
    /// a lease in the Redis of `RSDK_REDIS`; without one they cannot coordinate, which gets
    /// a local lock and a warning (fine for a single replica).
    pub async fn write_lock(&self, redis_url: Option<&str>) -> Result<Arc<dyn WriteLock>> {
        let key = format!("rsdk:write-lock:{}", self.redacted());
        match (self, redis_url) {
            (GraphUrl::Embedded(_), _) => Ok(Arc::new(LocalWriteLock::default())),
            (GraphUrl::FalkorDb(url), _) => {
                Ok(Arc::new(RedisWriteLock::connect(url.redis_url(), key).await?))
            }
            (GraphUrl::Neo4j(_), Some(redis_url)) => {
                Ok(Arc::new(RedisWriteLock::connect(redis_url, key).await?))
            }
            (GraphUrl::Neo4j(_), None) => {
                tracing::warn!(
                    "RSDK_REDIS is not set: the write lock is per process, so run one replica only"
                );
                Ok(Arc::new(LocalWriteLock::default()))
            }
        }
    }
}
