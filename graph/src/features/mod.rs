//! Experiment features: the configuration tree of an experiment, and how trees relate.
//!
//! A root experiment stores its full features; a child stores only `features_diff`, an
//! RFC 6902 JSON Patch against its parent's full features. This module parses user text into a
//! features tree ([`parse_features`]), checks structured input ([`validate_features`]), produces
//! and replays the stored patches ([`diff`], [`apply`]), explains a difference leaf by leaf
//! ([`explain`]) and previews a three-way merge ([`merge3`]).
//!
//! A features tree is a JSON object. Its *leaves* are scalars (null included), arrays and empty
//! objects; arrays are compared as whole values, never element by element. A leaf is addressed by
//! a dotted path such as `optimizer.lr`; see [`path_segments_to_string`] for how keys containing
//! `.`, `[`, `]` or `\` are escaped.
//!
//! When a subtree and a leaf replace each other (`{"a": {"x": 1}}` becoming `{"a": 5}`),
//! [`explain`] reports a `Remove` for every old leaf (`a.x`) and an `Add` for the new one (`a`),
//! never a single `Replace`: a change is always about one leaf path, present on one side or both.

mod block_yaml;
mod explain;
mod merge;
mod parse;
mod patch;
mod path;
mod tree;
mod validate;

#[cfg(test)]
mod properties;

pub use explain::{explain, ChangeOp, FeatureChange};
pub use merge::{merge3, MergeConflict, MergePreview};
pub use parse::parse_features;
pub use patch::{apply, diff};
pub use path::{path_segments_to_string, path_string_to_segments};
pub use tree::feature_leaves;
pub use validate::validate_features;

/// The largest features tree accepted, in bytes of input text and of compact JSON.
pub const MAX_FEATURES_BYTES: usize = 1024 * 1024;

/// The input field that every validation error of this module names.
const FEATURES_FIELD: &str = "features";

/// An [`Error::Invalid`](crate::error::Error::Invalid) on the `features` field.
fn invalid_features(reason: impl Into<String>) -> crate::error::Error {
    crate::error::Error::invalid(FEATURES_FIELD, reason)
}
