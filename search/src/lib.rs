//! The full-text index of rsdk, over tantivy.
//!
//! The server feeds it [`Document`]s (experiments, hypotheses, features, artifacts, metrics) and
//! asks it [`SearchRequest`]s in a small query language of its own:
//!
//! ```text
//! lr sweep                 every word must match (title, notes, tags or features; title counts 3x)
//! adam OR sgd              alternatives
//! -draft                   exclusion
//! "learning rate"          phrase; title:"lr sweep" too
//! title:resnet             field query: name/title, notes/description/body, tag/tags,
//!                          feature/features, kind (exact), status (exact keyword)
//! optim*  title:res*       prefix (at least 2 characters before the star)
//! acuracy~  acuracy~2      fuzzy, edit distance 1 (default) or 2
//! 0.001  optimizer.lr      feature values and paths (`path = value` lines are indexed)
//! ```
//!
//! Results are always restricted to the projects the request names (the caller's readable
//! projects), and come with highlighted [`Snippet`]s. All methods block: call them from
//! `spawn_blocking`.

pub mod ask;
pub mod assistant;
mod compile;
mod document;
pub mod documents;
mod error;
mod highlight;
mod index;
mod query;
mod request;
mod schema;
mod tokenizer;

pub use document::{Document, DocumentKind};
pub use error::{Error, Result};
pub use highlight::Snippet;
pub use index::SearchIndex;
pub use request::{Hit, SearchRequest, SearchResults, MAX_FIRST};
