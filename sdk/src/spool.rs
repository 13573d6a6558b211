//! The spool: every run writes what it sends to the server into its own folder first, and a
//! writer thread sends it in order. What the server has acknowledged is crossed off; what it
//! has not stays on disk, so a crash or an unreachable server loses nothing: `rsdk sync` (or
//! the next run) sends it later. Chunk ids make a resend idempotent.
//!
//! ```text
//! <spool>/<run id>/
//!   state.json     the server, the experiment once created, how many operations are done
//!   ops.jsonl      one operation per line, in order: {"seq": 3, "op": {...}}
//!   chunks/<id>    metric chunks (MessagePack)
//!   blobs/<sha256> file contents to upload
//!   failed.jsonl   operations the server refused for good, with its reason
//!   lock           held (flock) by the process that owns the run
//! ```

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{ExperimentRef, ExperimentUpdate, ManifestFile, NewExperiment};
use crate::error::{Error, Result};
use crate::upload::{Source, Upload};

/// One thing to send, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Operation {
    /// Create the experiment (and its project when `create_project`).
    Create {
        input: NewExperiment,
        create_project: bool,
    },
    /// Change status, progress, notes or tags.
    Update { update: ExperimentUpdate },
    /// Deep-merge these features into the experiment's full features.
    Features { merge: Value },
    /// Record the environment (an `EnvironmentInput`).
    Environment { environment: Value },
    /// Record the code snapshot: `body` is `POST …/code`'s body, `contents` the entries whose
    /// content is in `blobs/`.
    Code {
        body: Value,
        contents: Vec<ManifestFile>,
    },
    /// Commit experiment files whose contents are in `blobs/`.
    Files {
        files: Vec<ManifestFile>,
        policy: Option<String>,
    },
    /// Link the experiment to these hypotheses (ids).
    LinkHypotheses { hypotheses: Vec<String> },
    /// Send the metric chunk `chunks/<chunk_id>`.
    Chunk { chunk_id: String },
}

/// What a run's folder says about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub server: String,
    pub project: String,
    pub experiment: Option<ExperimentRef>,
    /// Operations done (sent, or refused for good), from the first.
    pub done: u64,
    /// Operations written.
    pub written: u64,
    /// The run has finished: once everything is done the folder goes.
    pub finished: bool,
}

/// One run's spool folder, locked by its owner.
#[derive(Debug)]
pub struct RunSpool {
    dir: PathBuf,
    state: State,
    journal: File,
    /// The operations not done yet, in order.
    queue: VecDeque<(u64, Operation)>,
    _lock: File,
}

impl RunSpool {
    /// Creates the folder of a new run.
    pub fn create(spool: &Path, run_id: &str, state: State) -> Result<Self> {
        let dir = spool.join(run_id);
        for folder in [dir.join("chunks"), dir.join("blobs")] {
            fs::create_dir_all(&folder).map_err(|error| Error::io(&folder, error))?;
        }
        let lock = lock_file(&dir)?
            .ok_or_else(|| Error::Internal(format!("{} is locked by another process", dir.display())))?;
        let journal = append(&dir.join("ops.jsonl"))?;
        let spool = Self {
            dir,
            state,
            journal,
            queue: VecDeque::new(),
            _lock: lock,
        };
        spool.save()?;
        Ok(spool)
    }

    /// Opens an existing run folder unless another process holds it (`None` then).
    pub fn open(dir: &Path) -> Result<Option<Self>> {
        let Some(lock) = lock_file(dir)? else {
            return Ok(None);
        };
        let path = dir.join("state.json");
        let text = fs::read(&path).map_err(|error| Error::io(&path, error))?;
        let state: State = serde_json::from_slice(&text)
            .map_err(|error| Error::Internal(format!("{} is not a spool state: {error}", path.display())))?;
        let journal = append(&dir.join("ops.jsonl"))?;
        let mut spool = Self {
            dir: dir.to_owned(),
            state,
            journal,
            queue: VecDeque::new(),
            _lock: lock,
        };
        spool.queue = spool.read_pending()?.into();
        // Lines past a crash's cut are gone: count only what is there.
        spool.state.written = spool.queue.back().map_or(spool.state.done, |(seq, _)| seq + 1);
        Ok(Some(spool))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Appends an operation (written through to the file before it returns).
    pub fn push(&mut self, operation: &Operation) -> Result<()> {
        let line = serde_json::json!({ "seq": self.state.written, "op": operation });
        let mut text = serde_json::to_string(&line).map_err(|error| Error::Internal(error.to_string()))?;
        text.push('\n');
        let path = self.dir.join("ops.jsonl");
        self.journal
            .write_all(text.as_bytes())
            .map_err(|error| Error::io(&path, error))?;
        self.queue.push_back((self.state.written, operation.clone()));
        self.state.written += 1;
        self.save()
    }

    /// The next operation to send.
    pub fn next(&self) -> Option<(u64, Operation)> {
        self.queue.front().cloned()
    }

    /// How many operations are not done yet.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Stores a chunk's bytes.
    pub fn put_chunk(&self, chunk_id: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.chunk_path(chunk_id), bytes)
    }

    pub fn chunk_path(&self, chunk_id: &str) -> PathBuf {
        self.dir.join("chunks").join(chunk_id.replace(':', "_"))
    }

    /// Stores a content by its sha256.
    pub fn put_blob(&self, hash: &str, bytes: &[u8]) -> Result<()> {
        let path = self.blob_path(hash);
        if path.exists() {
            return Ok(());
        }
        write_atomic(&path, bytes)
    }

    /// Copies a file's content in by its sha256.
    pub fn copy_blob(&self, hash: &str, source: &Path) -> Result<()> {
        let path = self.blob_path(hash);
        if path.exists() {
            return Ok(());
        }
        let temporary = path.with_extension("part");
        fs::copy(source, &temporary).map_err(|error| Error::io(source, error))?;
        fs::rename(&temporary, &path).map_err(|error| Error::io(&path, error))
    }

    /// Keeps the contents of `uploads` (files copied, bytes written) for a later send.
    pub fn keep(&self, uploads: &[Upload]) -> Result<()> {
        for upload in uploads {
            match &upload.source {
                Source::Path(path) => self.copy_blob(&upload.entry.hash, path)?,
                Source::Bytes(bytes) => self.put_blob(&upload.entry.hash, bytes)?,
            }
        }
        Ok(())
    }

    /// The uploads of entries whose contents were kept.
    pub fn kept(&self, entries: &[ManifestFile]) -> Vec<Upload> {
        entries
            .iter()
            .map(|entry| Upload {
                entry: entry.clone(),
                source: Source::Path(self.blob_path(&entry.hash)),
            })
            .collect()
    }

    pub fn blob_path(&self, hash: &str) -> PathBuf {
        self.dir.join("blobs").join(hash)
    }

    /// The operations of the journal not done yet, in order.
    fn read_pending(&self) -> Result<Vec<(u64, Operation)>> {
        let path = self.dir.join("ops.jsonl");
        let file = File::open(&path).map_err(|error| Error::io(&path, error))?;
        let mut pending = Vec::new();
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|error| Error::io(&path, error))?;
            if line.trim().is_empty() {
                continue;
            }
            // A line cut short by a crash is the last one; it was never acknowledged.
            let Ok(entry) = serde_json::from_str::<Value>(&line) else {
                break;
            };
            let seq = entry["seq"].as_u64().unwrap_or(0);
            if seq < self.state.done {
                continue;
            }
            let operation: Operation = serde_json::from_value(entry["op"].clone())
                .map_err(|error| Error::Internal(format!("{}: bad operation: {error}", path.display())))?;
            pending.push((seq, operation));
        }
        Ok(pending)
    }

    /// Marks operation `seq` done and drops the files it alone needed.
    pub fn done(&mut self, seq: u64, operation: &Operation) -> Result<()> {
        self.queue.retain(|(queued, _)| *queued != seq);
        self.state.done = seq + 1;
        self.save()?;
        if let Operation::Chunk { chunk_id } = operation {
            let _ = fs::remove_file(self.chunk_path(chunk_id));
        }
        Ok(())
    }

    /// Records an operation the server refused for good, then marks it done.
    pub fn failed(&mut self, seq: u64, operation: &Operation, error: &Error) -> Result<()> {
        let path = self.dir.join("failed.jsonl");
        let mut file = append(&path)?;
        let line = serde_json::json!({ "seq": seq, "op": operation, "error": error.to_string() });
        writeln!(file, "{line}").map_err(|error| Error::io(&path, error))?;
        self.queue.retain(|(queued, _)| *queued != seq);
        self.state.done = seq + 1;
        self.save()
    }

    pub fn set_experiment(&mut self, experiment: ExperimentRef) -> Result<()> {
        self.state.experiment = Some(experiment);
        self.save()
    }

    pub fn set_finished(&mut self) -> Result<()> {
        self.state.finished = true;
        self.save()
    }

    /// Whether every operation is done.
    pub fn drained(&self) -> bool {
        self.queue.is_empty()
    }

    /// Operations the server refused for good, as recorded.
    pub fn failures(&self) -> Vec<Value> {
        let path = self.dir.join("failed.jsonl");
        fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Whether the run is over for the spool: finished, drained, and nothing refused.
    pub fn complete(&self) -> bool {
        self.state.finished && self.drained() && !self.dir.join("failed.jsonl").exists()
    }

    /// Removes the folder of a finished, drained run that nothing failed in.
    pub fn remove_if_complete(self) -> Result<bool> {
        if !self.complete() {
            return Ok(false);
        }
        let dir = self.dir.clone();
        drop(self);
        fs::remove_dir_all(&dir).map_err(|error| Error::io(&dir, error))?;
        Ok(true)
    }

    /// [`RunSpool::remove_if_complete`] for the owner that still holds the folder: a run's
    /// last act once `finish` has everything sent. Nothing may be pushed afterwards.
    pub fn remove_held_if_complete(&self) -> Result<bool> {
        if !self.complete() {
            return Ok(false);
        }
        fs::remove_dir_all(&self.dir).map_err(|error| Error::io(&self.dir, error))?;
        Ok(true)
    }

    fn save(&self) -> Result<()> {
        let bytes =
            serde_json::to_vec_pretty(&self.state).map_err(|error| Error::Internal(error.to_string()))?;
        write_atomic(&self.dir.join("state.json"), &bytes)
    }
}

/// The run folders of a spool.
pub fn runs(spool: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(spool) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(Error::io(spool, error)),
    };
    let mut runs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("state.json").is_file())
        .collect();
    runs.sort();
    Ok(runs)
}

fn lock_file(dir: &Path) -> Result<Option<File>> {
    let path = dir.join("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| Error::io(&path, error))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(error)) => Err(Error::io(&path, error)),
    }
}

fn append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| Error::io(path, error))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("part");
    fs::write(&temporary, bytes).map_err(|error| Error::io(&temporary, error))?;
    fs::rename(&temporary, path).map_err(|error| Error::io(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> Result<tempfile::TempDir> {
        tempfile::tempdir().map_err(|error| Error::io("tempdir", error))
    }

    #[test]
    fn operations_survive_a_reopen_and_done_ones_are_skipped() -> Result<()> {
        let dir = temp()?;
        let state = State {
            server: "http://127.0.0.1:1".into(),
            project: "p".into(),
            ..State::default()
        };
        let path = {
            let mut spool = RunSpool::create(dir.path(), "run-1", state)?;
            spool.push(&Operation::Update {
                update: ExperimentUpdate::default(),
            })?;
            spool.put_chunk("run-1:000001", b"chunk")?;
            let chunk = Operation::Chunk {
                chunk_id: "run-1:000001".into(),
            };
            spool.push(&chunk)?;
            assert_eq!(spool.pending(), 2);
            let (seq, first) = spool.next().ok_or_else(|| Error::Internal("empty".into()))?;
            spool.done(seq, &first)?;
            spool.dir().to_owned()
        };
        let reopened = RunSpool::open(&path)?.ok_or_else(|| Error::Internal("locked".into()))?;
        assert_eq!(reopened.pending(), 1);
        assert_eq!(reopened.next().map(|(seq, _)| seq), Some(1));
        assert_eq!(
            fs::read(reopened.chunk_path("run-1:000001")).ok().as_deref(),
            Some(&b"chunk"[..])
        );
        assert_eq!(runs(dir.path())?, vec![path]);
        Ok(())
    }

    #[test]
    fn a_held_run_is_not_opened_twice() -> Result<()> {
        let dir = temp()?;
        let spool = RunSpool::create(dir.path(), "run-2", State::default())?;
        assert!(RunSpool::open(spool.dir())?.is_none());
        Ok(())
    }
}
