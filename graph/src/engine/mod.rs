//! Graph engines behind [`crate::executor::Executor`], chosen by a [`GraphUrl`].

mod embedded;

pub use embedded::EmbeddedEngine;

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::executor::Executor;

/// Where the graph lives, parsed from `RSDK_GRAPH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphUrl {
    /// `embedded:PATH`: a graphdblite file.
    Embedded(PathBuf),
}

impl GraphUrl {
    /// Parses `embedded:PATH`; other schemes arrive with their engines.
    pub fn parse(text: &str) -> Result<Self> {
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
            format!("unsupported graph url `{text}`: expected `embedded:PATH`"),
        ))
    }

    /// Opens the engine this url names.
    pub async fn open(&self) -> Result<Arc<dyn Executor>> {
        match self {
            GraphUrl::Embedded(path) => Ok(Arc::new(EmbeddedEngine::open(path.clone()).await?)),
        }
    }
}
