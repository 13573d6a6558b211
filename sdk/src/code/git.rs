//! Running `git` as an external program (never through a shell) and reading what a capture
//! needs from it: the repository root, the HEAD commit, branch and remote, the patch and the
//! file listings.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::{Error, Result};

use super::platform;

/// Git metadata of a capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GitInfo {
    /// The name of the repository's root folder.
    pub repository: Option<String>,
    /// The `origin` remote, without credentials.
    pub remote_url: Option<String>,
    /// The checked-out branch; `None` on a detached HEAD.
    pub branch: Option<String>,
    /// The HEAD commit; `None` in a repository without commits.
    pub commit: Option<String>,
}

/// Environment variables that would point git at another repository than `-C`'s (a hook
/// sets them): cleared so every command acts on the folder it names.
const REPOSITORY_VARIABLES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

/// One git invocation in a folder, with settings that keep its output stable.
#[derive(Debug)]
pub struct Git {
    command: Command,
    shown: String,
    dir: PathBuf,
}

impl Git {
    /// `git -C <dir> -c core.quotepath=off`, without optional locks, in the C locale.
    pub fn new(dir: &Path) -> Self {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(dir)
            .args(["-c", "core.quotepath=off"])
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        for variable in REPOSITORY_VARIABLES {
            command.env_remove(variable);
        }
        Self {
            command,
            shown: "git".into(),
            dir: dir.to_path_buf(),
        }
    }

    /// Adds arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        for arg in args {
            let arg = arg.as_ref();
            self.shown.push(' ');
            self.shown.push_str(&arg.to_string_lossy());
            self.command.arg(arg);
        }
        self
    }

    /// Runs it, whatever its exit status; only a git that cannot start is an error.
    pub fn run(mut self) -> Result<Output> {
        self.command.output().map_err(|error| {
            let reason = if error.kind() == std::io::ErrorKind::NotFound {
                "git is not installed or not on PATH: install git".to_owned()
            } else {
                format!("cannot run `{}`: {error}", self.shown)
            };
            Error::Command {
                program: "git".into(),
                reason,
            }
        })
    }

    /// Its standard output; a failure is an error naming the command, its message and
    /// `next` (what the user can do about it).
    pub fn output(self, next: &str) -> Result<Vec<u8>> {
        let shown = self.shown.clone();
        let dir = self.dir.clone();
        let output = self.run()?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        Err(Error::Command {
            program: "git".into(),
            reason: format!(
                "`{shown}` failed in {}: {}: {next}",
                dir.display(),
                failure_message(&output)
            ),
        })
    }

    /// Its standard output, or `None` when it exits with a failure (git's way of saying "no
    /// such thing" for the queries that use it).
    pub fn optional_output(self) -> Result<Option<Vec<u8>>> {
        let output = self.run()?;
        Ok(output.status.success().then_some(output.stdout))
    }
}

/// What a failed git printed (its standard error, else its exit status), on one line.
pub fn failure_message(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if message.is_empty() {
        format!("exited with {}", output.status)
    } else {
        message
    }
}

/// Where a folder stands with git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toplevel {
    /// The root of the working tree holding the folder.
    Root(PathBuf),
    /// The folder is not in a git working tree (or git is missing); the reason says which.
    Outside(String),
}

/// The root of the working tree holding `start`.
pub fn toplevel(start: &Path) -> Result<Toplevel> {
    let output = match Git::new(start).args(["rev-parse", "--show-toplevel"]).run() {
        Ok(output) => output,
        Err(Error::Command { reason, .. }) => return Ok(Toplevel::Outside(reason)),
        Err(error) => return Err(error),
    };
    if output.status.success() {
        let root = platform::path_from_bytes(trim_newline(&output.stdout))
            .ok_or_else(|| Error::Internal("git printed a repository root that is not a path".into()))?;
        return Ok(Toplevel::Root(root));
    }
    let message = failure_message(&output);
    if message.contains("not a git repository") {
        return Ok(Toplevel::Outside(format!(
            "{} is not in a git repository",
            start.display()
        )));
    }
    Err(Error::Command {
        program: "git".into(),
        reason: format!(
            "cannot find the repository of {}: {message}: fix the repository or capture with \
             mode tarball",
            start.display()
        ),
    })
}

/// The repository name, remote, branch and HEAD commit of the working tree at `root`.
pub fn info(root: &Path) -> Result<GitInfo> {
    let text = |bytes: Option<Vec<u8>>| {
        bytes
            .map(|bytes| String::from_utf8_lossy(trim_newline(&bytes)).into_owned())
            .filter(|text| !text.is_empty())
    };
    let commit = Git::new(root)
        .args(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
        .optional_output()?;
    let branch = Git::new(root)
        .args(["symbolic-ref", "--short", "-q", "HEAD"])
        .optional_output()?;
    let remote = Git::new(root)
        .args(["remote", "get-url", "origin"])
        .optional_output()?;
    let repository = root.file_name().and_then(OsStr::to_str).map(str::to_owned);
    Ok(GitInfo {
        repository,
        remote_url: text(remote).map(|url| strip_credentials(&url)),
        branch: text(branch),
        commit: text(commit),
    })
}

/// The uncommitted changes of the working tree against HEAD, as `git diff --binary HEAD`
/// writes them (`a/`/`b/` prefixes, no colour, no external diff or text conversion whatever
/// the user's configuration says); `None` when there are none. Submodules are left out.
pub fn patch(root: &Path) -> Result<Option<Vec<u8>>> {
    let patch = Git::new(root)
        .args([
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "-c",
            "diff.relative=false",
            "diff",
            "--binary",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            "--find-renames",
            "--ignore-submodules=all",
            "HEAD",
            "--",
        ])
        .output("check the repository with `git status`")?;
    Ok((!patch.is_empty()).then_some(patch))
}

/// The tracked paths (`--cached`), or the untracked paths git does not ignore (`--others
/// --exclude-standard`), as the raw bytes of each name, relative to `root`.
pub fn list_files(root: &Path, untracked: bool) -> Result<Vec<Vec<u8>>> {
    let which: &[&str] = if untracked {
        &["--others", "--exclude-standard"]
    } else {
        &["--cached"]
    };
    let output = Git::new(root)
        .args(["ls-files", "-z"])
        .args(which)
        .output("check the repository with `git status`")?;
    let mut paths: Vec<Vec<u8>> = output
        .split(|&byte| byte == 0)
        .filter(|path| !path.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    // A conflicted path is listed once per stage.
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// A remote URL without credentials: the server refuses a user name on an http(s) URL
/// (usually a token) and a password anywhere. `git@host:org/repo.git` stays as it is.
pub fn strip_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let http = matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https");
    match user_info.split_once(':') {
        _ if http => format!("{scheme}://{host}{path}"),
        Some((user, _password)) => format!("{scheme}://{user}@{host}{path}"),
        None => url.to_owned(),
    }
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped_from_remotes() {
        let cases = [
            (
                "https://token@github.com/org/repo.git",
                "https://github.com/org/repo.git",
            ),
            ("https://user:secret@example.com/repo", "https://example.com/repo"),
            ("HTTP://u:p@example.com", "HTTP://example.com"),
            ("ssh://git:secret@example.com/repo", "ssh://git@example.com/repo"),
            ("ssh://git@example.com/repo", "ssh://git@example.com/repo"),
            ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
            ("https://example.com/a@b", "https://example.com/a@b"),
            ("/srv/git/repo", "/srv/git/repo"),
        ];
        for (url, expected) in cases {
            assert_eq!(strip_credentials(url), expected, "{url}");
        }
    }

    #[test]
    fn a_folder_outside_any_repository_is_reported_as_outside() -> Result<()> {
        let folder = tempfile::tempdir().map_err(|error| Error::Internal(error.to_string()))?;
        // A tempdir may still sit inside a repository (a checkout under /tmp): skip then.
        if let Toplevel::Outside(reason) = toplevel(folder.path())? {
            assert!(reason.contains("not in a git repository"), "{reason}");
        }
        Ok(())
    }
}
