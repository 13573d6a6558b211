//! A run: one experiment being logged by a script. Lifecycle calls go to the server at once
//! when it is reachable; metrics go into an in-memory buffer that a writer thread cuts into
//! chunks every flush interval, writes to the run's spool folder and sends in order with
//! everything else the run produced (see [`crate::spool`]). When the server cannot be
//! reached the run goes on offline: everything stays in the spool until `rsdk sync` or the
//! next run sends it.
//!
//! Memory policy: the buffer holds the points of at most one flush interval (default 0.2 s);
//! each flush moves them to disk, so a slow or absent server costs disk, not memory. Only
//! when a script logs more than `max_buffer_points` (default 1,000,000) points within one
//! flush does a logging call wait for the writer: nothing is ever dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::api::{self, ExperimentRef, ExperimentUpdate, ManifestFile, NewExperiment};
use crate::artifacts::Selection;
use crate::backoff::Backoff;
use crate::client::Client;
use crate::code::{self, CaptureOptions};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::metrics::{self, PointBuffer};
use crate::spool::{Operation, RunSpool, State};
use crate::upload::{self, Source, Upload};

/// How a run is started.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub project: String,
    pub name: String,
    /// The primary parent's number (else from the name, as the project's pattern says).
    pub parent: Option<i64>,
    /// The full features (JSON); `None` inherits the parent's.
    pub features: Option<Value>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    /// The experiment this one reruns (`rsdk rerun` sets `RSDK_RERUN_OF`).
    pub rerun_of: Option<i64>,
    /// Create the project when it does not exist (if the token may).
    pub create_project: bool,
    /// Capture the code from this folder (`None`: no code snapshot).
    pub code: Option<(PathBuf, CaptureOptions)>,
    /// The environment record (an `EnvironmentInput` as JSON).
    pub environment: Option<Value>,
    /// Hypotheses (ids) the run tests.
    pub hypotheses: Vec<String>,
    pub flush_interval: Duration,
    /// How long `finish` waits for the server before leaving the rest in the spool.
    pub finish_timeout: Duration,
    pub max_buffer_points: usize,
}

impl RunOptions {
    pub fn new(project: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            project: project.into(),
            name: name.into(),
            parent: None,
            features: None,
            notes: None,
            tags: None,
            rerun_of: None,
            create_project: true,
            code: None,
            environment: None,
            hypotheses: Vec::new(),
            flush_interval: Duration::from_millis(200),
            finish_timeout: Duration::from_secs(60),
            max_buffer_points: 1_000_000,
        }
    }
}

/// What `finish` (or a flush) left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushReport {
    /// Operations still in the spool (0 when the server has everything).
    pub pending: usize,
    /// Operations the server refused for good (recorded in the spool's `failed.jsonl`).
    pub failed: usize,
    pub spool_dir: PathBuf,
}

struct Shared {
    client: Client,
    buffer: Mutex<PointBuffer>,
    /// Wakes the writer (a full buffer, a flush, the end) and waiting loggers.
    signal: Condvar,
    spool: Mutex<RunSpool>,
    run_id: String,
    chunk_seq: AtomicU64,
    stop: AtomicBool,
    /// Flushes asked for and done, so `flush` can wait for its own.
    flush_asked: AtomicU64,
    flush_done: Mutex<u64>,
    flushed: Condvar,
    flush_interval: Duration,
    max_buffer_points: usize,
    /// When the writer may try the server again after a transient failure.
    retry: Mutex<Backoff>,
    /// Set by `finish`: the writer sends nothing after it (the rest stays in the spool).
    send_deadline: Mutex<Option<Instant>>,
    warned: AtomicBool,
}

/// A running experiment.
pub struct Run {
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
    project: String,
    finish_timeout: Duration,
    finished: AtomicBool,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Run")
            .field("project", &self.project)
            .field("run_id", &self.shared.run_id)
            .finish()
    }
}

impl Run {
    /// Creates the experiment (and the project, when allowed) and starts the writer. A server
    /// that cannot be reached makes an offline run; a refusal (a bad name, no permission) is
    /// an error.
    pub fn start(config: &ClientConfig, options: RunOptions) -> Result<Self> {
        let client = Client::new(config.clone());
        let (run_id, spool) = new_spool(config, &options.project, None)?;
        let input = NewExperiment {
            project: options.project.clone(),
            name: options.name.clone(),
            parent_number: options.parent,
            features: options.features.as_ref().map(|features| features.to_string()),
            status: Some("running".into()),
            notes: options.notes.clone(),
            tags: options.tags.clone(),
            rerun_of: options.rerun_of,
        };
        let run = Self::with_spool(client, spool, run_id, &options);
        let created = match create(&run.shared.client, &input, options.create_project) {
            Ok(experiment) => Some(experiment),
            Err(error) if error.is_transient() => {
                run.warn(&format!(
                    "rsdk: {error}; the run goes on offline and is kept in {} (send it with `rsdk sync`)",
                    run.spool_dir().display()
                ));
                None
            }
            Err(error) => {
                let dir = run.spool_dir();
                drop(run);
                let _ = std::fs::remove_dir_all(dir);
                return Err(error);
            }
        };
        {
            let mut spool = run.lock_spool();
            match &created {
                Some(experiment) => spool.set_experiment(experiment.clone())?,
                None => spool.push(&Operation::Create {
                    input,
                    create_project: options.create_project,
                })?,
            }
        }
        let root = match &options.code {
            Some((dir, capture_options)) => run.record_code(dir, capture_options, created.as_ref())?,
            None => None,
        };
        if let Some(mut environment) = options.environment {
            if let Some(directory) = root.and_then(|root| code_directory(&root, &environment)) {
                environment["codeDirectory"] = Value::String(directory);
            }
            run.push(Operation::Environment { environment })?;
        }
        if !options.hypotheses.is_empty() {
            run.link_hypotheses(options.hypotheses.clone())?;
        }
        run.spawn_writer();
        sync_others(config);
        Ok(run)
    }

    /// Continues experiment `number` of `project`: status running again, automatic steps
    /// after the last logged ones.
    pub fn resume(config: &ClientConfig, project: &str, number: i64, options: &RunOptions) -> Result<Self> {
        let client = Client::new(config.clone());
        let experiment = api::experiment(&client, project, number)?;
        let (run_id, spool) = new_spool(config, project, Some(experiment))?;
        let run = Self::with_spool(client, spool, run_id, options);
        for (metric, step) in api::last_steps(&run.shared.client, project, number)? {
            run.lock_buffer().continue_after(&metric, step)?;
        }
        run.push(Operation::Update {
            update: ExperimentUpdate {
                status: Some("running".into()),
                ..ExperimentUpdate::default()
            },
        })?;
        run.spawn_writer();
        Ok(run)
    }

    fn with_spool(client: Client, spool: RunSpool, run_id: String, options: &RunOptions) -> Self {
        Self {
            shared: Arc::new(Shared {
                client,
                buffer: Mutex::new(PointBuffer::default()),
                signal: Condvar::new(),
                spool: Mutex::new(spool),
                run_id,
                chunk_seq: AtomicU64::new(0),
                stop: AtomicBool::new(false),
                flush_asked: AtomicU64::new(0),
                flush_done: Mutex::new(0),
                flushed: Condvar::new(),
                flush_interval: options.flush_interval,
                max_buffer_points: options.max_buffer_points.max(1),
                retry: Mutex::default(),
                send_deadline: Mutex::new(None),
                warned: AtomicBool::new(false),
            }),
            writer: Mutex::new(None),
            project: options.project.clone(),
            finish_timeout: options.finish_timeout,
            finished: AtomicBool::new(false),
        }
    }

    fn spawn_writer(&self) {
        let shared = Arc::clone(&self.shared);
        let handle = std::thread::Builder::new()
            .name("rsdk-writer".into())
            .spawn(move || writer(&shared))
            .ok();
        *self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = handle;
    }

    /// The experiment, once the server has created it.
    pub fn experiment(&self) -> Option<ExperimentRef> {
        self.lock_spool().state().experiment.clone()
    }

    pub fn project(&self) -> &str {
        &self.project
    }

    pub fn spool_dir(&self) -> PathBuf {
        self.lock_spool().dir().to_owned()
    }

    /// Logs one point; returns at once (the writer sends it). `step` `None` continues the
    /// metric's own count.
    pub fn log_metric(
        &self,
        name: &str,
        value: f64,
        step: Option<u64>,
        wall_time: Option<f64>,
    ) -> Result<u64> {
        self.check_open()?;
        let wall_time = wall_time.unwrap_or_else(now);
        let mut buffer = self.lock_buffer();
        let step = buffer.push(name, value, step, wall_time)?;
        if buffer.len() >= self.shared.max_buffer_points {
            self.shared.signal.notify_all();
            while buffer.len() >= self.shared.max_buffer_points && !self.shared.stop.load(Ordering::Relaxed) {
                buffer = self
                    .shared
                    .signal
                    .wait_timeout(buffer, Duration::from_millis(50))
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|poisoned| poisoned.into_inner().0);
            }
        }
        Ok(step)
    }

    /// Logs several points at one step (each metric's own count when `step` is `None`).
    pub fn log_metrics(
        &self,
        points: &[(String, f64)],
        step: Option<u64>,
        wall_time: Option<f64>,
    ) -> Result<()> {
        for (name, _) in points {
            metrics::check_name(name)?;
        }
        for (name, value) in points {
            self.log_metric(name, *value, step, wall_time)?;
        }
        Ok(())
    }

    /// Stores a file of the experiment (media, tables, text) from bytes, sent in the
    /// background.
    pub fn log_file(&self, path: &str, bytes: &[u8], mime: Option<&str>) -> Result<()> {
        self.check_open()?;
        if let Some(problem) = code::path_problem(path) {
            return Err(Error::invalid("path", format!("`{path}`: {problem}")));
        }
        let hash = upload::sha256_bytes(bytes);
        let entry = ManifestFile {
            path: path.to_owned(),
            size: bytes.len() as u64,
            hash: hash.clone(),
            mime: mime.unwrap_or_else(|| upload::mime_for(path)).to_owned(),
        };
        self.lock_spool().put_blob(&hash, bytes)?;
        self.push(Operation::Files {
            files: vec![entry],
            policy: None,
        })
    }

    /// Stores what the project's capture policy takes of `path`: a folder's files under the
    /// folder `name` of the experiment's tree, or a file as `name` (see
    /// [`crate::artifacts::select`]). Sent now when the server is reachable
    /// (large checkpoints are not copied), else copied into the spool. Answers the files
    /// stored and those the policy left out, with its reason.
    pub fn log_artifacts(&self, path: &Path, name: Option<&str>, policy: &str) -> Result<Selection> {
        self.check_open()?;
        let rules = api::capture_policy(&self.shared.client, &self.project, policy);
        let rules = match rules {
            Ok(rules) => Some(rules),
            Err(error) if error.is_transient() => None,
            Err(error) => return Err(error),
        };
        let selection = crate::artifacts::select(path, name, rules.as_ref())?;
        let uploads: Vec<Upload> = selection
            .files
            .iter()
            .cloned()
            .map(|file| Upload {
                entry: ManifestFile {
                    mime: upload::mime_for(&file.path).to_owned(),
                    path: file.path,
                    size: file.size,
                    hash: file.hash,
                },
                source: Source::Path(file.source),
            })
            .collect();
        let online = self
            .experiment()
            .filter(|_| rules.is_some() && self.lock_spool().pending() == 0);
        if let Some(experiment) = online {
            match upload::send_files(&self.shared.client, &experiment.id, &uploads, Some(policy)) {
                Ok(()) => return Ok(selection),
                Err(error) if !error.is_transient() => return Err(error),
                Err(_) => {}
            }
        }
        self.lock_spool().keep(&uploads)?;
        self.push(Operation::Files {
            files: uploads.into_iter().map(|upload| upload.entry).collect(),
            policy: Some(policy.to_owned()),
        })?;
        Ok(selection)
    }

    /// Deep-merges `features` into the experiment's full features.
    pub fn log_features(&self, features: Value) -> Result<()> {
        self.check_open()?;
        if !features.is_object() {
            return Err(Error::invalid("features", "must be a mapping of names to values"));
        }
        self.push(Operation::Features { merge: features })
    }

    /// Changes status, progress, notes or tags.
    pub fn update(&self, update: ExperimentUpdate) -> Result<()> {
        self.check_open()?;
        if let Some(progress) = update.progress {
            if !(0..=100).contains(&progress) {
                return Err(Error::invalid(
                    "progress",
                    format!("{progress} is not a percentage (0–100)"),
                ));
            }
        }
        self.push(Operation::Update { update })
    }

    /// Links the run to hypotheses (their ids), sent in order with the rest.
    pub fn link_hypotheses(&self, hypotheses: Vec<String>) -> Result<()> {
        self.check_open()?;
        if let Some(bad) = hypotheses.iter().find(|id| id.trim().is_empty()) {
            return Err(Error::invalid(
                "hypotheses",
                format!("{bad:?} is not a hypothesis id"),
            ));
        }
        self.push(Operation::LinkHypotheses { hypotheses })
    }

    /// Records the environment (an `EnvironmentInput`).
    pub fn record_environment(&self, environment: Value) -> Result<()> {
        self.check_open()?;
        self.push(Operation::Environment { environment })
    }

    /// Sends everything logged so far; waits up to `timeout` for the server.
    pub fn flush(&self, timeout: Duration) -> FlushReport {
        if self.shared.stop.load(Ordering::SeqCst) {
            // The writer is gone (the run finished): nothing more will be sent.
            return self.report();
        }
        let ticket = self.shared.flush_asked.fetch_add(1, Ordering::SeqCst) + 1;
        self.shared.signal.notify_all();
        let deadline = Instant::now() + timeout;
        let mut done = self
            .shared
            .flush_done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *done < ticket {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            done = self
                .shared
                .flushed
                .wait_timeout(done, left.min(Duration::from_millis(100)))
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
            self.shared.signal.notify_all();
        }
        drop(done);
        self.report()
    }

    /// Ends the run with `status` (complete or failed): the rest is sent, waiting up to the
    /// finish timeout; what the server has not taken stays in the spool. Calling it again
    /// does nothing.
    pub fn finish(&self, status: &str) -> Result<FlushReport> {
        let status = status.to_ascii_lowercase();
        if !matches!(status.as_str(), "complete" | "failed") {
            return Err(Error::invalid(
                "status",
                format!("`{status}`: a run finishes as complete or failed"),
            ));
        }
        if self.finished.swap(true, Ordering::SeqCst) {
            return Ok(self.report());
        }
        // The writer's last drain (after `stop`) must not outlast the timeout either.
        *self
            .shared
            .send_deadline
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now() + self.finish_timeout);
        self.push(Operation::Update {
            update: ExperimentUpdate {
                progress: (status == "complete").then_some(100),
                status: Some(status),
                ..ExperimentUpdate::default()
            },
        })?;
        self.lock_spool().set_finished()?;
        self.flush(self.finish_timeout);
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.signal.notify_all();
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        // Counted after the writer's last drain, which may have sent more than the flush saw.
        let report = self.report();
        if let Err(error) = self.lock_spool().remove_held_if_complete() {
            // Everything was sent: the next sync removes the folder.
            self.warn(&format!("rsdk: the run's spool folder was not removed: {error}"));
        }
        Ok(report)
    }

    fn report(&self) -> FlushReport {
        let spool = self.lock_spool();
        FlushReport {
            pending: spool.pending() + usize::from(!self.lock_buffer().is_empty()),
            failed: spool.failures().len(),
            spool_dir: spool.dir().to_owned(),
        }
    }

    /// Refuses logging into a finished run.
    fn check_open(&self) -> Result<()> {
        if self.finished.load(Ordering::Relaxed) {
            return Err(Error::invalid(
                "experiment",
                "the run has finished: start a new Experiment, or Experiment.resume() this one",
            ));
        }
        Ok(())
    }

    fn push(&self, operation: Operation) -> Result<()> {
        self.lock_spool().push(&operation)?;
        self.shared.signal.notify_all();
        Ok(())
    }

    /// Captures the code and records it: at once when online, else through the spool.
    /// Answers the snapshot's root folder (`None` when the capture failed).
    fn record_code(
        &self,
        dir: &Path,
        options: &CaptureOptions,
        experiment: Option<&ExperimentRef>,
    ) -> Result<Option<PathBuf>> {
        let capture = match code::capture(dir, options) {
            Ok(capture) => capture,
            Err(error) => {
                self.warn(&format!("rsdk: the code was not captured: {error}"));
                return Ok(None);
            }
        };
        let root = Some(capture.root.clone());
        let (body, uploads) = upload::code_uploads(&capture);
        if let Some(experiment) = experiment {
            match upload::send_code(&self.shared.client, &experiment.id, &uploads, &body) {
                Ok(()) => return Ok(root),
                Err(error) if !error.is_transient() => {
                    self.warn(&format!("rsdk: the code snapshot was not recorded: {error}"));
                    return Ok(root);
                }
                Err(_) => {}
            }
        }
        self.lock_spool().keep(&uploads)?;
        self.push(Operation::Code {
            body,
            contents: uploads.into_iter().map(|upload| upload.entry).collect(),
        })?;
        Ok(root)
    }

    fn warn(&self, message: &str) {
        warn_once(&self.shared, message);
    }

    fn lock_spool(&self) -> MutexGuard<'_, RunSpool> {
        self.shared
            .spool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_buffer(&self) -> MutexGuard<'_, PointBuffer> {
        self.shared
            .buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.signal.notify_all();
    }
}

/// The environment's working directory relative to the code snapshot's root (`""` for the
/// root itself), so a rerun starts in the same place; `None` when it lies outside.
fn code_directory(root: &Path, environment: &Value) -> Option<String> {
    let working = PathBuf::from(environment["workingDirectory"].as_str()?);
    let root = root.canonicalize().ok()?;
    let working = working.canonicalize().ok()?;
    let relative = working.strip_prefix(&root).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|part| part.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

/// A new run's id and spool folder.
fn new_spool(
    config: &ClientConfig,
    project: &str,
    experiment: Option<ExperimentRef>,
) -> Result<(String, RunSpool)> {
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let state = State {
        server: config.server.clone(),
        project: project.to_owned(),
        experiment,
        ..State::default()
    };
    let spool = RunSpool::create(&config.spool_dir, &run_id, state)?;
    Ok((run_id, spool))
}

/// Sends, in the background, what earlier runs left in the spool.
fn sync_others(config: &ClientConfig) {
    let config = config.clone();
    let _ = std::thread::Builder::new()
        .name("rsdk-sync".into())
        .spawn(move || crate::sync::sync(&config, |_| {}));
}

fn warn_once(shared: &Shared, message: &str) {
    if !shared.warned.swap(true, Ordering::SeqCst) {
        eprintln!("{message}");
    }
}

/// Creates the project when it is missing and allowed, then the experiment.
fn create(client: &Client, input: &NewExperiment, create_project: bool) -> Result<ExperimentRef> {
    if create_project && !api::project_exists(client, &input.project)? {
        check_first_experiment(input)?;
        match api::create_project(client, &input.project) {
            Ok(()) => {}
            Err(Error::Server { code, .. }) if code == "CONFLICT" => {}
            Err(Error::Server { code, message, .. }) if code == "FORBIDDEN" => {
                return Err(Error::invalid(
                    "project",
                    format!(
                        "project {} does not exist and this token may not create it ({message}): \
                         ask an admin to create it, or use a token with that right",
                        input.project
                    ),
                ));
            }
            Err(error) => return Err(error),
        }
    }
    api::create_experiment(client, input)
}

/// Refuses, before a missing project is created for it, an experiment the server would
/// refuse in a new project (default settings, no experiments), so a refusal leaves nothing.
fn check_first_experiment(input: &NewExperiment) -> Result<()> {
    let name = input.name.as_str();
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must not contain control characters"));
    }
    let missing = |number: &str| {
        format!(
            "project {} does not exist yet, so it has no experiment {number} to be the parent: \
             start the parent first, or drop the parent",
            input.project
        )
    };
    if let Some(parent) = input.parent_number {
        return Err(Error::invalid("parent", missing(&parent.to_string())));
    }
    // The default naming pattern reads `12_from_8_…` as number 12 with parent 8.
    let mut parts = name.split('_');
    let numbered = parts
        .next()
        .is_some_and(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if let (true, Some("from"), Some(parent)) = (numbered, parts.next(), parts.next()) {
        if !parent.is_empty() && parent.bytes().all(|b| b.is_ascii_digit()) && input.rerun_of.is_none() {
            return Err(Error::invalid("name", missing(parent)));
        }
    }
    Ok(())
}

/// Longest experiment name the server accepts, in characters.
const MAX_NAME_CHARS: usize = 256;

/// The writer thread: flushes the buffer into chunks every interval (or when woken) and
/// sends the spool's operations in order until the run stops.
fn writer(shared: &Shared) {
    // The flush last handled: a newer one is served without waiting for the interval.
    let mut handled = 0;
    loop {
        {
            let buffer = shared
                .buffer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let idle = buffer.len() < shared.max_buffer_points / 2
                && shared.flush_asked.load(Ordering::SeqCst) == handled
                && !shared.stop.load(Ordering::SeqCst);
            if idle {
                let _ = shared.signal.wait_timeout(buffer, shared.flush_interval);
            }
        }
        let stopping = shared.stop.load(Ordering::SeqCst);
        let ticket = shared.flush_asked.load(Ordering::SeqCst);
        if let Err(error) = flush_buffer(shared) {
            warn_once(
                shared,
                &format!("rsdk: metrics could not be written to the spool: {error}"),
            );
        }
        if send_pending(shared) {
            let mut done = shared
                .flush_done
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *done = (*done).max(ticket);
            shared.flushed.notify_all();
        }
        handled = ticket;
        if stopping {
            break;
        }
    }
}

/// Moves the buffered points into chunks in the spool.
fn flush_buffer(shared: &Shared) -> Result<()> {
    let (names, points) = {
        let mut buffer = shared
            .buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buffer.is_empty() {
            return Ok(());
        }
        let points = buffer.take();
        (buffer.names().to_vec(), points)
    };
    shared.signal.notify_all();
    let chunks = metrics::encode_chunks(&names, &points, || {
        let seq = shared.chunk_seq.fetch_add(1, Ordering::SeqCst);
        format!("{}:{seq:08}", shared.run_id)
    })?;
    let mut spool = shared
        .spool
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (chunk_id, bytes) in chunks {
        spool.put_chunk(&chunk_id, &bytes)?;
        spool.push(&Operation::Chunk { chunk_id })?;
    }
    Ok(())
}

/// Sends the spool's operations while the server takes them; answers whether all are done.
fn send_pending(shared: &Shared) -> bool {
    let retry = || {
        shared
            .retry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if !retry().due(Instant::now()) && !shared.stop.load(Ordering::SeqCst) {
        return false;
    }
    let deadline = *shared
        .send_deadline
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match drain(&shared.client, &shared.spool, deadline) {
        Ok(drained) => {
            retry().succeeded();
            drained
        }
        Err(error) => {
            warn_once(
                shared,
                &format!("rsdk: {error}; logging goes on into the spool and is sent when the server is back"),
            );
            retry().failed(Instant::now(), error.retry_after());
            false
        }
    }
}

/// Sends a spool's operations in order until none is left (`Ok(true)`), the deadline passes
/// (`Ok(false)`), or the server cannot be reached or refuses the credentials (the error). An
/// operation the server refuses for good is recorded in `failed.jsonl` and skipped.
pub fn drain(client: &Client, spool: &Mutex<RunSpool>, deadline: Option<Instant>) -> Result<bool> {
    let lock = || spool.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(false);
        }
        let (next, state) = {
            let spool = lock();
            (spool.next(), spool.state().clone())
        };
        let Some((seq, operation)) = next else {
            return Ok(true);
        };
        match send(client, &lock, &state, &operation) {
            Ok(()) => lock().done(seq, &operation)?,
            Err(error) if error.is_transient() || refuses_credentials(&error) => return Err(error),
            Err(error) => lock().failed(seq, &operation, &error)?,
        }
    }
}

/// Whether the server refused the caller (no token, an expired or revoked one) rather than
/// the operation: the operation waits for valid credentials instead of failing for good.
fn refuses_credentials(error: &Error) -> bool {
    matches!(error, Error::Server { status, code, .. } if *status == 401 || code == "UNAUTHENTICATED")
}

fn send<'a>(
    client: &Client,
    lock: &impl Fn() -> MutexGuard<'a, RunSpool>,
    state: &State,
    operation: &Operation,
) -> Result<()> {
    if let Operation::Create {
        input,
        create_project,
    } = operation
    {
        if state.experiment.is_none() {
            let experiment = create(client, input, *create_project)?;
            lock().set_experiment(experiment)?;
        }
        return Ok(());
    }
    let experiment = state
        .experiment
        .as_ref()
        .ok_or_else(|| Error::Internal("the experiment was not created".into()))?;
    let (project, number, id) = (state.project.as_str(), experiment.number, experiment.id.as_str());
    match operation {
        Operation::Create { .. } => Ok(()),
        Operation::Update { update } => api::update_experiment(client, project, number, update),
        Operation::Features { merge } => {
            let mut full = api::features(client, project, number)?;
            merge_into(&mut full, merge);
            api::update_features(client, project, number, &full.to_string())
        }
        Operation::Environment { environment } => {
            api::record_environment(client, project, number, environment)
        }
        Operation::LinkHypotheses { hypotheses } => hypotheses
            .iter()
            .try_for_each(|hypothesis| api::link_hypothesis(client, hypothesis, number)),
        Operation::Chunk { chunk_id } => {
            let path = lock().chunk_path(chunk_id);
            let bytes = std::fs::read(&path).map_err(|error| Error::io(&path, error))?;
            api::post_chunk(client, id, &bytes).map(|_| ())
        }
        Operation::Files { files, policy } => {
            let uploads = lock().kept(files);
            upload::send_files(client, id, &uploads, policy.as_deref())
        }
        Operation::Code { body, contents } => {
            let uploads = lock().kept(contents);
            upload::send_code(client, id, &uploads, body)
        }
    }
}

/// Deep-merges `patch` into `target` (objects merge key by key; anything else replaces).
pub fn merge_into(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge_into(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_merge_deeply() {
        let mut full = serde_json::json!({"optimizer": {"name": "adamw", "lr": 0.001}, "epochs": 3});
        merge_into(
            &mut full,
            &serde_json::json!({"optimizer": {"lr": 0.0001}, "seed": 1}),
        );
        assert_eq!(
            full,
            serde_json::json!({"optimizer": {"name": "adamw", "lr": 0.0001}, "epochs": 3, "seed": 1})
        );
    }
}
