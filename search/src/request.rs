//! What a search asks for and what it returns.

use serde::{Deserialize, Serialize};

use crate::document::DocumentKind;
use crate::error::{Error, Result};
use crate::highlight::Snippet;

/// The most hits one search may return.
pub const MAX_FIRST: usize = 100;

/// A search: the user's query and the filters the server imposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The query, in the syntax described in the crate documentation (words, `OR`, `-`, phrases,
    /// `field:value`, `pre*`, `word~`); at most 1,000 characters and 32 clauses.
    pub query: String,
    /// The only projects whose documents may be returned (the caller's readable projects); empty
    /// means no hits.
    pub projects: Vec<String>,
    /// The kinds to return; empty means all.
    pub kinds: Vec<DocumentKind>,
    /// How many hits to return, 1 to 100.
    pub first: usize,
}

impl SearchRequest {
    pub(crate) fn validate_first(&self) -> Result<()> {
        if (1..=MAX_FIRST).contains(&self.first) {
            return Ok(());
        }
        Err(Error::invalid(
            "first",
            format!("must be between 1 and {MAX_FIRST}, not {}", self.first),
        ))
    }
}

/// The best hits of a search and how many documents matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// How many documents of the allowed projects and kinds matched.
    pub total: usize,
    /// The best hits, best first, at most `first` of them.
    pub hits: Vec<Hit>,
}

/// One matching document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// What the document is.
    pub kind: DocumentKind,
    /// The entity's id.
    pub id: String,
    /// The name of its project.
    pub project: String,
    /// An experiment's number in its project.
    pub number: Option<i64>,
    /// The document's title.
    pub title: String,
    /// The relevance score (BM25; higher is better).
    pub score: f32,
    /// Where the query matched, title first.
    pub snippets: Vec<Snippet>,
}
