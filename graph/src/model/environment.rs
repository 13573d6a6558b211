//! The environment an experiment ran in: interpreter, installed packages, platform,
//! accelerators, command line, working directory (also relative to the code snapshot's root)
//! and the environment variables the project's allow-list keeps. Stored as one JSON text on the experiment (`Experiment.environment`).
//!
//! Environment variables are screened twice before anything is stored: a variable must match
//! the project's allow-list (`ProjectSettings::environment_variables`), and a name that looks
//! secret ([`looks_secret`]) is dropped even when it does. Only the names of dropped variables
//! are kept, never their values.

mod diff;
mod validate;

pub use diff::{
    diff_environments, EnvironmentComparison, EnvironmentDiff, EnvironmentField, PackageChange,
    PackageChangeKind,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ProjectSettings;

/// Longest restore-check detail (the verifier's summary), in characters.
pub const MAX_RESTORE_DETAIL_CHARS: usize = 2_000;

/// How restoring an experiment's code elsewhere went, as `rsdk restore` reports it after
/// checking every file against the snapshot's hash manifest. Evidence confidence counts a
/// verified restore fully, a run never restored half and a failed restore not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreCheckRecord {
    /// Every file of the snapshot came back with its recorded hash.
    pub verified: bool,
    /// The verifier's summary (files matched, missing or different).
    pub detail: String,
    /// When it was recorded.
    pub checked_at: DateTime<Utc>,
}

/// Most packages one record lists (a large conda environment has a few thousand).
pub const MAX_PACKAGES: usize = 20_000;
/// Most accelerator entries (one per kind of device).
pub const MAX_ACCELERATORS: usize = 256;
/// Most devices one accelerator entry counts.
pub const MAX_ACCELERATOR_COUNT: i64 = 65_536;
/// Most command-line arguments, the program included.
pub const MAX_COMMAND_LINE_ARGS: usize = 1_000;
/// Most environment variables a client may offer (most are dropped by the allow-list).
pub const MAX_OFFERED_VARIABLES: usize = 10_000;
/// Longest name, version, interpreter, platform, driver or working directory, in characters
/// (`PATH_MAX` on Linux).
pub const MAX_TEXT_CHARS: usize = 4_096;
/// Longest code directory, in characters (the limit of a stored file path).
pub const MAX_CODE_DIRECTORY_CHARS: usize = 1_024;
/// Longest command-line argument or variable value, in characters (Windows' limit for a
/// variable value).
pub const MAX_VALUE_CHARS: usize = 32_768;
/// Largest record once stored, in bytes of JSON.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// Words that make a variable name look secret (compared case-insensitively, anywhere in the
/// name). Such a variable is never stored, whatever the allow-list says.
pub const SECRET_NAME_WORDS: [&str; 10] = [
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "AUTH",
    "PRIVATE",
    "SESSION",
    "COOKIE",
];

/// An installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Its name as the package manager spells it (`torch`, `PyYAML`).
    pub name: String,
    /// Its version (`2.3.1+cu121`); may be empty when the manager does not know it.
    pub version: String,
}

/// One kind of accelerator device the run could use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accelerator {
    /// The device model (`NVIDIA H100 80GB HBM3`).
    pub name: String,
    /// How many such devices, at least 1.
    pub count: i64,
    /// Memory per device in bytes, when known.
    pub memory_bytes: Option<i64>,
    /// The driver version (`550.54.15`), when known.
    pub driver: Option<String>,
}

/// An environment variable with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// What a client reports about the environment of a run, before screening.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEnvironment {
    /// Implementation and version of the interpreter (`CPython 3.12.1`).
    pub interpreter: String,
    /// Installed packages; no name twice.
    pub packages: Vec<Package>,
    /// Operating system and architecture (`Linux-6.8.0-x86_64-with-glibc2.39`).
    pub platform: String,
    /// Accelerator devices.
    pub accelerators: Vec<Accelerator>,
    /// The program and its arguments.
    pub command_line: Vec<String>,
    /// The directory the run started in.
    pub working_directory: String,
    /// The directory the run started in relative to the root of the experiment's code
    /// snapshot (`src/train`, or empty for the root), so a rerun can start its command in the
    /// same place of a restored tree; `None` when the client did not say.
    pub code_directory: Option<String>,
    /// Environment variables offered; only those the project allows are kept.
    pub variables: Vec<Variable>,
}

/// A stored environment record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub interpreter: String,
    /// By name (PEP 503 normalised, so `PyYAML` sorts as `pyyaml`).
    pub packages: Vec<Package>,
    pub platform: String,
    pub accelerators: Vec<Accelerator>,
    pub command_line: Vec<String>,
    pub working_directory: String,
    /// The working directory relative to the code snapshot's root, normalised (`src/train`;
    /// empty for the root). Records stored before it existed have none.
    #[serde(default)]
    pub code_directory: Option<String>,
    /// The variables kept, by name.
    pub variables: Vec<Variable>,
    /// The names of the offered variables that were not kept (not allowed, or looking
    /// secret), sorted; never their values.
    pub dropped_variables: Vec<String>,
    /// When the record was stored.
    pub recorded_at: DateTime<Utc>,
}

/// Whether a variable name looks like it holds a secret (see [`SECRET_NAME_WORDS`]).
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_WORDS.iter().any(|word| upper.contains(word))
}

/// What a secret-looking argument's value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The command line with the values of secret-looking arguments replaced by [`REDACTED`]:
/// `--api-key=…` and `-token=…`, `WANDB_API_KEY=…` (a variable set before the command), and
/// the argument after `--password` or `--token` (an option without `=` whose next argument is
/// not an option). Names are judged by [`looks_secret`]; everything else is kept as given, so
/// a rerun can replay it and asks only for the redacted values.
pub fn redact_command_line(arguments: Vec<String>) -> Vec<String> {
    let mut redacted = Vec::with_capacity(arguments.len());
    let mut value_is_secret = false;
    for argument in arguments {
        if std::mem::take(&mut value_is_secret) && !argument.starts_with('-') {
            redacted.push(REDACTED.to_owned());
            continue;
        }
        let option = argument.strip_prefix("--").or_else(|| argument.strip_prefix('-'));
        let assignment = argument.split_once('=').filter(|(name, _)| {
            let name = name.trim_start_matches('-');
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
        match (assignment, option) {
            (Some((name, _)), _) if looks_secret(name) => redacted.push(format!("{name}={REDACTED}")),
            (None, Some(name)) => {
                value_is_secret = looks_secret(name);
                redacted.push(argument);
            }
            _ => redacted.push(argument),
        }
    }
    redacted
}

/// The name packages are compared by: PEP 503 normalisation (lowercase; runs of `-`, `_` and
/// `.` become one `-`), so `PyYAML`, `pyyaml` and `Py_YAML` are one package.
pub fn package_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                key.push('-');
            }
            in_separator_run = true;
        } else {
            key.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    key
}

/// A valid code directory in its one stored form: forward slashes, no `.` segments, no
/// duplicate, leading `./` or trailing slashes; the root is empty (`.`, `./` and `` alike).
pub fn normalize_code_directory(directory: &str) -> String {
    directory
        .split('/')
        .filter(|segment| !matches!(*segment, "" | "."))
        .collect::<Vec<_>>()
        .join("/")
}

impl NewEnvironment {
    /// The record to store: variables screened by `settings`' allow-list and the secret screen
    /// (the names of the others kept as `dropped_variables`), packages and variables sorted by
    /// name; the code directory normalised. Call [`NewEnvironment::validate`] first.
    pub fn into_record(self, settings: &ProjectSettings, recorded_at: DateTime<Utc>) -> Environment {
        let (mut kept, dropped): (Vec<Variable>, Vec<Variable>) =
            self.variables.into_iter().partition(|variable| {
                settings.allows_environment_variable(&variable.name) && !looks_secret(&variable.name)
            });
        kept.sort_by(|a, b| a.name.cmp(&b.name));
        let mut dropped_variables: Vec<String> = dropped.into_iter().map(|variable| variable.name).collect();
        dropped_variables.sort();
        let mut packages = self.packages;
        packages.sort_by_cached_key(|package| package_key(&package.name));
        Environment {
            interpreter: self.interpreter,
            packages,
            platform: self.platform,
            accelerators: self.accelerators,
            command_line: redact_command_line(self.command_line),
            working_directory: self.working_directory,
            code_directory: self.code_directory.as_deref().map(normalize_code_directory),
            variables: kept,
            dropped_variables,
            recorded_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
        }
    }

    fn variable(name: &str, value: &str) -> Variable {
        Variable {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn secret_looking_arguments_have_their_values_redacted() {
        let arguments = [
            "WANDB_API_KEY=abc",
            "python",
            "train.py",
            "--lr=0.1",
            "--api-key=sk-123",
            "--token",
            "t0k3n",
            "--epochs",
            "3",
            "-password=hunter2",
            "--private",
            "--verbose",
            "--seed",
            "7",
        ];
        let redacted = redact_command_line(arguments.iter().map(|argument| (*argument).to_owned()).collect());
        assert_eq!(
            redacted,
            [
                "WANDB_API_KEY=<redacted>",
                "python",
                "train.py",
                "--lr=0.1",
                "--api-key=<redacted>",
                "--token",
                "<redacted>",
                "--epochs",
                "3",
                "-password=<redacted>",
                "--private",
                "--verbose",
                "--seed",
                "7",
            ]
        );
    }

    #[test]
    fn a_record_stored_before_code_directories_loads_without_one() {
        let older = r#"{"interpreter":"CPython 3.12.1","packages":[],"platform":"linux",
            "accelerators":[],"command_line":["python"],"working_directory":"/w","variables":[],
            "dropped_variables":[],"recorded_at":"2024-05-01T12:00:00Z"}"#;
        let record: Environment = serde_json::from_str(older).expect("an older record loads");
        assert_eq!(record.code_directory, None);
    }

    #[test]
    fn the_code_directory_is_stored_normalised_with_the_root_empty() {
        let cases = [
            ("./src//train/", "src/train"),
            ("src/./train", "src/train"),
            (".", ""),
            ("./", ""),
            ("", ""),
        ];
        for (given, stored) in cases {
            let environment = NewEnvironment {
                code_directory: Some(given.into()),
                ..NewEnvironment::default()
            };
            let record = environment.into_record(&ProjectSettings::default(), Utc::now());
            assert_eq!(record.code_directory.as_deref(), Some(stored), "{given:?}");
        }
        let unsaid = NewEnvironment::default().into_record(&ProjectSettings::default(), Utc::now());
        assert_eq!(unsaid.code_directory, None);
    }

    #[test]
    fn secret_looking_names_are_recognised_in_any_case() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "HF_TOKEN",
            "github_token",
            "DB_Password",
            "PGPASSWD",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "NPM_AUTH",
            "SSH_PRIVATE",
            "SESSION_ID",
            "COOKIE_JAR",
            "WANDB_API_KEY",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "CUDA_VISIBLE_DEVICES",
            "OMP_NUM_THREADS",
            "PYTHONHASHSEED",
            "TORCH_HOME",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn package_keys_follow_pep_503() {
        assert_eq!(package_key("PyYAML"), "pyyaml");
        assert_eq!(package_key("typing_extensions"), "typing-extensions");
        assert_eq!(package_key("zope.interface"), "zope-interface");
        assert_eq!(package_key("A-_.b"), "a-b");
    }

    #[test]
    fn screening_keeps_allowed_variables_and_drops_the_rest_by_name() {
        let settings = ProjectSettings {
            environment_variables: vec!["CUDA_*".into(), "OMP_NUM_THREADS".into(), "MY_API_KEY".into()],
            ..ProjectSettings::default()
        };
        let environment = NewEnvironment {
            packages: vec![
                package("torch", "2.3"),
                package("Jinja2", "3.1"),
                package("numpy", "2.0"),
            ],
            variables: vec![
                variable("OMP_NUM_THREADS", "8"),
                variable("MY_API_KEY", "sk-do-not-store"),
                variable("CUDA_VISIBLE_DEVICES", "0,1"),
                variable("HOME", "/home/ann"),
            ],
            ..NewEnvironment::default()
        };
        let record = environment.into_record(&settings, Utc::now());
        assert_eq!(
            record.variables,
            vec![
                variable("CUDA_VISIBLE_DEVICES", "0,1"),
                variable("OMP_NUM_THREADS", "8")
            ]
        );
        assert_eq!(record.dropped_variables, vec!["HOME", "MY_API_KEY"]);
        let names: Vec<&str> = record.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["Jinja2", "numpy", "torch"]);
    }
}
