//! The one error type of the `graph` crate.
//!
//! Every variant is something a caller can act on, and each knows its
//! machine-readable code; the api crate maps it to GraphQL and HTTP in one place.

/// Errors of the domain layer and the graph engines. `Clone`, so one failure can answer
/// every write of a batch it stopped (see [`crate::Graph::record_chunk`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The addressed entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of thing was looked up (`project`, `experiment`, …).
        entity: &'static str,
        /// How it was addressed, as the caller gave it.
        id: String,
    },
    /// The write would clash with something already stored.
    #[error("{field}: {reason}")]
    Conflict {
        /// The input field that clashes.
        field: String,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// An input value is malformed or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The input field at fault.
        field: String,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// Adding a parent edge would close a cycle; `path` lists the experiment numbers around it.
    #[error("this parent would make a cycle: {}", format_cycle(.path))]
    Cycle {
        /// Experiment numbers along the cycle, first and last equal.
        path: Vec<i64>,
    },
    /// The caller did not prove who they are (no, bad, expired or revoked credentials).
    #[error("not signed in: {0}")]
    Unauthenticated(String),
    /// The caller is known but their role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Too many attempts (failed sign-ins); retry after the given number of seconds.
    #[error("too many attempts: retry in {retry_after_seconds} s")]
    RateLimited {
        /// Seconds until the next attempt can succeed.
        retry_after_seconds: u64,
    },
    /// The graph engine cannot be reached or is busy; the caller may retry.
    #[error("graph engine unavailable: {0}")]
    Unavailable(String),
    /// The disk that holds the data is full: nothing was written; retry once space is freed.
    #[error("the data disk is full: {0}")]
    StorageFull(String),
    /// A bug or an engine failure that the caller cannot fix.
    #[error("internal error: {0}")]
    Internal(String),
}

fn format_cycle(path: &[i64]) -> String {
    path.iter()
        .map(|number| format!("#{number}"))
        .collect::<Vec<_>>()
        .join(" -> ")
}

impl Error {
    /// The machine-readable code clients see in `extensions.code` and REST bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Conflict { .. } => "CONFLICT",
            Error::Invalid { .. } => "VALIDATION",
            Error::Cycle { .. } => "CYCLE",
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Unavailable(_) => "UNAVAILABLE",
            Error::StorageFull(_) => "STORAGE_FULL",
            Error::Internal(_) => "INTERNAL",
        }
    }

    /// A failed disk or engine write as an error: [`Error::StorageFull`] when the disk is
    /// full (ENOSPC, EDQUOT or the engine's "disk is full"), else `other`.
    pub fn from_write_failure(message: String, other: impl FnOnce(String) -> Error) -> Self {
        if is_storage_full(&message) {
            Error::StorageFull(message)
        } else {
            other(message)
        }
    }

    /// Shorthand for an [`Error::Invalid`] on `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Conflict`] on `field`.
    pub fn conflict(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Conflict {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Whether an error message is a full disk's: the OS's ENOSPC/EDQUOT texts, SQLite's
/// SQLITE_FULL.
pub fn is_storage_full(message: &str) -> bool {
    [
        "No space left on device",
        "Disk quota exceeded",
        "database or disk is full",
        "(os error 28)",
        "(os error 122)",
    ]
    .iter()
    .any(|text| message.contains(text))
}

/// Result alias of the `graph` crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
