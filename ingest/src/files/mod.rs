//! Experiment files (artifacts): the pure core that storage, the graph and the API build on.
//!
//! - [`validate_path`] turns a caller's path into the one normalized, relative form files are
//!   stored under, refusing anything that could escape the experiment root.
//! - [`CapturePolicy`] says which files an experiment captures (include/exclude globs) and how
//!   large they may be; [`PolicyMatcher`] is its compiled form and names the rule that refuses
//!   a file.
//! - [`text_diff`] is the side-by-side diff the UI shows: hunks of numbered lines, with the
//!   words that changed inside a replaced line marked.
//! - [`encode_delta`] and [`apply_delta`] store a new version of a file as line copies from a
//!   base version plus the inserted bytes; they round-trip any bytes, text or not.
//! - [`write_tar`] streams files out as a deterministic tar; [`read_tar`] reads an uploaded
//!   one under [`ArchiveLimits`], refusing links, devices, unsafe paths and archive bombs
//!   before expanding them. Gzip is not supported (no gzip crate is in the tree).
//!
//! Everything here is pure: no I/O beyond the writer or bytes it is given, no graph, no HTTP.
//! Every refusal is an [`Error::Invalid`](crate::Error::Invalid) naming the field and why.

mod archive;
mod delta;
mod diff;
mod path;
mod policy;

pub use archive::{read_tar, tar_header, tar_padding, write_tar, ArchiveEntry, ArchiveLimits, TAR_END};
pub use delta::{apply_delta, encode_delta, DELTA_VERSION};
pub use diff::{
    is_text, starts_like_text, text_diff, DiffLine, FileContent, Hunk, LineKind, Segment, TextDiff,
};
pub use path::{validate_path, MAX_PATH_BYTES, MAX_SEGMENT_BYTES};
pub use policy::{CapturePolicy, PolicyMatcher};

use crate::Error;

/// An `Error::Invalid` naming `field`.
fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}
