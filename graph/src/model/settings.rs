//! Project settings: how experiment names are read, how parents are found, and
//! which feature paths count as changes. Validated whenever they are written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Accepts `12_from_8_lr_sweep` (number 12, parent 8), `12_lr` (number 12) and any other
/// non-empty name (no number: the next free one is assigned).
pub const DEFAULT_NAMING_PATTERN: &str = r"^(?:(?P<number>\d+)(?:_from_(?P<parent>\d+))?(?:_.*)?$|.+$)";

const MAX_PATTERN_LENGTH: usize = 1_000;
const MAX_NAME_LENGTH: usize = 256;
const MAX_IGNORED_PATHS: usize = 1_000;
/// Compiled naming patterns kept for reuse: compiling one costs more than the rest of
/// name validation. Few projects means few patterns; the cache is cleared if it fills.
const MAX_CACHED_PATTERNS: usize = 256;

fn compiled_patterns() -> &'static Mutex<HashMap<String, Arc<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// How a project's experiments are named and related.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectSettings {
    /// Regex every experiment name must match; optional named groups `number` and `parent`.
    pub naming_pattern: String,
    /// Where a new experiment's parent comes from when none is given explicitly.
    pub parent_detection: ParentDetection,
    /// Which feature changes are recorded as `SETS` edges and shown in explanations.
    pub feature_diff: FeatureDiffPolicy,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            naming_pattern: DEFAULT_NAMING_PATTERN.to_owned(),
            parent_detection: ParentDetection::default(),
            feature_diff: FeatureDiffPolicy::default(),
        }
    }
}

/// Parent detection rules. An explicit parent always wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParentDetection {
    /// Read the parent number from the name's `parent` group.
    pub from_name: bool,
    /// When the name names a parent that does not exist: `false` refuses the
    /// experiment (NOT_FOUND), `true` creates it as a root.
    pub missing_parent_makes_root: bool,
}

impl Default for ParentDetection {
    fn default() -> Self {
        Self {
            from_name: true,
            missing_parent_makes_root: false,
        }
    }
}

/// Feature diff policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureDiffPolicy {
    /// Feature paths (and everything under them) that are still stored but are not
    /// treated as changes: no `SETS` edge, not listed in explanations. For values
    /// that differ on every run, such as `seed` or `output_dir`.
    pub ignored_paths: Vec<String>,
}

impl FeatureDiffPolicy {
    /// Whether changes at `path` are noise by this policy.
    pub fn ignores(&self, path: &str) -> bool {
        self.ignored_paths.iter().any(|ignored| {
            path == ignored
                || path
                    .strip_prefix(ignored.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

/// What an experiment's name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameParts {
    /// The `number` group.
    pub number: Option<i64>,
    /// The `parent` group.
    pub parent: Option<i64>,
}

impl ProjectSettings {
    /// Checks every field; the error names the field and the reason.
    pub fn validate(&self) -> Result<()> {
        self.compiled_pattern()?;
        for (position, path) in self.feature_diff.ignored_paths.iter().enumerate() {
            if path.trim().is_empty() {
                return Err(Error::invalid(
                    format!("settings.featureDiff.ignoredPaths[{position}]"),
                    "must not be empty",
                ));
            }
        }
        if self.feature_diff.ignored_paths.len() > MAX_IGNORED_PATHS {
            return Err(Error::invalid(
                "settings.featureDiff.ignoredPaths",
                format!("at most {MAX_IGNORED_PATHS} paths"),
            ));
        }
        Ok(())
    }

    fn compiled_pattern(&self) -> Result<Arc<Regex>> {
        if let Some(cached) = compiled_patterns()
            .lock()
            .ok()
            .and_then(|cache| cache.get(&self.naming_pattern).cloned())
        {
            return Ok(cached);
        }
        let field = "namingPattern";
        if self.naming_pattern.len() > MAX_PATTERN_LENGTH {
            return Err(Error::invalid(
                field,
                format!("is longer than {MAX_PATTERN_LENGTH} characters"),
            ));
        }
        let pattern = Regex::new(&self.naming_pattern)
            .map_err(|error| Error::invalid(field, format!("is not a valid regex: {error}")))?;
        for name in pattern.capture_names().flatten() {
            if name != "number" && name != "parent" {
                return Err(Error::invalid(
                    field,
                    format!("group `{name}` is unknown: only `number` and `parent` are read"),
                ));
            }
        }
        let pattern = Arc::new(pattern);
        if let Ok(mut cache) = compiled_patterns().lock() {
            if cache.len() >= MAX_CACHED_PATTERNS {
                cache.clear();
            }
            cache.insert(self.naming_pattern.clone(), Arc::clone(&pattern));
        }
        Ok(pattern)
    }

    /// Validates an experiment name against the pattern and reads its groups.
    pub fn parse_name(&self, name: &str) -> Result<NameParts> {
        if name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if name.chars().count() > MAX_NAME_LENGTH {
            return Err(Error::invalid(
                "name",
                format!("is longer than {MAX_NAME_LENGTH} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid("name", "must not contain control characters"));
        }
        let pattern = self.compiled_pattern()?;
        let captures = pattern.captures(name).ok_or_else(|| {
            Error::invalid(
                "name",
                format!(
                    "`{name}` does not match the project's naming pattern `{}`",
                    self.naming_pattern
                ),
            )
        })?;
        let group = |group: &str| -> Result<Option<i64>> {
            let Some(text) = captures.name(group) else {
                return Ok(None);
            };
            let number = text.as_str().parse::<i64>().map_err(|_| {
                Error::invalid(
                    "name",
                    format!("group `{group}` = `{}` is not a number", text.as_str()),
                )
            })?;
            if number < 1 {
                return Err(Error::invalid(
                    "name",
                    format!("group `{group}` must be at least 1"),
                ));
            }
            Ok(Some(number))
        };
        Ok(NameParts {
            number: group("number")?,
            parent: group("parent")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> NameParts {
        ProjectSettings::default()
            .parse_name(name)
            .expect("default pattern accepts it")
    }

    #[test]
    fn default_pattern_reads_number_and_parent() {
        assert_eq!(
            parts("12_from_8_lr_sweep"),
            NameParts {
                number: Some(12),
                parent: Some(8)
            }
        );
        assert_eq!(
            parts("12_from_8"),
            NameParts {
                number: Some(12),
                parent: Some(8)
            }
        );
        assert_eq!(
            parts("3_warmup"),
            NameParts {
                number: Some(3),
                parent: None
            }
        );
    }

    #[test]
    fn default_pattern_accepts_any_other_name_without_groups() {
        for name in ["baseline", "lr sweep (fast)", "12abc", "x_from_y", "résumé"] {
            assert_eq!(parts(name), NameParts::default(), "{name}");
        }
    }

    #[test]
    fn name_outside_pattern_is_refused_quoting_the_pattern() {
        let settings = ProjectSettings {
            naming_pattern: r"^(?P<number>\d+)_.+$".into(),
            ..ProjectSettings::default()
        };
        let error = settings.parse_name("baseline").expect_err("no number");
        assert!(error.to_string().contains(r"^(?P<number>\d+)_.+$"), "{error}");
        assert_eq!(error.code(), "VALIDATION");
    }

    #[test]
    fn invalid_regex_and_unknown_groups_are_refused() {
        for pattern in ["(unclosed", r"(?P<run>\d+)"] {
            let settings = ProjectSettings {
                naming_pattern: pattern.into(),
                ..Default::default()
            };
            let error = settings.validate().expect_err(pattern);
            assert!(error.to_string().starts_with("namingPattern:"), "{error}");
        }
    }

    #[test]
    fn empty_and_control_character_names_are_refused() {
        let settings = ProjectSettings::default();
        assert!(settings.parse_name("  ").is_err());
        assert!(settings.parse_name("a\nb").is_err());
    }

    #[test]
    fn ignored_paths_cover_their_subtree_only() {
        let policy = FeatureDiffPolicy {
            ignored_paths: vec!["seed".into(), "io".into()],
        };
        assert!(policy.ignores("seed"));
        assert!(policy.ignores("io.output_dir"));
        assert!(!policy.ignores("seeds"));
        assert!(!policy.ignores("optimizer.lr"));
    }
}
