//! rsdk's client core. The Python package (`research_sdk`) and the `rsdk` CLI are thin
//! layers over it; it talks to the server over HTTP only (GraphQL for lifecycle, REST for
//! bulk data).
pub mod api;
pub mod artifacts;
pub mod backoff;
pub mod cli;
pub mod client;
pub mod code;
pub mod config;
pub mod envbuild;
pub mod error;
pub mod metrics;
pub mod run;
pub mod spool;
pub mod sync;
pub mod upload;

pub use client::Client;
pub use config::ClientConfig;
pub use error::{Error, Result};
