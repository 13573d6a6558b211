//! The one error type of the `search` crate.
//!
//! A caller can act on each variant: `Invalid` names the request field to fix (the query, the
//! number of hits, a kind); `Internal` wraps a tantivy or file-system failure the caller can only
//! log and report.

/// Errors of the full-text index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input value is malformed or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The input field at fault (`query`, `first`, `kinds`, …).
        field: String,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// The index failed (tantivy or the file system); the message is kept for the logs.
    #[error("search index failure: {0}")]
    Internal(String),
    /// Reading the graph (or a store beside it) failed, or what was asked for does not exist.
    #[error(transparent)]
    Graph(#[from] graph::Error),
}

impl From<Error> for graph::Error {
    fn from(error: Error) -> graph::Error {
        match error {
            Error::Invalid { field, reason } => graph::Error::Invalid { field, reason },
            Error::Internal(details) => graph::Error::Internal(details),
            Error::Graph(error) => error,
        }
    }
}

impl Error {
    /// The machine-readable code clients see in `extensions.code` and REST bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "VALIDATION",
            Error::Internal(_) => "INTERNAL",
            Error::Graph(error) => error.code(),
        }
    }

    /// An `Invalid` error for `field`.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(error: tantivy::TantivyError) -> Error {
        Error::Internal(error.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Error {
        Error::Internal(error.to_string())
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_displays_field_and_reason_with_the_validation_code() {
        let error = Error::invalid("query", "must not be empty");
        assert_eq!(error.to_string(), "query: must not be empty");
        assert_eq!(error.code(), "VALIDATION");
    }

    #[test]
    fn internal_keeps_the_underlying_message_with_the_internal_code() {
        let error = Error::from(std::io::Error::other("disk full"));
        assert_eq!(error.to_string(), "search index failure: disk full");
        assert_eq!(error.code(), "INTERNAL");
    }
}
