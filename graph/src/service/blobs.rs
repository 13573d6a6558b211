//! Which blobs the graph's records name: what deleting a blob (a compaction's replaced
//! chunks, a collection of unused contents, a sweep of orphans) must ask first. Blobs are
//! content-addressed, so one blob may be named by records of different kinds (a file content
//! and a metric chunk with the same bytes): every deleter asks about all of them.

use std::collections::HashSet;

use super::Graph;
use crate::error::Result;
use crate::queries;
use crate::value::Params;

impl Graph {
    /// Whether a record names the blob `digest` (hex): a file or code content stored as it, a
    /// live (not compacted) metric chunk stored as it or having it as its overview.
    pub async fn blob_in_use(&self, digest: &str) -> Result<bool> {
        let params = Params::new().with("digest", digest);
        let rows = self.executor.execute(&queries::BLOB_IN_USE, params).await?;
        let mut uses = 0;
        for row in &rows {
            uses += row.int("uses")?;
        }
        Ok(uses > 0)
    }

    /// Every blob (hex digest) that some record names; a stored blob outside this set is an
    /// orphan (see [`Graph::blob_in_use`] for the kinds of records).
    pub async fn referenced_blobs(&self) -> Result<HashSet<String>> {
        let rows = self
            .executor
            .execute(&queries::BLOB_REFERENCED, Params::new())
            .await?;
        rows.iter().map(|row| row.string("digest")).collect()
    }
}
