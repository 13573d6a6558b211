//! `research_sdk._native`: the Python face of rsdk's client core ([`sdk`]). The Python
//! package wraps it in `research_sdk.Experiment`; logging calls land here and return at once.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sdk::api::ExperimentUpdate;
use sdk::code::{CaptureOptions, CodeMode};
use sdk::config::{ClientConfig, Overrides};
use sdk::run::{FlushReport, Run, RunOptions};

create_exception!(
    _native,
    RsdkError,
    PyException,
    "An error of the rsdk client or server."
);

/// Maps the client's errors to Python: bad input is a `ValueError` (`field: reason`), file
/// problems an `OSError`, the rest an `RsdkError`.
fn to_py(error: sdk::Error) -> PyErr {
    match error {
        sdk::Error::Invalid { .. } => PyValueError::new_err(error.to_string()),
        sdk::Error::Server {
            code,
            field: Some(field),
            message,
            ..
        } if code == "VALIDATION" => PyValueError::new_err(format!("{field}: {message}")),
        sdk::Error::Io { .. } => PyOSError::new_err(error.to_string()),
        other => RsdkError::new_err(other.to_string()),
    }
}

fn json_arg(field: &str, text: Option<&str>) -> PyResult<Option<serde_json::Value>> {
    text.map(|text| {
        serde_json::from_str(text)
            .map_err(|error| PyValueError::new_err(format!("{field}: not JSON: {error}")))
    })
    .transpose()
}

/// Resolves the client settings (arguments, then `RSDK_SERVER`/`RSDK_TOKEN`, then the config
/// file); answers `(server, token_is_set, spool_dir)`.
#[pyfunction]
#[pyo3(signature = (server=None, token=None, config_file=None))]
fn resolve_config(
    server: Option<String>,
    token: Option<String>,
    config_file: Option<PathBuf>,
) -> PyResult<(String, bool, PathBuf)> {
    let config = config(server, token, config_file)?;
    Ok((config.server, config.token.is_some(), config.spool_dir))
}

fn config(
    server: Option<String>,
    token: Option<String>,
    config_file: Option<PathBuf>,
) -> PyResult<ClientConfig> {
    ClientConfig::resolve(&Overrides {
        server,
        token,
        config_file,
    })
    .map_err(to_py)
}

/// Reads a features file (YAML or JSON) and answers it as JSON text.
#[pyfunction]
fn features_from_file(path: PathBuf) -> PyResult<String> {
    let text = std::fs::read_to_string(&path)
        .map_err(|error| PyOSError::new_err(format!("features: cannot read {}: {error}", path.display())))?;
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).map_err(|error| {
        PyValueError::new_err(format!(
            "features: {} is not valid YAML or JSON: {error}",
            path.display()
        ))
    })?;
    if let Some(at) = non_finite(&yaml, "") {
        return Err(PyValueError::new_err(format!(
            "features: {} sets `{at}` to NaN or infinity, which a feature value cannot be",
            path.display()
        )));
    }
    let value = serde_json::to_value(&yaml)
        .map_err(|error| PyValueError::new_err(format!("features: {}: {error}", path.display())))?;
    if !value.is_object() {
        return Err(PyValueError::new_err(format!(
            "features: {} must hold a mapping of names to values",
            path.display()
        )));
    }
    Ok(value.to_string())
}

/// The path of the first NaN or infinite number in a YAML document, if any.
fn non_finite(value: &serde_yaml_ng::Value, at: &str) -> Option<String> {
    use serde_yaml_ng::Value;
    match value {
        Value::Number(number) => number.as_f64().filter(|x| !x.is_finite()).map(|_| at.to_owned()),
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| non_finite(item, &format!("{at}[{index}]"))),
        Value::Mapping(map) => map.iter().find_map(|(key, item)| {
            let key = key.as_str().map_or_else(|| format!("{key:?}"), str::to_owned);
            let path = if at.is_empty() { key } else { format!("{at}.{key}") };
            non_finite(item, &path)
        }),
        Value::Tagged(tagged) => non_finite(&tagged.value, at),
        _ => None,
    }
}

/// Runs the rsdk CLI with `argv` (the program name first); answers the exit status.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || sdk::cli::main_with(argv))
}

/// The paths `log_artifacts` stored and the `(path, reason)` of those the policy left out.
type StoredArtifacts = (Vec<String>, Vec<(String, String)>);

/// A run: the experiment being logged.
#[pyclass(module = "research_sdk._native", frozen)]
struct NativeRun {
    run: Run,
}

fn report_dict<'py>(py: Python<'py>, report: &FlushReport) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("pending", report.pending)?;
    dict.set_item("failed", report.failed)?;
    dict.set_item("spool_dir", report.spool_dir.clone())?;
    Ok(dict)
}

#[pymethods]
impl NativeRun {
    /// Creates the experiment and starts the writer thread.
    #[staticmethod]
    #[pyo3(signature = (
        project, name, *, server=None, token=None, config_file=None, parent=None, features=None,
        notes=None, tags=None, rerun_of=None, create_project=true, code_dir=None, code_mode="auto",
        store_tracked=true, code_exclude=Vec::new(), max_code_bytes=None, environment=None,
        hypotheses=Vec::new(),
        flush_interval=0.2, finish_timeout=60.0, max_buffer_points=1_000_000
    ))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        project: String,
        name: String,
        server: Option<String>,
        token: Option<String>,
        config_file: Option<PathBuf>,
        parent: Option<i64>,
        features: Option<&str>,
        notes: Option<String>,
        tags: Option<Vec<String>>,
        rerun_of: Option<i64>,
        create_project: bool,
        code_dir: Option<PathBuf>,
        code_mode: &str,
        store_tracked: bool,
        code_exclude: Vec<String>,
        max_code_bytes: Option<u64>,
        environment: Option<&str>,
        hypotheses: Vec<String>,
        flush_interval: f64,
        finish_timeout: f64,
        max_buffer_points: usize,
    ) -> PyResult<Self> {
        let config = config(server, token, config_file)?;
        let mut options = RunOptions::new(project, name);
        options.parent = parent;
        options.features = json_arg("features", features)?;
        options.notes = notes;
        options.tags = tags;
        options.rerun_of = rerun_of;
        options.create_project = create_project;
        options.environment = json_arg("environment", environment)?;
        options.hypotheses = hypotheses;
        options.flush_interval = seconds("flush_interval", flush_interval)?;
        options.finish_timeout = seconds("finish_timeout", finish_timeout)?;
        options.max_buffer_points = max_buffer_points;
        if let Some(dir) = code_dir {
            let mode = match code_mode {
                "auto" => CodeMode::Auto,
                "git" => CodeMode::Git,
                "tarball" => CodeMode::Tarball,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "code: `{other}` is not a capture mode (auto, git, tarball, or False for none)"
                    )))
                }
            };
            let mut capture = CaptureOptions {
                mode,
                store_tracked,
                exclude: code_exclude,
                ..CaptureOptions::default()
            };
            if let Some(bytes) = max_code_bytes {
                capture.max_total_bytes = bytes;
            }
            options.code = Some((dir, capture));
        }
        let run = py.detach(move || Run::start(&config, options)).map_err(to_py)?;
        Ok(Self { run })
    }

    /// Continues experiment `number` of `project`.
    #[staticmethod]
    #[pyo3(signature = (project, number, *, server=None, token=None, config_file=None, flush_interval=0.2, finish_timeout=60.0))]
    #[allow(clippy::too_many_arguments)]
    fn resume(
        py: Python<'_>,
        project: String,
        number: i64,
        server: Option<String>,
        token: Option<String>,
        config_file: Option<PathBuf>,
        flush_interval: f64,
        finish_timeout: f64,
    ) -> PyResult<Self> {
        let config = config(server, token, config_file)?;
        let mut options = RunOptions::new(project.clone(), String::new());
        options.flush_interval = seconds("flush_interval", flush_interval)?;
        options.finish_timeout = seconds("finish_timeout", finish_timeout)?;
        let run = py
            .detach(move || Run::resume(&config, &project, number, &options))
            .map_err(to_py)?;
        Ok(Self { run })
    }

    /// `(id, number, name)` once the server has created the experiment, else `None`.
    #[getter]
    fn experiment(&self) -> Option<(String, i64, String)> {
        self.run
            .experiment()
            .map(|experiment| (experiment.id, experiment.number, experiment.name))
    }

    #[getter]
    fn spool_dir(&self) -> PathBuf {
        self.run.spool_dir()
    }

    /// Buffers one point; answers the step used.
    #[pyo3(signature = (name, value, step=None, wall_time=None))]
    fn log_metric(&self, name: &str, value: f64, step: Option<u64>, wall_time: Option<f64>) -> PyResult<u64> {
        self.run.log_metric(name, value, step, wall_time).map_err(to_py)
    }

    #[pyo3(signature = (points, step=None, wall_time=None))]
    fn log_metrics(
        &self,
        points: Vec<(String, f64)>,
        step: Option<u64>,
        wall_time: Option<f64>,
    ) -> PyResult<()> {
        self.run.log_metrics(&points, step, wall_time).map_err(to_py)
    }

    /// Stores a file of the experiment from bytes (sent in the background).
    #[pyo3(signature = (path, data, mime=None))]
    fn log_file(&self, path: &str, data: &[u8], mime: Option<&str>) -> PyResult<()> {
        self.run.log_file(path, data, mime).map_err(to_py)
    }

    /// Stores what the capture policy takes of `path` (a folder's files under folder `name`,
    /// or a file as `name`); answers `(stored paths, [(left-out path, reason)])`.
    #[pyo3(signature = (path, name=None, policy="project-default"))]
    fn log_artifacts(
        &self,
        py: Python<'_>,
        path: PathBuf,
        name: Option<String>,
        policy: &str,
    ) -> PyResult<StoredArtifacts> {
        let policy = policy.to_owned();
        let selection = py
            .detach(|| self.run.log_artifacts(&path, name.as_deref(), &policy))
            .map_err(to_py)?;
        Ok((
            selection.files.into_iter().map(|file| file.path).collect(),
            selection
                .skipped
                .into_iter()
                .map(|skipped| (skipped.path, skipped.reason))
                .collect(),
        ))
    }

    /// Deep-merges features (JSON text of a mapping) into the experiment's.
    fn log_features(&self, features: &str) -> PyResult<()> {
        let value = json_arg("features", Some(features))?.unwrap_or_default();
        self.run.log_features(value).map_err(to_py)
    }

    #[pyo3(signature = (status=None, progress=None, notes=None, tags=None))]
    fn update(
        &self,
        status: Option<String>,
        progress: Option<i64>,
        notes: Option<String>,
        tags: Option<Vec<String>>,
    ) -> PyResult<()> {
        self.run
            .update(ExperimentUpdate {
                status,
                progress,
                notes,
                tags,
            })
            .map_err(to_py)
    }

    /// Links the run to hypotheses (ids); sent in the background.
    fn link_hypotheses(&self, hypotheses: Vec<String>) -> PyResult<()> {
        self.run.link_hypotheses(hypotheses).map_err(to_py)
    }

    fn record_environment(&self, environment: &str) -> PyResult<()> {
        let value = json_arg("environment", Some(environment))?.unwrap_or_default();
        self.run.record_environment(value).map_err(to_py)
    }

    /// Sends what is logged so far, waiting up to `timeout` seconds.
    #[pyo3(signature = (timeout=30.0))]
    fn flush<'py>(&self, py: Python<'py>, timeout: f64) -> PyResult<Bound<'py, PyDict>> {
        let timeout = seconds("timeout", timeout)?;
        let report = py.detach(|| self.run.flush(timeout));
        report_dict(py, &report)
    }

    /// Ends the run (`complete` or `failed`), sending the rest.
    #[pyo3(signature = (status="complete"))]
    fn finish<'py>(&self, py: Python<'py>, status: &str) -> PyResult<Bound<'py, PyDict>> {
        let status = status.to_owned();
        let report = py.detach(|| self.run.finish(&status)).map_err(to_py)?;
        report_dict(py, &report)
    }
}

fn seconds(field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("{field}: {value} is not a number of seconds ≥ 0")))
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("RsdkError", module.py().get_type::<RsdkError>())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<NativeRun>()?;
    module.add_function(wrap_pyfunction!(resolve_config, module)?)?;
    module.add_function(wrap_pyfunction!(features_from_file, module)?)?;
    module.add_function(wrap_pyfunction!(cli_main, module)?)?;
    Ok(())
}
