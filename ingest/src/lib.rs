//! Storage and background work beside the graph: the content-addressed blob store (local
//! directory or S3), the event bus (in-process or Redis pub/sub) and the job queue
//! (in-process or Redis). Each is a trait with an embedded default and a scale-out
//! implementation chosen by configuration; everything above uses the traits only.
//! [`metrics`] is the pure metric-series core: chunk decoding, Parquet objects, summaries,
//! merging and downsampling. [`files`] is the pure core of experiment files: path rules,
//! capture policies, text diffs, storage deltas and tar archives; [`file_store`] keeps
//! experiment files over the graph and the blob store.

mod background;
pub mod blob;
pub mod code_store;
pub mod error;
pub mod events;
pub mod file_store;
pub mod files;
pub mod jobs;
pub mod metric_store;
pub mod metrics;

pub use error::{Error, Result};
