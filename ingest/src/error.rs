//! The one error type of the ingest crate; the api crate maps it to GraphQL and HTTP.

/// What can go wrong storing blobs, publishing events or running jobs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The blob, job or other item does not exist.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The request clashes with the stored state (e.g. retrying a job that is not dead).
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    /// A caller's value is unusable; `field` names it.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// Content does not match the hash it was stored or announced under.
    #[error("content does not match its hash: expected {expected}, got {actual}")]
    HashMismatch { expected: String, actual: String },
    /// A backing service (S3, Redis, the disk) cannot be reached or refused; retryable.
    #[error("{service} unavailable: {reason}")]
    Unavailable { service: &'static str, reason: String },
    /// The disk that holds the data is full; nothing was stored.
    #[error("the data disk is full: {0}")]
    StorageFull(String),
    /// A bug or an unexpected state; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code clients see (`extensions.code` in GraphQL, `code` in REST).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Conflict { .. } => "CONFLICT",
            Error::Invalid { .. } | Error::HashMismatch { .. } => "VALIDATION",
            Error::Unavailable { .. } => "UNAVAILABLE",
            Error::StorageFull(_) => "STORAGE_FULL",
            Error::Internal(_) => "INTERNAL",
        }
    }
}

/// A graph error in this crate's terms.
impl From<graph::Error> for Error {
    fn from(error: graph::Error) -> Self {
        match error {
            graph::Error::NotFound { entity, id } => Error::NotFound { entity, id },
            graph::Error::Invalid { field, reason } => Error::Invalid { field, reason },
            graph::Error::Conflict { field, reason } => Error::Conflict { field, reason },
            graph::Error::Unavailable(reason) => Error::Unavailable {
                service: "graph",
                reason,
            },
            graph::Error::StorageFull(reason) => Error::StorageFull(reason),
            other => Error::Internal(other.to_string()),
        }
    }
}

/// The api maps every error through the graph's, which has the same kinds.
impl From<Error> for graph::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound { entity, id } => graph::Error::NotFound { entity, id },
            Error::Conflict { field, reason } => graph::Error::Conflict { field, reason },
            Error::Invalid { field, reason } => graph::Error::Invalid { field, reason },
            mismatch @ Error::HashMismatch { .. } => graph::Error::Invalid {
                field: "content".into(),
                reason: mismatch.to_string(),
            },
            Error::Unavailable { service, reason } => {
                graph::Error::Unavailable(format!("{service}: {reason}"))
            }
            Error::StorageFull(reason) => graph::Error::StorageFull(reason),
            Error::Internal(details) => graph::Error::Internal(details),
        }
    }
}

/// The ingest crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
