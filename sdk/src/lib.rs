//! rsdk's client core. The Python package (`research_sdk`) and the `rsdk` CLI are thin
//! layers over it; it talks to the server over HTTP only (GraphQL for lifecycle, REST for
//! bulk data).
pub mod client;
pub mod config;
pub mod error;

pub use client::Client;
pub use config::ClientConfig;
pub use error::{Error, Result};
