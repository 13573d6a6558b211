//! Where the client finds its server and token: explicit arguments first, then the
//! environment (`RSDK_SERVER`, `RSDK_TOKEN`), then the config file that the server's first
//! start (or `rsdk login`) writes: `$RSDK_CONFIG`, else `$XDG_CONFIG_HOME/rsdk/config.toml`,
//! else `~/.config/rsdk/config.toml`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The server url used when nothing else names one (what `rsdk serve` binds by default).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7878";

/// How long a request waits for an answer by default.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSettings {
    pub server: Option<String>,
    pub token: Option<String>,
    /// Where runs spool what the server has not acknowledged yet.
    pub spool_dir: Option<PathBuf>,
}

/// The resolved client settings.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The server's base url, without a trailing `/`.
    pub server: String,
    /// The API token (`rsdk_…`) or an access token; `None` is anonymous.
    pub token: Option<String>,
    /// The spool directory (see [`crate::spool`]).
    pub spool_dir: PathBuf,
    /// How long a request waits for the server's answer once it is sent
    /// (`RSDK_RESPONSE_TIMEOUT`, seconds; default [`DEFAULT_RESPONSE_TIMEOUT`]): a server
    /// that accepted the connection and went silent costs a run's writer no more than this
    /// before it tries again.
    pub response_timeout: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ClientConfig")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("spool_dir", &self.spool_dir)
            .finish()
    }
}

/// Explicit settings (arguments, flags); `None` falls back to the environment and the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub server: Option<String>,
    pub token: Option<String>,
    pub config_file: Option<PathBuf>,
}

impl ClientConfig {
    /// Resolves the settings from `overrides`, the environment and the config file.
    pub fn resolve(overrides: &Overrides) -> Result<Self> {
        let path = overrides.config_file.clone().unwrap_or_else(config_path);
        let file = read_settings(&path)?;
        let server = overrides
            .server
            .clone()
            .or_else(|| env("RSDK_SERVER"))
            .or(file.server)
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let token = overrides
            .token
            .clone()
            .or_else(|| env("RSDK_TOKEN"))
            .or(file.token);
        let spool_dir = env("RSDK_SPOOL_DIR")
            .map(PathBuf::from)
            .or(file.spool_dir)
            .unwrap_or_else(default_spool_dir);
        let response_timeout = match env("RSDK_RESPONSE_TIMEOUT") {
            Some(text) => match text.trim().parse::<f64>() {
                Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Duration::from_secs_f64(seconds),
                _ => {
                    return Err(Error::Config(format!(
                        "RSDK_RESPONSE_TIMEOUT is `{text}`: give the seconds a request waits for an answer, above 0"
                    )))
                }
            },
            None => DEFAULT_RESPONSE_TIMEOUT,
        };
        Ok(Self {
            server: normalize_server(&server)?,
            token,
            spool_dir,
            response_timeout,
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

/// Checks that `server` is an http(s) url and drops a trailing `/`.
pub fn normalize_server(server: &str) -> Result<String> {
    let trimmed = server.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) || trimmed.len() < 10 {
        return Err(Error::invalid(
            "server",
            format!("`{server}` is not an http(s) url such as {DEFAULT_SERVER}"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// The config file's path: `$RSDK_CONFIG`, else `$XDG_CONFIG_HOME/rsdk/config.toml`, else
/// `~/.config/rsdk/config.toml`.
pub fn config_path() -> PathBuf {
    if let Some(path) = env("RSDK_CONFIG") {
        return PathBuf::from(path);
    }
    config_home().join("rsdk").join("config.toml")
}

fn config_home() -> PathBuf {
    env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".config"))
}

fn home() -> PathBuf {
    env("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir)
}

fn default_spool_dir() -> PathBuf {
    env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".local").join("share"))
        .join("rsdk")
        .join("spool")
}

/// Reads the config file; a missing file is empty settings.
pub fn read_settings(path: &Path) -> Result<FileSettings> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|error| {
            Error::Config(format!("{} is not a valid config file: {error}", path.display()))
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(FileSettings::default()),
        Err(error) => Err(Error::io(path, error)),
    }
}

/// Writes the config file, readable by its owner only.
pub fn write_settings(path: &Path, settings: &FileSettings) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, error))?;
    }
    let text = toml::to_string(settings).map_err(|error| Error::Internal(error.to_string()))?;
    let text = format!("# rsdk client settings (written by `rsdk login`).\n{text}");
    let temporary = path.with_extension("toml.tmp");
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&temporary)
            .map_err(|error| Error::io(&temporary, error))?;
        file.write_all(text.as_bytes())
            .map_err(|error| Error::io(&temporary, error))?;
    }
    std::fs::rename(&temporary, path).map_err(|error| Error::io(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_must_be_http_urls() {
        assert_eq!(
            normalize_server("http://127.0.0.1:7878/").ok().as_deref(),
            Some("http://127.0.0.1:7878")
        );
        let error = normalize_server("127.0.0.1:7878").err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.starts_with("server:")));
    }

    #[test]
    fn settings_round_trip_through_the_file() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("rsdk").join("config.toml");
        assert_eq!(read_settings(&path)?, FileSettings::default());
        let settings = FileSettings {
            server: Some("http://localhost:9000".into()),
            token: Some("rsdk_abc".into()),
            spool_dir: None,
        };
        write_settings(&path, &settings)?;
        assert_eq!(read_settings(&path)?, settings);
        Ok(())
    }

    #[test]
    fn the_file_the_server_writes_is_read() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# Written by the first start of `rsdk serve`: the SDK and the CLI read it.\n\
             server = \"http://127.0.0.1:7878\"\ntoken = \"rsdk_x\"\n",
        )
        .map_err(|e| Error::io(&path, e))?;
        let settings = read_settings(&path)?;
        assert_eq!(settings.token.as_deref(), Some("rsdk_x"));
        Ok(())
    }
}
