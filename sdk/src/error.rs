//! The client's one error type.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the caller gave is not acceptable; `field` names it.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The configuration (arguments, environment, config file) is incomplete or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The server answered with an error (`code` as the API names it: INVALID, NOT_FOUND, ...).
    #[error("the server refused {operation}: {message}{}", field.as_deref().map(|f| format!(" (field `{f}`)")).unwrap_or_default())]
    Server {
        operation: String,
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
        /// How long the server asked the client to wait (`Retry-After`, in seconds).
        retry_after: Option<u64>,
    },
    /// The server could not be reached (connection refused, timeout, TLS, ...).
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An external program (git, python, uv, pip) failed or is missing.
    #[error("{program}: {reason}")]
    Command { program: String, reason: String },
    /// Restored files differ from the captured manifest.
    #[error("verification failed: {0}")]
    Verification(String),
    /// Anything else that should not happen; the message says what.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// How long the server asked to wait before trying again, when it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Error::Server {
                retry_after: Some(seconds),
                ..
            } => Some(std::time::Duration::from_secs(*seconds)),
            _ => None,
        }
    }

    /// Whether retrying later may succeed (the server was unreachable or unavailable).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Server { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
