//! Which files `log_artifacts` takes: every regular file below the given path that the
//! project's capture policy includes (the same globs and limits the server checks, so the
//! upload is not refused half-way).

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::api::CapturePolicy;
use crate::code::{self, Skipped};
use crate::error::{Error, Result};

/// A file to store, with its path in the experiment's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub path: String,
    pub size: u64,
    pub hash: String,
    pub source: PathBuf,
}

/// What [`select`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub files: Vec<Selected>,
    /// The files the policy leaves out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// The files below folder `path`, under the folder `name` in the experiment's tree, or file
/// `path` stored as `name` (default: its own file name), that `policy` takes (all of them
/// when the policy could not be read), and those it leaves out with the reason.
pub fn select(path: &Path, name: Option<&str>, policy: Option<&CapturePolicy>) -> Result<Selection> {
    let metadata = std::fs::metadata(path).map_err(|error| Error::io(path, error))?;
    let name = name
        .map(|name| name.trim_matches('/'))
        .filter(|name| !name.is_empty());
    let mut found = Vec::new();
    let prefix = if metadata.is_dir() {
        walk(path, path, &mut found)?;
        name
    } else {
        let own = path.file_name().and_then(|own| own.to_str());
        let target = name.or(own).ok_or_else(|| {
            Error::invalid(
                "path",
                format!("{} has no usable file name: pass a name", path.display()),
            )
        })?;
        found.push((target.to_owned(), path.to_owned()));
        None
    };
    let rules = policy.map(Rules::new).transpose()?;
    let mut selected = Vec::new();
    let mut skipped = Vec::new();
    let mut total = 0u64;
    for (relative, source) in found {
        let target = match prefix {
            Some(prefix) => format!("{prefix}/{relative}"),
            None => relative,
        };
        if let Some(problem) = code::path_problem(&target) {
            skipped.push(Skipped {
                path: target,
                reason: problem,
            });
            continue;
        }
        let size = std::fs::metadata(&source)
            .map_err(|error| Error::io(&source, error))?
            .len();
        if let Some(rules) = &rules {
            if let Some(reason) = rules.refusal(&target, size, total) {
                skipped.push(Skipped { path: target, reason });
                continue;
            }
        }
        let (hash, size) = code::sha256_file(&source)?;
        total += size;
        selected.push(Selected {
            path: target,
            size,
            hash,
            source,
        });
    }
    Ok(Selection {
        files: selected,
        skipped,
    })
}

/// Every regular file below `dir`, by `/`-separated path relative to `root`, in order.
fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|error| Error::io(dir, error))?
        .filter_map(|entry| entry.ok())
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(|error| Error::io(&path, error))?;
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_file() {
            let relative = path
                .strip_prefix(root)
                .ok()
                .and_then(|relative| relative.to_str())
                .map(|relative| relative.replace(std::path::MAIN_SEPARATOR, "/"));
            if let Some(relative) = relative {
                found.push((relative, path));
            }
        }
    }
    Ok(())
}

/// A capture policy compiled as the server compiles it.
struct Rules<'a> {
    policy: &'a CapturePolicy,
    include: GlobSet,
    exclude: Vec<(String, GlobSet)>,
}

impl<'a> Rules<'a> {
    fn new(policy: &'a CapturePolicy) -> Result<Self> {
        let exclude = policy
            .exclude
            .iter()
            .map(|glob| Ok((glob.clone(), globs(std::slice::from_ref(glob))?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            policy,
            include: globs(&policy.include)?,
            exclude,
        })
    }

    fn refusal(&self, path: &str, size: u64, total: u64) -> Option<String> {
        let name = &self.policy.name;
        if let Some((glob, _)) = self.exclude.iter().find(|(_, set)| set.is_match(path)) {
            return Some(format!("excluded by policy {name} ({glob})"));
        }
        if !self.include.is_match(path) {
            return Some(format!("not included by policy {name}"));
        }
        if size > self.policy.max_file_bytes {
            return Some(format!(
                "is {size} bytes, over the per-file limit of {} of policy {name}",
                self.policy.max_file_bytes
            ));
        }
        if total + size > self.policy.max_experiment_bytes {
            return Some(format!(
                "would take the experiment over the {} bytes policy {name} allows",
                self.policy.max_experiment_bytes
            ));
        }
        None
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|error| Error::invalid("policy", format!("`{pattern}` is not a valid glob: {error}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|error| Error::invalid("policy", format!("the globs cannot be compiled: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_decides_which_files_go() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let root = dir.path();
        for (path, bytes) in [
            ("model.pt", &b"weights"[..]),
            ("cache/x.bin", b"c"),
            ("run.tmp", b"t"),
            ("logs/a.txt", b"hello"),
        ] {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap_or(root)).map_err(|e| Error::io(root, e))?;
            std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
        }
        let policy = CapturePolicy {
            name: "project-default".into(),
            include: vec!["**".into()],
            exclude: vec!["**/*.tmp".into(), "outputs/cache/**".into()],
            max_file_bytes: 6,
            max_experiment_bytes: 1 << 30,
        };
        let selection = select(root, Some("outputs"), Some(&policy))?;
        let paths: Vec<&str> = selection.files.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(paths, ["outputs/logs/a.txt"]);
        let reasons: Vec<(&str, &str)> = selection
            .skipped
            .iter()
            .map(|skipped| (skipped.path.as_str(), skipped.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "outputs/cache/x.bin",
                    "excluded by policy project-default (outputs/cache/**)"
                ),
                (
                    "outputs/model.pt",
                    "is 7 bytes, over the per-file limit of 6 of policy project-default"
                ),
                ("outputs/run.tmp", "excluded by policy project-default (**/*.tmp)"),
            ]
        );
        Ok(())
    }
}
