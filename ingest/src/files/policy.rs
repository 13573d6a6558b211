//! Capture policies: which files of an experiment are captured (include/exclude globs) and
//! how large they may be.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use super::{invalid, validate_path};
use crate::Result;

/// The most include (or exclude) globs a policy may have.
const MAX_GLOBS: usize = 100;
/// The longest glob accepted, in bytes.
const MAX_GLOB_BYTES: usize = 512;
/// The longest policy name, in characters.
const MAX_NAME_CHARS: usize = 64;

const GIB: u64 = 1024 * 1024 * 1024;

/// Which files an experiment captures and how large they may be.
///
/// A file is captured when its path matches an `include` glob and no `exclude` glob. In globs
/// `*` and `?` stay within one path segment and `**` crosses segments: `checkpoints/*.pt`
/// matches `checkpoints/a.pt` but not `checkpoints/x/a.pt`; `configs/**/*.yaml` matches both
/// `configs/a.yaml` and `configs/x/y/a.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapturePolicy {
    /// 1 to 64 characters of `A-Z a-z 0-9 . _ -`; named in refusals.
    pub name: String,
    /// Globs of the files captured (at most 100, each at most 512 bytes).
    pub include: Vec<String>,
    /// Globs of the files never captured, even when included (same limits).
    pub exclude: Vec<String>,
    /// The largest file captured, in bytes.
    pub max_file_bytes: u64,
    /// The most bytes all files of one experiment may take together.
    pub max_experiment_bytes: u64,
}

impl CapturePolicy {
    /// Everything but temporary files, Python caches, git internals and `cache/`; files up to
    /// 1 GiB, experiments up to 20 GiB.
    pub fn project_default() -> Self {
        CapturePolicy {
            name: "project-default".into(),
            include: vec!["**".into()],
            exclude: vec![
                "**/*.tmp".into(),
                "**/__pycache__/**".into(),
                "**/.git/**".into(),
                "cache/**".into(),
            ],
            max_file_bytes: GIB,
            max_experiment_bytes: 20 * GIB,
        }
    }

    /// Checks the name, the globs (count, length, syntax) and the limits; a refusal names
    /// the field (`name`, `include[2]`, `max_file_bytes`, ...).
    pub fn validate(&self) -> Result<()> {
        self.compile().map(|_| ())
    }

    /// The compiled policy, after [`CapturePolicy::validate`].
    pub fn matcher(&self) -> Result<PolicyMatcher> {
        let (include, exclude) = self.compile()?;
        Ok(PolicyMatcher {
            name: self.name.clone(),
            include,
            exclude_globs: self.exclude.clone(),
            exclude,
            max_file_bytes: self.max_file_bytes,
            max_experiment_bytes: self.max_experiment_bytes,
        })
    }

    /// Validates everything and compiles both glob lists.
    fn compile(&self) -> Result<(GlobSet, GlobSet)> {
        validate_name(&self.name)?;
        let include = compile_globs("include", &self.include)?;
        let exclude = compile_globs("exclude", &self.exclude)?;
        if self.max_file_bytes == 0 {
            return Err(invalid("max_file_bytes", "must be greater than 0"));
        }
        if self.max_experiment_bytes == 0 {
            return Err(invalid("max_experiment_bytes", "must be greater than 0"));
        }
        if self.max_file_bytes > self.max_experiment_bytes {
            return Err(invalid(
                "max_file_bytes",
                format!(
                    "is {}, over max_experiment_bytes ({})",
                    self.max_file_bytes, self.max_experiment_bytes
                ),
            ));
        }
        Ok((include, exclude))
    }
}

fn validate_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME_CHARS {
        return Err(invalid(
            "name",
            format!("is {length} characters, expected 1 to {MAX_NAME_CHARS}"),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if let Some(refused) = name.chars().find(|&c| !allowed(c)) {
        return Err(invalid(
            "name",
            format!("contains {refused:?}; use letters, digits, '.', '_' and '-'"),
        ));
    }
    Ok(())
}

fn compile_globs(field: &str, patterns: &[String]) -> Result<GlobSet> {
    if patterns.len() > MAX_GLOBS {
        return Err(invalid(
            field,
            format!("has {} globs, at most {MAX_GLOBS} are allowed", patterns.len()),
        ));
    }
    let mut set = GlobSetBuilder::new();
    for (index, pattern) in patterns.iter().enumerate() {
        set.add(compile_glob(&format!("{field}[{index}]"), pattern)?);
    }
    set.build()
        .map_err(|error| invalid(field, format!("cannot be compiled: {}", error.kind())))
}

fn compile_glob(field: &str, pattern: &str) -> Result<Glob> {
    if pattern.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if pattern.len() > MAX_GLOB_BYTES {
        return Err(invalid(
            field,
            format!(
                "is {} bytes, longer than the limit of {MAX_GLOB_BYTES}",
                pattern.len()
            ),
        ));
    }
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| invalid(field, format!("is not a valid glob: {}", error.kind())))
}

/// A validated [`CapturePolicy`] with its globs compiled.
#[derive(Debug, Clone)]
pub struct PolicyMatcher {
    name: String,
    include: GlobSet,
    exclude: GlobSet,
    /// The exclude globs as written, to name the one that refuses a file.
    exclude_globs: Vec<String>,
    max_file_bytes: u64,
    max_experiment_bytes: u64,
}

impl PolicyMatcher {
    /// Whether the policy captures the file at `path` of `size` bytes; the refusal names
    /// the rule (`excluded by policy project-default (**/*.tmp)`, `not included by policy x`,
    /// `is 2000000 bytes, over the per-file limit of 1000000 of policy x`). The path is
    /// validated (and normalized) first.
    pub fn check_file(&self, field: &str, path: &str, size: u64) -> Result<()> {
        let path = validate_path(field, path)?;
        let name = &self.name;
        if let Some(&first) = self.exclude.matches(&path).first() {
            let glob = self.exclude_globs.get(first).map_or("?", String::as_str);
            return Err(invalid(field, format!("excluded by policy {name} ({glob})")));
        }
        if !self.include.is_match(&path) {
            return Err(invalid(field, format!("not included by policy {name}")));
        }
        if size > self.max_file_bytes {
            return Err(invalid(
                field,
                format!(
                    "is {size} bytes, over the per-file limit of {} of policy {name}",
                    self.max_file_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Whether an experiment's files may take `total_bytes` together.
    pub fn check_total(&self, field: &str, total_bytes: u64) -> Result<()> {
        if total_bytes > self.max_experiment_bytes {
            return Err(invalid(
                field,
                format!(
                    "is {total_bytes} bytes, over the per-experiment limit of {} of policy {}",
                    self.max_experiment_bytes, self.name
                ),
            ));
        }
        Ok(())
    }

    /// The name of the policy, for messages.
    pub fn policy_name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn policy(include: &[&str], exclude: &[&str]) -> CapturePolicy {
        CapturePolicy {
            name: "x".into(),
            include: include.iter().map(|glob| glob.to_string()).collect(),
            exclude: exclude.iter().map(|glob| glob.to_string()).collect(),
            max_file_bytes: 1_000_000,
            max_experiment_bytes: 10_000_000,
        }
    }

    fn refusal(result: Result<()>) -> (String, String) {
        match result {
            Err(Error::Invalid { field, reason }) => (field, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn captures(matcher: &PolicyMatcher, path: &str) -> bool {
        matcher.check_file("path", path, 1).is_ok()
    }

    #[test]
    fn single_star_stays_in_its_segment() {
        let matcher = policy(&["checkpoints/*.pt"], &[]).matcher().expect("valid");
        assert!(captures(&matcher, "checkpoints/a.pt"));
        assert!(!captures(&matcher, "checkpoints/x/a.pt"));
        assert!(!captures(&matcher, "a.pt"));
    }

    #[test]
    fn double_star_crosses_segments_and_matches_none() {
        let matcher = policy(&["configs/**/*.yaml"], &[]).matcher().expect("valid");
        assert!(captures(&matcher, "configs/a.yaml"));
        assert!(captures(&matcher, "configs/x/y/a.yaml"));
        assert!(!captures(&matcher, "configs/a.json"));
        assert!(!captures(&matcher, "other/configs/a.yaml"));
    }

    #[test]
    fn project_default_excludes_temporary_caches_and_git() {
        let matcher = CapturePolicy::project_default().matcher().expect("valid");
        assert_eq!(matcher.policy_name(), "project-default");
        assert!(captures(&matcher, "model.pt"));
        assert!(captures(&matcher, "deep/dir/metrics.csv"));
        assert!(
            captures(&matcher, "src/cache/x.py"),
            "cache/** is anchored at the root"
        );
        for excluded in [
            "a.tmp",
            "x/y/a.tmp",
            "pkg/__pycache__/m.pyc",
            ".git/HEAD",
            "cache/x/y",
        ] {
            assert!(!captures(&matcher, excluded), "{excluded}");
        }
        let (field, reason) = refusal(matcher.check_file("files[3].path", "out/run.tmp", 1));
        assert_eq!(field, "files[3].path");
        assert_eq!(reason, "excluded by policy project-default (**/*.tmp)");
        let (_, reason) = refusal(matcher.check_file("path", "cache/a/b.bin", 1));
        assert_eq!(reason, "excluded by policy project-default (cache/**)");
    }

    #[test]
    fn refusals_name_the_rule() {
        let matcher = policy(&["*.txt"], &[]).matcher().expect("valid");
        let (_, reason) = refusal(matcher.check_file("path", "a.csv", 1));
        assert_eq!(reason, "not included by policy x");
        let (_, reason) = refusal(matcher.check_file("path", "a.txt", 2_000_000));
        assert_eq!(
            reason,
            "is 2000000 bytes, over the per-file limit of 1000000 of policy x"
        );
        assert!(matcher.check_file("path", "a.txt", 1_000_000).is_ok());
        let (field, reason) = refusal(matcher.check_file("path", "../a.txt", 1));
        assert_eq!(field, "path");
        assert!(reason.contains("'..'"));
        let (field, reason) = refusal(matcher.check_total("total", 10_000_001));
        assert_eq!(field, "total");
        assert_eq!(
            reason,
            "is 10000001 bytes, over the per-experiment limit of 10000000 of policy x"
        );
        assert!(matcher.check_total("total", 10_000_000).is_ok());
    }

    #[test]
    fn files_are_matched_by_their_normalized_path() {
        let matcher = policy(&["checkpoints/*.pt"], &[]).matcher().expect("valid");
        assert!(captures(&matcher, "./checkpoints//a.pt"));
    }

    #[test]
    fn validate_names_the_field_that_is_wrong() {
        let field_of = |policy: CapturePolicy| refusal(policy.validate()).0;
        assert!(CapturePolicy::project_default().validate().is_ok());

        let mut bad = policy(&["a"], &[]);
        bad.name = String::new();
        assert_eq!(field_of(bad.clone()), "name");
        bad.name = "n".repeat(65);
        assert_eq!(field_of(bad.clone()), "name");
        bad.name = "has space".into();
        assert_eq!(field_of(bad), "name");

        assert_eq!(field_of(policy(&["a", "b", "[z-a"], &[])), "include[2]");
        assert_eq!(field_of(policy(&["a"], &["{unclosed"])), "exclude[0]");
        assert_eq!(field_of(policy(&[""], &[])), "include[0]");
        let long_glob = "a".repeat(513);
        assert_eq!(field_of(policy(&[&long_glob], &[])), "include[0]");
        let many: Vec<&str> = vec!["a"; 101];
        assert_eq!(field_of(policy(&many, &[])), "include");
        assert!(policy(&vec!["a"; 100], &[]).validate().is_ok());
        assert!(policy(&[], &[]).validate().is_ok());

        let mut limits = policy(&["a"], &[]);
        limits.max_file_bytes = 0;
        assert_eq!(field_of(limits.clone()), "max_file_bytes");
        limits.max_file_bytes = 11_000_000;
        assert_eq!(field_of(limits.clone()), "max_file_bytes");
        limits.max_file_bytes = 1;
        limits.max_experiment_bytes = 0;
        assert_eq!(field_of(limits), "max_experiment_bytes");
    }

    #[test]
    fn policies_round_trip_through_json_and_refuse_unknown_keys() {
        let policy = CapturePolicy::project_default();
        let json = serde_json::to_string(&policy).expect("serialize");
        assert_eq!(
            serde_json::from_str::<CapturePolicy>(&json).expect("parse"),
            policy
        );
        let unknown = json.replace("\"name\"", "\"nmae\"");
        assert!(serde_json::from_str::<CapturePolicy>(&unknown).is_err());
    }
}
