//! Project settings: how experiment names are read, how parents are found, and
//! which feature paths count as changes. Validated whenever they are written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::evidence::Thresholds;

/// Accepts `12_from_8_lr_sweep` (number 12, parent 8), `12_lr` (number 12) and any other
/// non-empty name (no number: the next free one is assigned).
pub const DEFAULT_NAMING_PATTERN: &str = r"^(?:(?P<number>\d+)(?:_from_(?P<parent>\d+))?(?:_.*)?$|.+$)";

const MAX_PATTERN_LENGTH: usize = 1_000;
const MAX_NAME_LENGTH: usize = 256;
const MAX_IGNORED_PATHS: usize = 1_000;
const MAX_ENVIRONMENT_VARIABLE_PATTERNS: usize = 1_000;
const MAX_ENVIRONMENT_VARIABLE_PATTERN_LENGTH: usize = 256;

/// The environment variables an environment record keeps unless a project says otherwise:
/// what decides which devices a run sees, how many threads it uses, how reproducible it is
/// and how a distributed run is laid out. None of them holds a secret; the secret screen
/// (`model::environment::looks_secret`) still applies to whatever `*` patterns match.
pub const DEFAULT_ENVIRONMENT_VARIABLES: [&str; 14] = [
    "CUDA_*",
    "CUBLAS_WORKSPACE_CONFIG",
    "NVIDIA_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "PYTHONHASHSEED",
    "TORCH_*",
    "NCCL_*",
    "XLA_FLAGS",
    "WORLD_SIZE",
    "RANK",
    "LOCAL_RANK",
];
/// Compiled naming patterns kept for reuse: compiling one costs more than the rest of
/// name validation. Few projects means few patterns; the cache is cleared if it fills.
const MAX_CACHED_PATTERNS: usize = 256;

fn compiled_patterns() -> &'static Mutex<HashMap<String, Arc<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// How a project's experiments are named and related.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectSettings {
    /// Regex every experiment name must match; optional named groups `number` and `parent`.
    pub naming_pattern: String,
    /// Where a new experiment's parent comes from when none is given explicitly.
    pub parent_detection: ParentDetection,
    /// Which feature changes are recorded as `SETS` edges and shown in explanations.
    pub feature_diff: FeatureDiffPolicy,
    /// The environment variables an environment record keeps: exact names, or prefixes
    /// ending in `*` (`CUDA_*`). Names are compared case-sensitively, as POSIX does. Settings
    /// stored before this field existed read as [`DEFAULT_ENVIRONMENT_VARIABLES`].
    pub environment_variables: Vec<String>,
    /// `E_hypothesis` at or above this supports a hypothesis (see [`crate::evidence`]); a
    /// finite number above 0. Settings stored before this field existed read the default, 3.
    pub evidence_support_threshold: f64,
    /// `E_hypothesis` at or below minus this refutes a hypothesis; a finite number above 0,
    /// 3 by default.
    pub evidence_refute_threshold: f64,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            naming_pattern: DEFAULT_NAMING_PATTERN.to_owned(),
            parent_detection: ParentDetection::default(),
            feature_diff: FeatureDiffPolicy::default(),
            environment_variables: DEFAULT_ENVIRONMENT_VARIABLES.map(str::to_owned).to_vec(),
            evidence_support_threshold: Thresholds::default().support,
            evidence_refute_threshold: Thresholds::default().refute,
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
        self.validate_environment_variables()?;
        self.validate_evidence_thresholds()
    }

    /// The evidence model's decision thresholds of this project.
    pub fn evidence_thresholds(&self) -> Thresholds {
        Thresholds {
            support: self.evidence_support_threshold,
            refute: self.evidence_refute_threshold,
        }
    }

    /// [`Thresholds::validate`], naming the settings' own fields.
    fn validate_evidence_thresholds(&self) -> Result<()> {
        self.evidence_thresholds()
            .validate()
            .map_err(|error| match error {
                Error::Invalid { field, reason } => {
                    let field = match field.as_str() {
                        "support_threshold" => "settings.evidenceSupportThreshold",
                        _ => "settings.evidenceRefuteThreshold",
                    };
                    Error::invalid(field, reason)
                }
                other => other,
            })
    }

    /// Each pattern is a variable name (letters, digits, `_`), optionally ending in `*`; a
    /// lone `*` would keep every variable, so it is refused.
    fn validate_environment_variables(&self) -> Result<()> {
        if self.environment_variables.len() > MAX_ENVIRONMENT_VARIABLE_PATTERNS {
            return Err(Error::invalid(
                "settings.environmentVariables",
                format!("at most {MAX_ENVIRONMENT_VARIABLE_PATTERNS} names or patterns"),
            ));
        }
        for (position, pattern) in self.environment_variables.iter().enumerate() {
            let field = format!("settings.environmentVariables[{position}]");
            let name = pattern.strip_suffix('*').unwrap_or(pattern);
            if name.is_empty() {
                return Err(Error::invalid(
                    field,
                    "must name a variable or a prefix before `*` (a lone `*` would keep every variable)",
                ));
            }
            if pattern.len() > MAX_ENVIRONMENT_VARIABLE_PATTERN_LENGTH {
                return Err(Error::invalid(
                    field,
                    format!("is longer than {MAX_ENVIRONMENT_VARIABLE_PATTERN_LENGTH} characters"),
                ));
            }
            if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
                return Err(Error::invalid(
                    field,
                    format!("`{bad}` is not allowed: use letters, digits and `_`, with an optional `*` at the end"),
                ));
            }
        }
        Ok(())
    }

    /// Whether the allow-list keeps the environment variable `name` (before the secret screen).
    pub fn allows_environment_variable(&self, name: &str) -> bool {
        self.environment_variables
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == pattern,
            })
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
    fn settings_stored_before_the_environment_allow_list_read_with_the_default_one() {
        let stored = r#"{"naming_pattern":"^.+$","parent_detection":{"from_name":true,"missing_parent_makes_root":false},"feature_diff":{"ignored_paths":[]}}"#;
        let settings: ProjectSettings = serde_json::from_str(stored).expect("old settings load");
        assert_eq!(settings.naming_pattern, "^.+$");
        assert_eq!(
            settings.environment_variables,
            DEFAULT_ENVIRONMENT_VARIABLES.map(str::to_owned).to_vec()
        );
        settings.validate().expect("the default list is valid");
    }

    #[test]
    fn the_allow_list_takes_exact_names_and_prefixes() {
        let settings = ProjectSettings::default();
        assert!(settings.allows_environment_variable("CUDA_VISIBLE_DEVICES"));
        assert!(settings.allows_environment_variable("TORCH_HOME"));
        assert!(settings.allows_environment_variable("OMP_NUM_THREADS"));
        assert!(!settings.allows_environment_variable("OMP_NUM_THREADS_EXTRA"));
        assert!(!settings.allows_environment_variable("cuda_visible_devices"));
        assert!(!settings.allows_environment_variable("HOME"));
        let nothing = ProjectSettings {
            environment_variables: Vec::new(),
            ..ProjectSettings::default()
        };
        assert!(!nothing.allows_environment_variable("CUDA_VISIBLE_DEVICES"));
    }

    #[test]
    fn bad_allow_list_entries_are_refused_naming_their_position() {
        for (pattern, reason) in [
            ("*", "lone `*`"),
            ("", "must name a variable"),
            ("CUDA_*_X", "`*` is not allowed"),
            ("MY VAR", "` ` is not allowed"),
            ("A=B", "`=` is not allowed"),
        ] {
            let settings = ProjectSettings {
                environment_variables: vec!["OMP_NUM_THREADS".into(), pattern.into()],
                ..ProjectSettings::default()
            };
            let error = settings.validate().expect_err(pattern);
            let message = error.to_string();
            assert!(
                message.starts_with("settings.environmentVariables[1]:") && message.contains(reason),
                "{pattern}: {message}"
            );
        }
        let too_many = ProjectSettings {
            environment_variables: vec!["X".into(); MAX_ENVIRONMENT_VARIABLE_PATTERNS + 1],
            ..ProjectSettings::default()
        };
        assert!(too_many
            .validate()
            .expect_err("too many")
            .to_string()
            .starts_with("settings.environmentVariables:"));
    }

    #[test]
    fn evidence_thresholds_default_to_the_models_and_must_be_positive() {
        let settings = ProjectSettings::default();
        assert_eq!(settings.evidence_thresholds(), Thresholds::default());
        let stored = r#"{"naming_pattern":"^.+$"}"#;
        let old: ProjectSettings = serde_json::from_str(stored).expect("old settings load");
        assert_eq!(old.evidence_thresholds(), Thresholds::default());
        for (support, refute, field) in [
            (0.0, 1.0, "settings.evidenceSupportThreshold:"),
            (1.0, f64::NAN, "settings.evidenceRefuteThreshold:"),
        ] {
            let bad = ProjectSettings {
                evidence_support_threshold: support,
                evidence_refute_threshold: refute,
                ..ProjectSettings::default()
            };
            let message = bad.validate().expect_err("refused").to_string();
            assert!(message.starts_with(field), "{message}");
        }
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
