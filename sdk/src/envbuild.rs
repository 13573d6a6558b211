//! Rebuilding the Python environment an experiment ran in.
//!
//! The server keeps, per experiment, the interpreter (`CPython 3.11.7`) and the installed
//! packages. [`build`] turns that record into a fresh virtual environment: it finds (or lets
//! `uv` find) a matching interpreter, creates the venv, writes the pinned requirements into it
//! (`rsdk-requirements.txt`) and installs them with `uv` or `pip`, keeping the tool's output in
//! `rsdk-build.log` next to them. A missing interpreter version is not an error: the build goes
//! on with the best local Python and says so in [`Built::interpreter_matches`].

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// The requirements file written inside the new venv.
const REQUIREMENTS_FILE: &str = "rsdk-requirements.txt";
/// The log of the tools' combined output, inside the new venv.
const LOG_FILE: &str = "rsdk-build.log";
/// How many lines of the log a failed install quotes in its error.
const LOG_TAIL_LINES: usize = 20;
/// Prints the interpreter in the record's own format (`CPython 3.11.7`).
const PROBE_SCRIPT: &str =
    "import platform;print(platform.python_implementation(), platform.python_version())";

/// One installed distribution as the environment record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Package {
    pub name: String,
    /// Empty when the record does not know it; such a package is installed unpinned.
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: String,
}

/// The part of an experiment's environment record that a build needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSpec {
    /// Implementation and version, as `platform` prints them: `CPython 3.11.7`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub interpreter: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub packages: Vec<Package>,
}

/// How [`build`] finds its interpreter and its packages.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Extra local folders of wheels (`--find-links`).
    pub find_links: Vec<PathBuf>,
    /// Install from `find_links` only, without a package index (offline builds).
    pub no_index: bool,
    /// The interpreter to base the venv on; skips discovery.
    pub python: Option<PathBuf>,
    /// Whether to use `uv`; `None` uses it when it is on `PATH`.
    pub use_uv: Option<bool>,
    /// Show a spinner on stderr.
    pub progress: bool,
}

/// What [`build`] made.
#[derive(Debug, Clone)]
pub struct Built {
    /// The venv, as an absolute path.
    pub venv: PathBuf,
    /// The venv's interpreter (`bin/python`).
    pub python: PathBuf,
    /// The venv's interpreter as the record would name it (`CPython 3.11.7`).
    pub interpreter: String,
    /// Whether that is CPython with the record's major.minor version.
    pub interpreter_matches: bool,
    /// How many requirements were installed (the record's packages less `skipped`).
    pub installed: usize,
    /// Packages left out, with the reason: (name, reason).
    pub skipped: Vec<(String, String)>,
    /// The installer: `"uv"` or `"pip"`.
    pub tool: &'static str,
    /// The tools' combined output.
    pub log: PathBuf,
}

/// The requirement lines for `spec` (`name==version`, or a bare `name` when the version is
/// unknown) and the packages left out with the reason.
///
/// `pip` is left out because the venv tool brings its own; so are names that are not PEP 508
/// project names, versions with characters no version has (a requirement line must not be
/// able to carry pip options), and the second listing of a name.
pub fn requirements(spec: &EnvironmentSpec) -> (Vec<String>, Vec<(String, String)>) {
    let mut lines = Vec::new();
    let mut skipped = Vec::new();
    let mut seen_names = HashSet::new();
    for package in &spec.packages {
        let name = package.name.trim();
        let version = package.version.trim();
        if !is_project_name(name) {
            skipped.push((
                package.name.clone(),
                "not a valid PEP 508 project name".to_string(),
            ));
            continue;
        }
        let normalized_name = normalize_project_name(name);
        if normalized_name == "pip" {
            let reason = "the virtual environment brings its own pip";
            skipped.push((name.to_string(), reason.to_string()));
            continue;
        }
        if !seen_names.insert(normalized_name) {
            let reason = "listed more than once; the first listing is installed";
            skipped.push((name.to_string(), reason.to_string()));
            continue;
        }
        if version.is_empty() {
            lines.push(name.to_string());
        } else if is_plausible_version(version) {
            lines.push(format!("{name}=={version}"));
        } else {
            skipped.push((name.to_string(), format!("`{version}` is not a valid version")));
        }
    }
    (lines, skipped)
}

/// A CPython on `PATH` with the major.minor of `version` (`3.11` or `3.11.7`; the patch
/// level is ignored): `python3.11`, then `python3`, then `python`, each asked for its version.
pub fn find_interpreter(version: &str) -> Option<PathBuf> {
    let wanted = parse_interpreter(version).ok()?;
    let candidates = [
        format!("python{}", wanted.major_minor()),
        "python3".into(),
        "python".into(),
    ];
    candidates
        .iter()
        .filter_map(|name| find_on_path(name))
        .find(|path| probe(path).is_some_and(|found| found.satisfies(&wanted)))
}

/// Creates a venv at `venv` (absent, or an empty directory) for `spec` and installs its
/// packages. An interpreter that does not match the record is not an error: see
/// [`Built::interpreter_matches`].
pub fn build(spec: &EnvironmentSpec, venv: &Path, options: &BuildOptions) -> Result<Built> {
    let wanted = parse_interpreter(&spec.interpreter)?;
    let venv = check_venv_target(venv)?;
    let tool = choose_tool(options)?;
    let spinner = spinner(options.progress);
    let result = build_venv(spec, &wanted, &venv, &tool, options, &spinner);
    spinner.finish_and_clear();
    result
}

fn build_venv(
    spec: &EnvironmentSpec,
    wanted: &Interpreter,
    venv: &VenvTarget,
    tool: &Tool,
    options: &BuildOptions,
    spinner: &ProgressBar,
) -> Result<Built> {
    spinner.set_message(format!(
        "creating the virtual environment (Python {})",
        wanted.major_minor()
    ));
    let creation_log = create_venv(wanted, venv, tool, options)?;
    let log = venv.path.join(LOG_FILE);
    fs::write(&log, creation_log).map_err(|source| Error::io(&log, source))?;

    let python = venv_python(&venv.path);
    let Some(actual) = probe(&python) else {
        return Err(Error::Command {
            program: python.display().to_string(),
            reason: format!(
                "the new virtual environment's python does not run; see {}",
                log.display()
            ),
        });
    };

    let (requirement_lines, skipped) = requirements(spec);
    let requirements_file = venv.path.join(REQUIREMENTS_FILE);
    let requirements_text: String = requirement_lines.iter().map(|line| format!("{line}\n")).collect();
    fs::write(&requirements_file, requirements_text)
        .map_err(|source| Error::io(&requirements_file, source))?;

    if !requirement_lines.is_empty() {
        let count = requirement_lines.len();
        spinner.set_message(format!(
            "installing {} with {}",
            plural_packages(count),
            tool.name()
        ));
        let mut install = tool.install_command(&python, &requirements_file, options);
        run_into_log(
            &mut install,
            tool.name(),
            &log,
            &format!("installing {}", plural_packages(count)),
        )?;
    }

    Ok(Built {
        venv: venv.path.clone(),
        python,
        interpreter: actual.to_string(),
        interpreter_matches: wanted.is_cpython() && actual.satisfies(wanted),
        installed: requirement_lines.len(),
        skipped,
        tool: tool.name(),
        log,
    })
}

/// Creates the venv and returns the log of what ran. With uv and no interpreter given, uv
/// looks for (or downloads) the version itself; when it cannot, the best local one is used.
fn create_venv(
    wanted: &Interpreter,
    venv: &VenvTarget,
    tool: &Tool,
    options: &BuildOptions,
) -> Result<String> {
    let mut log = String::new();
    let base_python = match (&options.python, tool) {
        (Some(python), _) => python.clone(),
        (None, Tool::Uv(_)) if wanted.is_cpython() => {
            let mut command =
                tool.venv_command(&venv.path, std::ffi::OsStr::new(&wanted.major_minor()), options);
            let (status, output) = run_captured(&mut command, tool.name())?;
            log.push_str(&output);
            if status.success() {
                return Ok(log);
            }
            venv.discard_partial();
            log.push_str("uv could not provide this version; falling back to the best local python\n\n");
            best_local_interpreter(wanted)?
        }
        (None, _) => best_local_interpreter(wanted)?,
    };
    let mut command = tool.venv_command(&venv.path, base_python.as_os_str(), options);
    let program = match tool {
        Tool::Uv(_) => tool.name().to_string(),
        Tool::Pip => base_python.display().to_string(),
    };
    let (status, output) = run_captured(&mut command, &program)?;
    log.push_str(&output);
    if status.success() {
        return Ok(log);
    }
    venv.discard_partial();
    Err(Error::Command {
        program,
        reason: format!(
            "creating the virtual environment failed ({status}):\n{}",
            last_lines(&log)
        ),
    })
}

/// A CPython of the wanted version, else whatever `python3` (or `python`) is on `PATH`.
fn best_local_interpreter(wanted: &Interpreter) -> Result<PathBuf> {
    find_interpreter(&wanted.major_minor())
        .or_else(|| find_on_path("python3"))
        .or_else(|| find_on_path("python"))
        .ok_or_else(|| Error::Command {
            program: "python3".to_string(),
            reason: format!(
                "no python on PATH (looked for python{}, python3, python)",
                wanted.major_minor()
            ),
        })
}

/// The installer and how it is called.
#[derive(Debug)]
enum Tool {
    Uv(PathBuf),
    Pip,
}

impl Tool {
    fn name(&self) -> &'static str {
        match self {
            Tool::Uv(_) => "uv",
            Tool::Pip => "pip",
        }
    }

    /// `uv venv <venv> --python <python>` or `<python> -m venv <venv>`.
    fn venv_command(&self, venv: &Path, python: &std::ffi::OsStr, options: &BuildOptions) -> Command {
        match self {
            Tool::Uv(uv) => {
                let mut command = Command::new(uv);
                command.arg("venv").arg(venv).arg("--python").arg(python);
                uv_offline(&mut command, options);
                command
            }
            Tool::Pip => {
                let mut command = Command::new(python);
                command.args(["-m", "venv"]).arg(venv);
                command
            }
        }
    }

    fn install_command(
        &self,
        venv_python: &Path,
        requirements_file: &Path,
        options: &BuildOptions,
    ) -> Command {
        let mut command = match self {
            Tool::Uv(uv) => {
                let mut command = Command::new(uv);
                command.args(["pip", "install", "--python"]).arg(venv_python);
                uv_offline(&mut command, options);
                command
            }
            Tool::Pip => {
                let mut command = Command::new(venv_python);
                command.args(["-m", "pip", "install", "--disable-pip-version-check"]);
                command
            }
        };
        command.arg("-r").arg(requirements_file);
        for folder in &options.find_links {
            command.arg("--find-links").arg(folder);
        }
        if options.no_index {
            command.arg("--no-index");
        }
        command
    }
}

/// An offline build must not reach the network for interpreters either; environment
/// variables rather than flags, because older uv versions ignore unknown variables but
/// refuse unknown flags.
fn uv_offline(command: &mut Command, options: &BuildOptions) {
    if options.no_index {
        command.env("UV_OFFLINE", "1").env("UV_PYTHON_DOWNLOADS", "never");
    }
}

fn choose_tool(options: &BuildOptions) -> Result<Tool> {
    let uv = find_on_path("uv");
    match (options.use_uv, uv) {
        (Some(false), _) | (None, None) => Ok(Tool::Pip),
        (_, Some(uv)) => Ok(Tool::Uv(uv)),
        (Some(true), None) => Err(Error::Command {
            program: "uv".to_string(),
            reason: "not found on PATH; install it or build with pip".to_string(),
        }),
    }
}

/// Where the venv goes, checked to be absent or an empty directory.
#[derive(Debug)]
struct VenvTarget {
    path: PathBuf,
    existed_empty: bool,
}

impl VenvTarget {
    /// Removes what a failed venv command left, so that the next try starts clean. Best
    /// effort: the failure being reported matters more than a leftover directory.
    /// A folder that was there (perhaps a symlink) is kept and only emptied.
    fn discard_partial(&self) {
        if !self.existed_empty {
            let _ = fs::remove_dir_all(&self.path);
            return;
        }
        let Ok(entries) = fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|file_type| file_type.is_dir());
            let _ = if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

fn check_venv_target(venv: &Path) -> Result<VenvTarget> {
    if venv.as_os_str().is_empty() {
        return Err(Error::invalid("venv", "the path is empty"));
    }
    let path = std::path::absolute(venv).map_err(|source| Error::io(venv, source))?;
    let metadata = match fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(VenvTarget {
                path,
                existed_empty: false,
            })
        }
        Err(source) => return Err(Error::io(&path, source)),
    };
    let occupied = |what: &str| {
        let reason = format!("{} {what}; remove it or choose another path", path.display());
        Err(Error::invalid("venv", reason))
    };
    if !metadata.is_dir() {
        return occupied("exists and is not a directory");
    }
    let mut entries = fs::read_dir(&path).map_err(|source| Error::io(&path, source))?;
    if entries.next().is_some() {
        return occupied("already exists and is not empty");
    }
    Ok(VenvTarget {
        path,
        existed_empty: true,
    })
}

/// Runs `command` and returns its status and a log of it: the command line, then its stdout
/// and stderr.
fn run_captured(command: &mut Command, program: &str) -> Result<(ExitStatus, String)> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| cannot_run(command, program, error))?;
    let mut log = format!("$ {}\n", command_line(command));
    log.push_str(&String::from_utf8_lossy(&output.stdout));
    log.push_str(&String::from_utf8_lossy(&output.stderr));
    log.push('\n');
    Ok((output.status, log))
}

/// Runs `command` with its stdout and stderr appended to `log`, interleaved as written.
fn run_into_log(command: &mut Command, program: &str, log: &Path, what: &str) -> Result<()> {
    let log_error = |source| Error::io(log, source);
    let mut log_file = OpenOptions::new().append(true).open(log).map_err(log_error)?;
    writeln!(log_file, "$ {}", command_line(command)).map_err(log_error)?;
    let stdout = log_file.try_clone().map_err(log_error)?;
    let stderr = log_file.try_clone().map_err(log_error)?;
    let status = command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .map_err(|error| cannot_run(command, program, error))?;
    if status.success() {
        return Ok(());
    }
    let log_text = fs::read(log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    Err(Error::Command {
        program: program.to_string(),
        reason: format!(
            "{what} failed ({status}):\n{}\nfull log: {}",
            last_lines(&log_text),
            log.display()
        ),
    })
}

fn cannot_run(command: &Command, program: &str, error: std::io::Error) -> Error {
    let executable = Path::new(command.get_program()).display();
    Error::Command {
        program: program.to_string(),
        reason: format!("cannot run {executable}: {error}"),
    }
}

fn command_line(command: &Command) -> String {
    let words = std::iter::once(command.get_program()).chain(command.get_args());
    words
        .map(|word| word.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let first_kept = lines.len().saturating_sub(LOG_TAIL_LINES);
    lines[first_kept..].join("\n")
}

fn plural_packages(count: usize) -> String {
    if count == 1 {
        "1 package".to_string()
    } else {
        format!("{count} packages")
    }
}

fn spinner(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// An executable file called `name` in one of `PATH`'s folders.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let file_name = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|folder| folder.join(&file_name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Asks `python` what it is; `None` when it does not run or answers oddly (a pyenv shim for
/// a version that is not active exits with an error, for one).
fn probe(python: &Path) -> Option<Interpreter> {
    let output = Command::new(python)
        .args(["-c", PROBE_SCRIPT])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_interpreter(String::from_utf8_lossy(&output.stdout).trim()).ok()
}

/// An interpreter as the record names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interpreter {
    implementation: String,
    version: String,
    major: u32,
    minor: u32,
}

impl Interpreter {
    fn is_cpython(&self) -> bool {
        self.implementation.eq_ignore_ascii_case("cpython")
    }

    fn major_minor(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// Same implementation and major.minor (the patch level does not change the ABI).
    fn satisfies(&self, wanted: &Interpreter) -> bool {
        self.implementation.eq_ignore_ascii_case(&wanted.implementation)
            && (self.major, self.minor) == (wanted.major, wanted.minor)
    }
}

impl std::fmt::Display for Interpreter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.implementation, self.version)
    }
}

/// `CPython 3.11.7` → CPython, 3.11. A bare version (`3.11`) is taken as CPython.
fn parse_interpreter(text: &str) -> Result<Interpreter> {
    let invalid = || {
        let reason =
            format!("expected an implementation and a version such as `CPython 3.11.7`, got `{text}`");
        Error::invalid("interpreter", reason)
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let version_at = words
        .iter()
        .position(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .ok_or_else(invalid)?;
    let version = words[version_at];
    let mut parts = version.split('.');
    let major = parts
        .next()
        .and_then(|part| part.parse().ok())
        .ok_or_else(invalid)?;
    let minor_digits = parts
        .next()
        .map(|part| part.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""));
    let minor = minor_digits
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(invalid)?;
    let implementation = match words[..version_at].join(" ") {
        named if !named.is_empty() => named,
        _ => "CPython".to_string(),
    };
    Ok(Interpreter {
        implementation,
        version: version.to_string(),
        major,
        minor,
    })
}

/// PEP 508: ASCII letters and digits, with `.`, `_` and `-` inside.
fn is_project_name(name: &str) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let ends_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    ends_ok && name.chars().all(inner)
}

/// PEP 503: lowercase, with runs of `.`, `_` and `-` as one `-`.
fn normalize_project_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '.' | '_' | '-') {
            if !normalized.ends_with('-') {
                normalized.push('-');
            }
        } else {
            normalized.push(c.to_ascii_lowercase());
        }
    }
    normalized
}

/// The characters of PEP 440 versions (`1!2.0rc1.post3.dev4+local.7`, `v1.0`, `1.0.*`); a
/// check that keeps spaces, `;` and `--options` out of requirement lines, not a full parser.
fn is_plausible_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_alphanumeric())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '_' | '-' | '*'))
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `{module}-{version}-py3-none-any.whl` into `folder`: a module with `VALUE = 42`
    /// and the dist-info pip needs (METADATA, WHEEL, RECORD with real hashes).
    const WHEEL_SCRIPT: &str = r#"
import base64, hashlib, os, sys, zipfile
folder, name, version = sys.argv[1:4]
module = name.replace("-", "_")
dist_info = f"{module}-{version}.dist-info"
files = {
    f"{module}.py": "VALUE = 42\n",
    f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: rsdk-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(text.encode())}")
record.append(f"{dist_info}/RECORD,,")
files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
with zipfile.ZipFile(os.path.join(folder, f"{module}-{version}-py3-none-any.whl"), "w") as wheel:
    for path, text in files.items():
        wheel.writestr(path, text)
"#;

    fn spec(interpreter: &str, packages: &[(&str, &str)]) -> EnvironmentSpec {
        let packages = packages
            .iter()
            .map(|(name, version)| Package {
                name: name.to_string(),
                version: version.to_string(),
            })
            .collect();
        EnvironmentSpec {
            interpreter: interpreter.to_string(),
            packages,
        }
    }

    fn pip_options() -> BuildOptions {
        BuildOptions {
            use_uv: Some(false),
            ..BuildOptions::default()
        }
    }

    fn run_python(python: &Path, code: &str) -> String {
        let output = Command::new(python)
            .args(["-c", code])
            .output()
            .expect("python runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn skipped_names(skipped: &[(String, String)]) -> Vec<&str> {
        skipped.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn requirements_pin_versions_and_leave_empty_versions_bare() {
        let spec = spec(
            "CPython 3.11.7",
            &[("numpy", "1.26.4"), ("torch", "2.2.0+cu118"), ("local-tool", "")],
        );
        let (lines, skipped) = requirements(&spec);
        assert_eq!(lines, ["numpy==1.26.4", "torch==2.2.0+cu118", "local-tool"]);
        assert!(skipped.is_empty());
    }

    #[test]
    fn requirements_skip_pip_in_any_spelling_with_a_reason() {
        let (lines, skipped) = requirements(&spec(
            "CPython 3.11.7",
            &[("pip", "23.2.1"), ("Pip", ""), ("six", "1.16.0")],
        ));
        assert_eq!(lines, ["six==1.16.0"]);
        assert_eq!(skipped_names(&skipped), ["pip", "Pip"]);
        assert!(skipped.iter().all(|(_, reason)| reason.contains("its own pip")));
    }

    #[test]
    fn requirements_skip_invalid_names_and_versions_that_could_carry_options() {
        let packages = [
            ("", "1.0"),
            ("-e", "1.0"),
            ("bad name", "1.0"),
            ("extras[x]", "1.0"),
            ("trailing-", "1.0"),
            ("ok", "1.0 --index-url http://evil"),
            ("ok2", "1.0;os_name=='nt'"),
            ("zope.interface", "6.1"),
            ("typing_extensions", "4.9.0"),
        ];
        let (lines, skipped) = requirements(&spec("CPython 3.11.7", &packages));
        assert_eq!(lines, ["zope.interface==6.1", "typing_extensions==4.9.0"]);
        assert_eq!(
            skipped_names(&skipped),
            ["", "-e", "bad name", "extras[x]", "trailing-", "ok", "ok2"]
        );
        assert!(skipped[0].1.contains("PEP 508"));
        assert!(skipped[5].1.contains("not a valid version"));
    }

    #[test]
    fn requirements_keep_the_first_listing_of_a_normalized_name() {
        let (lines, skipped) = requirements(&spec(
            "CPython 3.11.7",
            &[("Typing_Extensions", "4.9.0"), ("typing-extensions", "4.8.0")],
        ));
        assert_eq!(lines, ["Typing_Extensions==4.9.0"]);
        assert_eq!(skipped_names(&skipped), ["typing-extensions"]);
    }

    #[test]
    fn environment_records_deserialize_with_null_versions() {
        let json = r#"{"interpreter":"CPython 3.11.7","platform":"Linux","commandLine":["train.py"],
            "packages":[{"name":"numpy","version":"1.26.4"},{"name":"local","version":null},{"name":"bare"}]}"#;
        let spec: EnvironmentSpec = serde_json::from_str(json).expect("record parses");
        assert_eq!(requirements(&spec).0, ["numpy==1.26.4", "local", "bare"]);
    }

    #[test]
    fn interpreters_parse_into_implementation_and_major_minor() {
        let cpython = parse_interpreter("CPython 3.11.7").expect("parses");
        assert!(cpython.is_cpython());
        assert_eq!(
            (cpython.major_minor(), cpython.to_string()),
            ("3.11".to_string(), "CPython 3.11.7".to_string())
        );
        let pypy = parse_interpreter("PyPy 3.10.13").expect("parses");
        assert!(!pypy.is_cpython());
        assert_eq!(pypy.major_minor(), "3.10");
        assert_eq!(parse_interpreter("3.13t").expect("parses").major_minor(), "3.13");
        assert!(parse_interpreter("3.12.0rc1").expect("parses").is_cpython());
    }

    #[test]
    fn unparseable_interpreters_are_invalid_and_name_the_field() {
        for text in [
            "",
            "CPython",
            "CPython three",
            "CPython 3",
            "CPython 3.x",
            "CPython 99999999999.1",
        ] {
            match parse_interpreter(text) {
                Err(Error::Invalid { field, reason }) => {
                    assert_eq!(field, "interpreter");
                    assert!(reason.contains("CPython 3.11.7"), "{reason}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
        let folder = tempfile::tempdir().expect("tempdir");
        let venv = folder.path().join("venv");
        let error = build(&spec("CPython", &[]), &venv, &pip_options()).expect_err("no version");
        assert!(
            matches!(error, Error::Invalid { ref field, .. } if field == "interpreter"),
            "{error}"
        );
        assert!(!venv.exists(), "nothing is created for an invalid record");
    }

    #[test]
    fn find_interpreter_finds_a_python_of_the_requested_version() {
        for version in ["3.11", "3.11.7", "3.11.0"] {
            let python = find_interpreter(version).expect("python 3.11 is installed");
            assert_eq!(
                run_python(&python, "import sys;print('%d.%d' % sys.version_info[:2])"),
                "3.11"
            );
        }
        assert_eq!(find_interpreter("3.99"), None);
        assert_eq!(find_interpreter("not a version"), None);
    }

    #[test]
    fn build_with_no_packages_creates_a_venv_in_an_empty_folder() {
        let folder = tempfile::tempdir().expect("tempdir");
        let built = build(
            &spec("CPython 3.11.7", &[("pip", "23.2.1")]),
            folder.path(),
            &pip_options(),
        )
        .expect("the venv is built");
        assert_eq!(
            run_python(&built.python, "import sys;print('%d.%d' % sys.version_info[:2])"),
            "3.11"
        );
        assert_eq!(
            run_python(&built.python, "import sys;print(sys.prefix != sys.base_prefix)"),
            "True"
        );
        assert!(built.interpreter_matches);
        assert!(
            built.interpreter.starts_with("CPython 3.11."),
            "{}",
            built.interpreter
        );
        assert_eq!((built.installed, built.tool), (0, "pip"));
        assert_eq!(skipped_names(&built.skipped), ["pip"]);
        let requirements_text = fs::read_to_string(folder.path().join(REQUIREMENTS_FILE)).expect("written");
        assert_eq!(requirements_text, "");
        let log = fs::read_to_string(&built.log).expect("log written");
        assert!(log.contains("-m venv"), "{log}");
    }

    #[test]
    fn build_falls_back_to_a_local_python_when_the_record_wants_another() {
        let folder = tempfile::tempdir().expect("tempdir");
        for (index, interpreter) in ["CPython 3.99.1", "PyPy 3.11.7"].into_iter().enumerate() {
            let venv = folder.path().join(index.to_string());
            let built = build(&spec(interpreter, &[]), &venv, &pip_options()).expect("built anyway");
            assert!(!built.interpreter_matches, "{interpreter} is not what runs here");
            assert!(built.python.exists());
        }
    }

    /// A folder holding the wheel of `rsdk-tiny` 0.1.0 (module `rsdk_tiny`, `VALUE = 42`).
    fn tiny_wheel_folder(folder: &Path) -> PathBuf {
        let wheels = folder.join("wheels");
        fs::create_dir(&wheels).expect("wheels folder");
        let status = Command::new("python3")
            .args(["-c", WHEEL_SCRIPT])
            .arg(&wheels)
            .args(["rsdk-tiny", "0.1.0"])
            .status()
            .expect("python3 runs");
        assert!(status.success());
        wheels
    }

    #[test]
    fn build_installs_a_local_wheel_offline() {
        let folder = tempfile::tempdir().expect("tempdir");
        let find_links = vec![tiny_wheel_folder(folder.path())];
        let options = BuildOptions {
            find_links,
            no_index: true,
            ..pip_options()
        };
        let venv = folder.path().join("venv");
        let tiny = spec("CPython 3.11.7", &[("rsdk-tiny", "0.1.0")]);
        let built = build(&tiny, &venv, &options).expect("installs");
        assert_eq!(built.installed, 1);
        assert_eq!(
            run_python(&built.python, "import rsdk_tiny;print(rsdk_tiny.VALUE)"),
            "42"
        );
        let requirements_text = fs::read_to_string(venv.join(REQUIREMENTS_FILE)).expect("written");
        assert_eq!(requirements_text, "rsdk-tiny==0.1.0\n");
        let log = fs::read_to_string(&built.log).expect("log written");
        assert!(log.contains("--no-index") && log.contains("rsdk-tiny"), "{log}");
    }

    /// Runs only where `uv` is on `PATH` (it usually is not in CI).
    #[test]
    fn uv_builds_offline_and_falls_back_to_a_local_python() {
        if find_on_path("uv").is_none() {
            return;
        }
        let folder = tempfile::tempdir().expect("tempdir");
        let find_links = vec![tiny_wheel_folder(folder.path())];
        let options = BuildOptions {
            find_links,
            no_index: true,
            ..BuildOptions::default()
        };
        let tiny = spec("CPython 3.11.7", &[("rsdk-tiny", "0.1.0")]);
        let built = build(&tiny, &folder.path().join("matching"), &options).expect("installs");
        assert_eq!((built.tool, built.interpreter_matches), ("uv", true));
        assert_eq!(
            run_python(&built.python, "import rsdk_tiny;print(rsdk_tiny.VALUE)"),
            "42"
        );

        let unavailable = spec("CPython 3.99.0", &[("rsdk-tiny", "0.1.0")]);
        let built = build(&unavailable, &folder.path().join("fallback"), &options).expect("falls back");
        assert!(!built.interpreter_matches);
        assert!(fs::read_to_string(&built.log)
            .expect("log")
            .contains("falling back"));

        let missing = spec("CPython 3.11.7", &[("rsdk-does-not-exist", "1.0")]);
        let error = build(&missing, &folder.path().join("failing"), &options).expect_err("missing");
        assert!(
            matches!(error, Error::Command { ref program, .. } if program == "uv"),
            "{error}"
        );
    }

    #[test]
    fn a_failed_install_is_a_command_error_that_names_the_log() {
        let folder = tempfile::tempdir().expect("tempdir");
        let venv = folder.path().join("venv");
        let options = BuildOptions {
            no_index: true,
            ..pip_options()
        };
        let error = build(
            &spec("CPython 3.11.7", &[("rsdk-does-not-exist", "1.0")]),
            &venv,
            &options,
        )
        .expect_err("nothing to install from");
        let Error::Command { program, reason } = error else {
            panic!("{error:?}")
        };
        assert_eq!(program, "pip");
        let log = venv.join(LOG_FILE);
        assert!(
            reason.contains(&format!("full log: {}", log.display())),
            "{reason}"
        );
        assert!(
            reason.contains("rsdk-does-not-exist"),
            "the tail quotes pip: {reason}"
        );
        assert!(fs::read_to_string(&log)
            .expect("log kept")
            .contains("No matching distribution"));
    }

    #[test]
    fn build_refuses_a_venv_path_with_content() {
        let folder = tempfile::tempdir().expect("tempdir");
        fs::write(folder.path().join("keep.txt"), "mine").expect("written");
        let file = folder.path().join("keep.txt");
        for occupied in [folder.path(), file.as_path()] {
            let error = build(&spec("CPython 3.11.7", &[]), occupied, &pip_options()).expect_err("occupied");
            let Error::Invalid { field, reason } = error else {
                panic!("{error:?}")
            };
            assert_eq!(field, "venv");
            assert!(reason.contains("remove it or choose another path"), "{reason}");
        }
        assert_eq!(fs::read_to_string(&file).expect("untouched"), "mine");
    }

    #[test]
    fn asking_for_uv_without_uv_on_path_is_a_command_error() {
        if find_on_path("uv").is_some() {
            return;
        }
        let folder = tempfile::tempdir().expect("tempdir");
        let options = BuildOptions {
            use_uv: Some(true),
            ..BuildOptions::default()
        };
        let error = build(
            &spec("CPython 3.11.7", &[]),
            &folder.path().join("venv"),
            &options,
        )
        .expect_err("no uv");
        assert!(
            matches!(error, Error::Command { ref program, .. } if program == "uv"),
            "{error}"
        );
    }
}
