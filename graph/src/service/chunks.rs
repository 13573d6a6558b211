//! The metric chunk manifest of an experiment and the summaries on its `MEASURED` edges.
//!
//! The ingest side writes chunks of points to blob storage and records each here with the
//! merged per-metric summaries, in one atomic batch: a chunk is listed exactly when its
//! summaries are stored. Chunk ids are the idempotency keys of retries. Records of several
//! experiments that wait for the write lock at the same time share one hold of it and one
//! transaction ([`ChunkQueue`], group commit).
//!
//! Summary floats are stored as text, Rust's `{:?}` of the `f64` (shortest round-trip form,
//! `NaN`, `inf`, `-inf`): FalkorDB takes no NaN or infinity as a parameter and prints stored
//! doubles with 15 significant digits, so text is the one form every engine keeps exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::instrument;

use super::audit::audit_statement;
use super::evidence_snapshot::{bump_values_version, ExperimentFacts, ValuesChange, MAX_PROJECTS};
use super::metrics::{metric_key, validate_metric_name};
use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::{ExperimentId, ProjectId};
use crate::model::metric::MAX_METRICS_PER_EXPERIMENT;
use crate::model::{ChunkOutcome, ChunkRecord, MeasuredSummary, NewChunk};
use crate::queries;
use crate::value::{Params, Row};

const MAX_CHUNK_ID_LENGTH: usize = 200;
const MAX_DIGEST_LENGTH: usize = 200;

/// The most chunk records one group commit writes, which bounds how long it holds the
/// write lock (a record's statements take a few milliseconds).
const MAX_GROUP_COMMIT: usize = 32;

/// Chunk records waiting to be committed, committed together ("group commit"): a writer that
/// finds no commit running starts one, which takes every waiting record — the oldest of each
/// experiment, at most [`MAX_GROUP_COMMIT`] — into one hold of the write lock and one atomic
/// batch, and goes on until none waits. A record's statements are the same as alone; what the
/// others save is the wait for each other's lock handover, context read and commit.
#[derive(Default)]
pub(crate) struct ChunkQueue {
    waiting: Mutex<Vec<QueuedChunk>>,
    /// Held by the task that commits; one at a time.
    committing: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for ChunkQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkQueue")
            .field("waiting", &self.waiting().len())
            .finish_non_exhaustive()
    }
}

impl ChunkQueue {
    /// The waiting records. The lock only guards a push or a drain, which cannot leave the
    /// list half-changed, so a panic elsewhere that poisoned it is harmless.
    fn waiting(&self) -> MutexGuard<'_, Vec<QueuedChunk>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next batch: the oldest waiting record of each experiment (two of one experiment
    /// would both read the context before either writes), at most [`MAX_GROUP_COMMIT`].
    fn next_batch(&self) -> Vec<QueuedChunk> {
        let mut waiting = self.waiting();
        let mut experiments = BTreeSet::new();
        let (batch, rest): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|queued| {
            experiments.len() < MAX_GROUP_COMMIT && experiments.insert(queued.request.experiment.clone())
        });
        *waiting = rest;
        batch
    }
}

/// A chunk record asked for, and where its outcome goes.
struct QueuedChunk {
    request: ChunkRequest,
    done: tokio::sync::oneshot::Sender<Result<ChunkOutcome>>,
}

/// What [`Graph::record_chunk`] was given.
struct ChunkRequest {
    experiment: ExperimentId,
    chunk: NewChunk,
    summaries: Vec<MeasuredSummary>,
}

/// A chunk record read under the write lock, before the batch is sent.
enum Prepared {
    /// The chunk id is recorded already: its record; nothing to write.
    Recorded(ChunkOutcome),
    /// What the chunk's write answers once committed, and the write.
    Write(ChunkOutcome, SummariesWrite),
}

/// The statements of a chunk write, and what they change in the project's evidence snapshot.
struct SummariesWrite {
    statements: Vec<Statement>,
    project_id: ProjectId,
    number: i64,
    change: ValuesChange,
}

/// What recording needs to know about the experiment, read under the write lock.
struct ChunkContext {
    project_id: ProjectId,
    number: i64,
    /// What the evidence snapshot of the project holds of the experiment.
    facts: ExperimentFacts,
    measured: BTreeSet<String>,
    /// The summaries cached on the experiment (every metric it measured).
    summaries: Vec<MeasuredSummary>,
    /// The chunk counters before this write.
    counters: ChunkCounters,
    /// Whether the chunk asked about is recorded already.
    recorded: bool,
}

/// What an experiment's node keeps of its chunks.
#[derive(Debug, Clone, Copy)]
struct ChunkCounters {
    /// How many chunks are live (not compacted into another).
    live_chunks: i64,
    /// The largest sequence a chunk of the experiment was given (0 before the first).
    chunk_sequence: i64,
}

fn chunk_key(experiment: &ExperimentId, chunk_id: &str) -> String {
    format!("{experiment}/{chunk_id}")
}

fn validate_chunk_id(field: &str, chunk_id: &str) -> Result<()> {
    let length = chunk_id.chars().count();
    if length == 0 || length > MAX_CHUNK_ID_LENGTH || chunk_id.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("a chunk id must be 1 to {MAX_CHUNK_ID_LENGTH} characters without control characters"),
        ));
    }
    Ok(())
}

/// Checks a new chunk and its summaries before anything is read or written.
fn validate_chunk(chunk: &NewChunk, summaries: &[MeasuredSummary]) -> Result<()> {
    validate_chunk_id("chunk_id", &chunk.chunk_id)?;
    let digest_length = chunk.digest.chars().count();
    if digest_length == 0 || digest_length > MAX_DIGEST_LENGTH || chunk.digest.chars().any(char::is_control) {
        return Err(Error::invalid(
            "digest",
            format!("must be 1 to {MAX_DIGEST_LENGTH} printable characters"),
        ));
    }
    for (field, value) in [("points", chunk.points), ("bytes", chunk.bytes)] {
        if value < 0 {
            return Err(Error::invalid(field, format!("{value} is negative")));
        }
    }
    if chunk.min_step > chunk.max_step {
        return Err(Error::invalid(
            "min_step",
            format!("{} is after max_step {}", chunk.min_step, chunk.max_step),
        ));
    }
    for (position, name) in chunk.metrics.iter().enumerate() {
        validate_metric_name(&format!("metrics[{position}]"), name)?;
    }
    let mut seen = BTreeSet::new();
    for (position, summary) in summaries.iter().enumerate() {
        let field = format!("summaries[{position}]");
        validate_metric_name(&format!("{field}.metric"), &summary.metric)?;
        if !seen.insert(summary.metric.as_str()) {
            return Err(Error::invalid(
                format!("{field}.metric"),
                format!("`{}` is summarized twice", summary.metric),
            ));
        }
        if summary.count < 0 || !(0..=summary.count).contains(&summary.finite_count) {
            return Err(Error::invalid(
                format!("{field}.count"),
                "count must not be negative and finite_count must be 0 to count",
            ));
        }
    }
    Ok(())
}

/// The distinct metric names a chunk and its summaries add.
fn metrics_named(chunk: &NewChunk, summaries: &[MeasuredSummary]) -> BTreeSet<String> {
    let from_chunk = chunk.metrics.iter().cloned();
    from_chunk
        .chain(summaries.iter().map(|s| s.metric.clone()))
        .collect()
}

/// Text that reads back to exactly `value`, NaN and infinities included.
fn float_text(value: f64) -> String {
    format!("{value:?}")
}

fn stored_float(row: &Row, column: &str) -> Result<f64> {
    let text = row.string(column)?;
    text.parse::<f64>().map_err(|error| {
        Error::Internal(format!(
            "stored summary {column} `{text}` is not a float: {error}"
        ))
    })
}

/// The summaries cached on an experiment (see `metric/set_experiment_summaries`), parsed
/// straight into typed fields (the runs table parses 10,000 of these per read).
pub(super) fn cached_summaries(text: &str) -> Result<Vec<MeasuredSummary>> {
    type Cached<'a> = (&'a str, i64, &'a str, &'a str, &'a str, i64, i64);
    let unreadable = |what: String| Error::Internal(format!("cached summaries are unreadable: {what}"));
    let cached: std::collections::BTreeMap<String, Cached<'_>> =
        serde_json::from_str(text).map_err(|error| unreadable(error.to_string()))?;
    cached
        .into_iter()
        .map(
            |(metric, (last, last_step, min, max, mean, count, finite_count))| {
                let float = |text: &str| -> Result<f64> {
                    text.parse()
                        .map_err(|_| unreadable(format!("{metric}: `{text}` is not a float")))
                };
                Ok(MeasuredSummary {
                    last: float(last)?,
                    min: float(min)?,
                    max: float(max)?,
                    mean: float(mean)?,
                    last_step,
                    count,
                    finite_count,
                    metric,
                    recent: Vec::new(),
                })
            },
        )
        .collect()
}

/// The recent values of a `MEASURED` row (a list of exact texts; none on a summary stored
/// before they were recorded).
pub(super) fn recent_values(row: &Row) -> Result<Vec<f64>> {
    row.strings("recent")?
        .iter()
        .map(|text| {
            text.parse::<f64>().map_err(|error| {
                Error::Internal(format!("stored recent value `{text}` is not a float: {error}"))
            })
        })
        .collect()
}

/// The recent values cached on an experiment (see `metric/set_experiment_summaries`), by
/// metric.
pub(super) fn cached_recent(text: &str) -> Result<std::collections::BTreeMap<String, Vec<f64>>> {
    let unreadable = |what: String| Error::Internal(format!("cached recent values are unreadable: {what}"));
    let cached: std::collections::BTreeMap<String, Vec<&str>> =
        serde_json::from_str(text).map_err(|error| unreadable(error.to_string()))?;
    cached
        .into_iter()
        .map(|(metric, texts)| {
            let values = texts
                .iter()
                .map(|text| {
                    text.parse::<f64>()
                        .map_err(|_| unreadable(format!("{metric}: `{text}` is not a float")))
                })
                .collect::<Result<Vec<f64>>>()?;
            Ok((metric, values))
        })
        .collect()
}

fn summary_from_row(row: &Row) -> Result<MeasuredSummary> {
    Ok(MeasuredSummary {
        metric: row.string("metric")?,
        last: stored_float(row, "last")?,
        last_step: row.int("last_step")?,
        min: stored_float(row, "min")?,
        max: stored_float(row, "max")?,
        mean: stored_float(row, "mean")?,
        count: row.int("count")?,
        finite_count: row.int("finite_count")?,
        recent: recent_values(row)?,
    })
}

/// The chunks of `rows`, by sequence.
fn chunks_in_order(rows: &[Row]) -> Result<Vec<ChunkRecord>> {
    let mut chunks = rows.iter().map(chunk_from_row).collect::<Result<Vec<_>>>()?;
    chunks.sort_by_key(|chunk| chunk.sequence);
    Ok(chunks)
}

fn chunk_from_row(row: &Row) -> Result<ChunkRecord> {
    Ok(ChunkRecord {
        experiment_id: ExperimentId(row.string("experiment_id")?),
        chunk_id: row.string("chunk_id")?,
        sequence: row.int("sequence")?,
        digest: row.string("digest")?,
        points: row.int("points")?,
        min_step: row.int("min_step")?,
        max_step: row.int("max_step")?,
        metrics: row.strings("metrics")?,
        bytes: row.int("bytes")?,
        overview: row.opt_string("overview_digest")?,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        compacted_into: row.opt_string("compacted_into")?,
    })
}

impl Graph {
    /// What recording chunk `chunk_id` needs to know of the experiment
    /// (`metric/chunk_context`), read by a writer holding the write lock;
    /// [`Error::NotFound`] when it is unknown.
    async fn chunk_context(&self, experiment: &ExperimentId, chunk_id: &str) -> Result<ChunkContext> {
        let params = Params::new()
            .with("experiment_id", experiment.as_str())
            .with("key", chunk_key(experiment, chunk_id));
        let rows = self
            .executor
            .execute_read_for_write(&queries::METRIC_CHUNK_CONTEXT, params)
            .await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            entity: "experiment",
            id: experiment.to_string(),
        })?;
        let mut summaries = match row.opt_string("measured")? {
            Some(text) => cached_summaries(&text)?,
            None => Vec::new(),
        };
        if let Some(text) = row.opt_string("recent")? {
            let mut recent = cached_recent(&text)?;
            for summary in &mut summaries {
                summary.recent = recent.remove(&summary.metric).unwrap_or_default();
            }
        }
        Ok(ChunkContext {
            project_id: ProjectId(row.string("project_id")?),
            number: row.int("number")?,
            facts: ExperimentFacts::from_row(row)?,
            measured: row.strings("metrics")?.into_iter().collect(),
            summaries,
            counters: ChunkCounters {
                live_chunks: row.int("live_chunks")?,
                chunk_sequence: row.int("chunk_sequence")?,
            },
            recorded: row.bool("recorded")?,
        })
    }

    /// The chunk with id `chunk_id` of the experiment, live or compacted, if it was recorded.
    pub async fn chunk(&self, experiment: &ExperimentId, chunk_id: &str) -> Result<Option<ChunkRecord>> {
        let params = Params::new().with("key", chunk_key(experiment, chunk_id));
        let rows = self
            .executor
            .execute(&queries::METRIC_CHUNK_BY_KEY, params)
            .await?;
        rows.first().map(chunk_from_row).transpose()
    }

    /// The record of a chunk [`Graph::chunk_context`] found recorded, read under the same
    /// write lock.
    async fn recorded_chunk(&self, experiment: &ExperimentId, chunk_id: &str) -> Result<ChunkRecord> {
        self.chunk(experiment, chunk_id).await?.ok_or_else(|| {
            Error::Internal(format!(
                "chunk `{chunk_id}` of {experiment} vanished under the write lock"
            ))
        })
    }

    /// Refuses a write that would take the experiment past [`MAX_METRICS_PER_EXPERIMENT`].
    fn check_metric_limit(context: &ChunkContext, adding: &BTreeSet<String>) -> Result<()> {
        let total = context.measured.union(adding).count();
        if total > MAX_METRICS_PER_EXPERIMENT {
            return Err(Error::invalid(
                "points",
                format!(
                    "an experiment may measure at most {MAX_METRICS_PER_EXPERIMENT} distinct metrics; \
                     this chunk would bring it to {total}"
                ),
            ));
        }
        Ok(())
    }

    /// The statements that create the chunk record.
    fn chunk_statement(experiment: &ExperimentId, record: &ChunkRecord) -> Statement {
        let params = Params::new()
            .with("key", chunk_key(experiment, &record.chunk_id))
            .with("experiment_id", experiment.as_str())
            .with("chunk_id", record.chunk_id.as_str())
            .with("sequence", record.sequence)
            .with("digest", record.digest.as_str())
            .with("points", record.points)
            .with("min_step", record.min_step)
            .with("max_step", record.max_step)
            .with("metrics", record.metrics.clone())
            .with("bytes", record.bytes)
            .with("overview_digest", record.overview.as_deref())
            .with("created_at", timestamp(record.created_at));
        Statement::new(&queries::METRIC_CHUNK_CREATE, params)
    }

    /// One statement per summary: a new `MEASURED` edge, or the existing one updated.
    fn summary_statements(
        experiment: &ExperimentId,
        context: &ChunkContext,
        summaries: &[MeasuredSummary],
    ) -> Vec<Statement> {
        summaries
            .iter()
            .map(|summary| {
                let params = Params::new()
                    .with("experiment_id", experiment.as_str())
                    .with("metric", summary.metric.as_str())
                    .with("last", float_text(summary.last))
                    .with("last_step", summary.last_step)
                    .with("min", float_text(summary.min))
                    .with("max", float_text(summary.max))
                    .with("mean", float_text(summary.mean))
                    .with("count", summary.count)
                    .with("finite_count", summary.finite_count)
                    .with(
                        "recent",
                        summary
                            .recent
                            .iter()
                            .map(|value| float_text(*value))
                            .collect::<Vec<_>>(),
                    );
                if context.measured.contains(&summary.metric) {
                    return Statement::new(&queries::METRIC_MEASURED_UPDATE, params);
                }
                let params = params
                    .with("metric_key", metric_key(&context.project_id, &summary.metric))
                    .with("project_id", context.project_id.as_str());
                Statement::new(&queries::METRIC_MEASURED_CREATE, params)
            })
            .collect()
    }

    /// Every summary of the experiment, by metric: the stored ones with `changed` laid over
    /// them.
    fn all_summaries(context: &ChunkContext, changed: &[MeasuredSummary]) -> Vec<MeasuredSummary> {
        let mut all: std::collections::BTreeMap<&str, &MeasuredSummary> = context
            .summaries
            .iter()
            .map(|summary| (summary.metric.as_str(), summary))
            .collect();
        for summary in changed {
            all.insert(summary.metric.as_str(), summary);
        }
        all.into_values().cloned().collect()
    }

    /// The statement that caches `all` the summaries of the experiment, their recent values
    /// and its chunk `counters`, on its node.
    fn cached_summaries_statement(
        experiment: &ExperimentId,
        all: &[MeasuredSummary],
        counters: ChunkCounters,
    ) -> Statement {
        let recent: serde_json::Map<String, serde_json::Value> = all
            .iter()
            .map(|summary| {
                let values = summary
                    .recent
                    .iter()
                    .map(|value| serde_json::Value::String(float_text(*value)))
                    .collect();
                (summary.metric.clone(), serde_json::Value::Array(values))
            })
            .collect();
        let cached: serde_json::Map<String, serde_json::Value> = all
            .iter()
            .map(|summary| {
                let fields = serde_json::json!([
                    float_text(summary.last),
                    summary.last_step,
                    float_text(summary.min),
                    float_text(summary.max),
                    float_text(summary.mean),
                    summary.count,
                    summary.finite_count,
                ]);
                (summary.metric.clone(), fields)
            })
            .collect();
        let params = Params::new()
            .with("experiment_id", experiment.as_str())
            .with("measured", serde_json::Value::Object(cached).to_string())
            .with("recent", serde_json::Value::Object(recent).to_string())
            .with("live_chunks", counters.live_chunks)
            .with("chunk_sequence", counters.chunk_sequence);
        Statement::new(&queries::METRIC_SET_EXPERIMENT_SUMMARIES, params)
    }

    /// The write of a chunk batch: `statements`, then what `summaries` change (the `MEASURED`
    /// edges, the summaries cached on the experiment), the experiment's chunk `counters` after
    /// the write and `audit`; sent with the project's values version moved, after which this
    /// process' evidence snapshot is patched.
    fn summaries_write(
        experiment: &ExperimentId,
        context: &ChunkContext,
        mut statements: Vec<Statement>,
        counters: ChunkCounters,
        summaries: &[MeasuredSummary],
        audit: Option<Statement>,
    ) -> SummariesWrite {
        statements.extend(Self::summary_statements(experiment, context, summaries));
        let all = Self::all_summaries(context, summaries);
        statements.push(Self::cached_summaries_statement(experiment, &all, counters));
        statements.extend(audit);
        SummariesWrite {
            statements,
            project_id: context.project_id.clone(),
            number: context.number,
            change: ValuesChange::Summaries {
                summaries: all,
                facts: context.facts.clone(),
            },
        }
    }

    /// Records a chunk with the experiment's merged summaries of the metrics it touches, in
    /// one atomic batch, under the next sequence. A chunk id recorded before answers its record
    /// as a duplicate and changes nothing. More than [`MAX_METRICS_PER_EXPERIMENT`] distinct
    /// metrics is [`Error::Invalid`] on `points`.
    ///
    /// Records of several experiments that wait at the same time are committed together (see
    /// [`ChunkQueue`]): one hold of the write lock and one transaction for all of them, so ten
    /// runs logging at the same instant do not each wait for nine commits.
    #[instrument(skip_all, fields(experiment = %experiment, chunk = %chunk.chunk_id))]
    pub async fn record_chunk(
        &self,
        experiment: &ExperimentId,
        chunk: NewChunk,
        summaries: Vec<MeasuredSummary>,
    ) -> Result<ChunkOutcome> {
        validate_chunk(&chunk, &summaries)?;
        let (done, mut recorded) = tokio::sync::oneshot::channel();
        self.chunk_queue.waiting().push(QueuedChunk {
            request: ChunkRequest {
                experiment: experiment.clone(),
                chunk,
                summaries,
            },
            done,
        });
        let stopped = |_| {
            Err(Error::Unavailable(
                "the chunk's commit stopped before it finished (is the server shutting down?); retry".into(),
            ))
        };
        tokio::select! {
            biased;
            outcome = &mut recorded => return outcome.unwrap_or_else(stopped),
            committing = self.chunk_queue.committing.clone().lock_owned() => {
                // No commit runs: this writer starts the next, in a task of its own, so that
                // a writer that goes away does not stop the commit of the others' records.
                let graph = self.clone();
                tokio::spawn(async move {
                    let _committing = committing;
                    graph.commit_queued_chunks().await;
                });
            }
        }
        recorded.await.unwrap_or_else(stopped)
    }

    /// Commits the waiting chunk records, batch after batch, until none waits; run by the one
    /// task that holds the queue's `committing` lock.
    async fn commit_queued_chunks(&self) {
        loop {
            let batch = self.chunk_queue.next_batch();
            if batch.is_empty() {
                return;
            }
            let (requests, answers): (Vec<_>, Vec<_>) = batch
                .into_iter()
                .map(|queued| (queued.request, queued.done))
                .unzip();
            let outcomes = self.record_chunks(requests).await;
            for (done, outcome) in answers.into_iter().zip(outcomes) {
                // A writer that went away is not answered; its chunk is recorded all the same
                // (a retry of it is then acknowledged as a duplicate).
                let _ = done.send(outcome);
            }
        }
    }

    /// Records `requests` (each of a different experiment) under one hold of the write lock,
    /// every write in one atomic batch; one outcome per request, in order. When the batch
    /// fails, each write is tried on its own, so a failure answers only the chunk it belongs to.
    async fn record_chunks(&self, requests: Vec<ChunkRequest>) -> Vec<Result<ChunkOutcome>> {
        let _gate = match self.write_lock.acquire().await {
            Ok(gate) => gate,
            Err(error) => return requests.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut outcomes = Vec::with_capacity(requests.len());
        let mut writes = Vec::new();
        for (position, request) in requests.into_iter().enumerate() {
            // One after the other: the reads share the writer's handle anyway.
            outcomes.push(self.prepare_chunk(request).await.map(|prepared| match prepared {
                Prepared::Recorded(outcome) => outcome,
                Prepared::Write(outcome, write) => {
                    writes.push((position, write));
                    outcome
                }
            }));
        }
        let together: Vec<&SummariesWrite> = writes.iter().map(|(_, write)| write).collect();
        if let Err(error) = self.commit_writes(&together).await {
            if let [(position, _)] = writes.as_slice() {
                outcomes[*position] = Err(error);
            } else {
                for (position, write) in &writes {
                    if let Err(error) = self.commit_writes(&[write]).await {
                        outcomes[*position] = Err(error);
                    }
                }
            }
        }
        outcomes
    }

    /// What recording `request` needs, read under the write lock: the chunk's record when its
    /// id is recorded already, else the write that records it and what that write answers.
    async fn prepare_chunk(&self, request: ChunkRequest) -> Result<Prepared> {
        let ChunkRequest {
            experiment,
            chunk,
            summaries,
        } = request;
        let context = self.chunk_context(&experiment, &chunk.chunk_id).await?;
        if context.recorded {
            return Ok(Prepared::Recorded(ChunkOutcome {
                record: self.recorded_chunk(&experiment, &chunk.chunk_id).await?,
                duplicate: true,
                live_chunks: context.counters.live_chunks,
            }));
        }
        Self::check_metric_limit(&context, &metrics_named(&chunk, &summaries))?;
        let audit = chunk.audit.clone().map(audit_statement).transpose()?;
        let counters = ChunkCounters {
            live_chunks: context.counters.live_chunks + 1,
            chunk_sequence: context.counters.chunk_sequence + 1,
        };
        let record = new_record(&experiment, chunk, counters.chunk_sequence);
        let statements = vec![Self::chunk_statement(&experiment, &record)];
        let write = Self::summaries_write(&experiment, &context, statements, counters, &summaries, audit);
        let outcome = ChunkOutcome {
            record,
            duplicate: false,
            live_chunks: counters.live_chunks,
        };
        Ok(Prepared::Write(outcome, write))
    }

    /// Sends `writes` as one atomic batch, each followed by the move of its project's values
    /// version, then patches this process' evidence snapshots in the same order.
    async fn commit_writes(&self, writes: &[&SummariesWrite]) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut statements = Vec::new();
        let mut bumps = Vec::with_capacity(writes.len());
        for write in writes {
            statements.extend(write.statements.iter().cloned());
            statements.push(bump_values_version(&write.project_id));
            bumps.push(statements.len() - 1);
        }
        let results = self.executor.execute_atomic(statements).await?;
        for (write, bump) in writes.iter().zip(bumps) {
            let bumped = results.get(bump).map_or(&[][..], Vec::as_slice);
            self.patch_values(&write.project_id, write.number, bumped, write.change.clone());
        }
        Ok(())
    }

    /// Compaction: records `new` in place of the live chunks `old_chunk_ids` (which are marked
    /// `compacted_into` it and stop being listed) and stores `summaries`, atomically. The new
    /// chunk takes the largest sequence of those it replaces, so chunks recorded after them
    /// still come after it. Repeating a finished compaction returns its chunk.
    #[instrument(skip_all, fields(experiment = %experiment, chunk = %new.chunk_id))]
    pub async fn replace_chunks(
        &self,
        experiment: &ExperimentId,
        old_chunk_ids: &[String],
        new: NewChunk,
        summaries: Vec<MeasuredSummary>,
    ) -> Result<ChunkRecord> {
        validate_chunk(&new, &summaries)?;
        if old_chunk_ids.is_empty() {
            return Err(Error::invalid(
                "old_chunk_ids",
                "name at least one chunk to replace",
            ));
        }
        for (position, old) in old_chunk_ids.iter().enumerate() {
            validate_chunk_id(&format!("old_chunk_ids[{position}]"), old)?;
        }
        let _gate = self.write_lock.acquire().await?;
        let context = self.chunk_context(experiment, &new.chunk_id).await?;
        if context.recorded {
            let existing = self.recorded_chunk(experiment, &new.chunk_id).await?;
            return self
                .finished_compaction(experiment, old_chunk_ids, existing)
                .await;
        }
        let distinct_old: Vec<String> = old_chunk_ids
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        let live = self.live_sequences(experiment, &distinct_old).await?;
        if let Some((position, old)) = old_chunk_ids
            .iter()
            .enumerate()
            .find(|(_, old)| !live.contains_key(old.as_str()))
        {
            return Err(Error::invalid(
                format!("old_chunk_ids[{position}]"),
                format!("no live chunk `{old}` in experiment {experiment}"),
            ));
        }
        Self::check_metric_limit(&context, &metrics_named(&new, &summaries))?;
        let sequence = live.values().copied().max().unwrap_or_default();
        let audit = new.audit.clone().map(audit_statement).transpose()?;
        let record = new_record(experiment, new, sequence);
        let counters = ChunkCounters {
            live_chunks: context.counters.live_chunks - distinct_old.len() as i64 + 1,
            ..context.counters
        };
        let compact = Params::new()
            .with("experiment_id", experiment.as_str())
            .with("chunk_ids", distinct_old)
            .with("compacted_into", record.chunk_id.as_str());
        let statements = vec![
            Self::chunk_statement(experiment, &record),
            Statement::new(&queries::METRIC_CHUNK_COMPACT, compact),
        ];
        let write = Self::summaries_write(experiment, &context, statements, counters, &summaries, audit);
        self.execute_changing_values(write.statements, &write.project_id, write.number, write.change)
            .await?;
        Ok(record)
    }

    /// A retried compaction whose new chunk exists: its record when every old chunk was
    /// compacted into it, else [`Error::Conflict`] (the chunk id is taken by something else).
    async fn finished_compaction(
        &self,
        experiment: &ExperimentId,
        old_chunk_ids: &[String],
        existing: ChunkRecord,
    ) -> Result<ChunkRecord> {
        for old in old_chunk_ids {
            let compacted = self.chunk(experiment, old).await?;
            let into = compacted
                .as_ref()
                .and_then(|chunk| chunk.compacted_into.as_deref());
            if into != Some(existing.chunk_id.as_str()) {
                return Err(Error::conflict(
                    "chunk_id",
                    format!(
                        "chunk `{}` is already recorded and did not replace `{old}`",
                        existing.chunk_id
                    ),
                ));
            }
        }
        Ok(existing)
    }

    /// The live chunks of an experiment (not replaced by a compaction), by sequence.
    pub async fn chunks(&self, experiment: &ExperimentId) -> Result<Vec<ChunkRecord>> {
        let params = Params::new().with("experiment_id", experiment.as_str());
        let rows = self.executor.execute(&queries::METRIC_CHUNK_LIST, params).await?;
        chunks_in_order(&rows)
    }

    /// The sequence of each of `chunk_ids` that is a live chunk of the experiment, by id
    /// (`metric/live_chunk_sequences`), read by a writer holding the write lock.
    async fn live_sequences(
        &self,
        experiment: &ExperimentId,
        chunk_ids: &[String],
    ) -> Result<HashMap<String, i64>> {
        let params = Params::new()
            .with("experiment_id", experiment.as_str())
            .with("chunk_ids", chunk_ids.to_vec());
        let rows = self
            .executor
            .execute_read_for_write(&queries::METRIC_LIVE_CHUNK_SEQUENCES, params)
            .await?;
        rows.iter()
            .map(|row| Ok((row.string("chunk_id")?, row.int("sequence")?)))
            .collect()
    }

    /// The stored summary of every metric an experiment measured, by metric name.
    pub async fn measured(&self, experiment: &ExperimentId) -> Result<Vec<MeasuredSummary>> {
        let params = Params::new().with("experiment_id", experiment.as_str());
        let rows = self.executor.execute(&queries::METRIC_MEASURED, params).await?;
        let mut summaries = rows.iter().map(summary_from_row).collect::<Result<Vec<_>>>()?;
        summaries.sort_by(|a, b| a.metric.cmp(&b.metric));
        Ok(summaries)
    }

    /// Every experiment of a project that measured something, by number, with its summaries
    /// by metric name (the runs table). A process keeps the answer while the project's values
    /// version holds (every batch that changes a summary moves it), so an unchanged project
    /// costs one indexed read of the version; the evidence's snapshot of the project answers
    /// when it is current (it is patched as chunks land, so a project being trained on is
    /// not read again for every chunk); otherwise one read of the summaries cached on each
    /// experiment (`metric/measured_in_project`).
    pub async fn measured_in_project(&self, project: &str) -> Result<Arc<ProjectSummaries>> {
        Ok(self.versioned_summaries(project).await?.2)
    }

    /// [`Graph::measured_in_project`] with the project's id and the values version it holds for.
    pub(super) async fn versioned_summaries(
        &self,
        project: &str,
    ) -> Result<(ProjectId, i64, Arc<ProjectSummaries>)> {
        let project = self.project(project).await?;
        let version = self.values_version(&project.id).await?;
        if let Some(kept) = self.kept_summaries(&project.id, version) {
            return Ok((project.id, version, kept));
        }
        // Read after the version: a change landing meanwhile makes the version newer, so the
        // next call reads again.
        let params = Params::new().with("project_id", project.id.as_str());
        let rows = self
            .executor
            .execute(&queries::METRIC_MEASURED_IN_PROJECT, params)
            .await?;
        let summaries = self.keep_summaries(&project.id, version, &rows)?;
        Ok((project.id, version, summaries))
    }

    /// The project's summaries as this process holds them for values version `version`.
    pub(super) fn kept_summaries(
        &self,
        project_id: &ProjectId,
        version: i64,
    ) -> Option<Arc<ProjectSummaries>> {
        if let Some(snapshot) = self.snapshots.current(project_id, version) {
            let summaries: ProjectSummaries = snapshot
                .experiments
                .iter()
                .filter(|(_, values)| !values.summaries.is_empty())
                .map(|(number, values)| (*number, values.summaries.clone()))
                .collect();
            return Some(Arc::new(summaries));
        }
        self.summaries.current(project_id, &version)
    }

    /// The summaries of `rows` (one per experiment, with its `number` and cached `measured`
    /// summaries, null before its first chunk), kept for values version `version`.
    pub(super) fn keep_summaries(
        &self,
        project_id: &ProjectId,
        version: i64,
        rows: &[Row],
    ) -> Result<Arc<ProjectSummaries>> {
        let mut summaries = ProjectSummaries::new();
        for row in rows {
            let Some(measured) = row.opt_str("measured")? else {
                continue;
            };
            let mut measured = cached_summaries(measured)?;
            measured.sort_by(|a, b| a.metric.cmp(&b.metric));
            summaries.insert(row.int("number")?, measured.into());
        }
        let summaries = Arc::new(summaries);
        self.summaries.keep(project_id, version, summaries.clone());
        Ok(summaries)
    }
}

/// Each experiment's summaries by its number, metrics by name.
pub type ProjectSummaries = BTreeMap<i64, Arc<[MeasuredSummary]>>;

/// What this process read or computed last per project, each with the key it holds for (the
/// values version, and whatever else it depends on).
#[derive(Debug)]
pub(crate) struct VersionedCache<K, T> {
    projects: Mutex<HashMap<ProjectId, (K, Arc<T>)>>,
}

impl<K, T> Default for VersionedCache<K, T> {
    fn default() -> Self {
        Self {
            projects: Mutex::default(),
        }
    }
}

/// Each project's summaries by values version.
pub(crate) type SummariesCache = VersionedCache<i64, ProjectSummaries>;

impl<K: PartialEq, T> VersionedCache<K, T> {
    fn projects(&self) -> MutexGuard<'_, HashMap<ProjectId, (K, Arc<T>)>> {
        self.projects.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn current(&self, project: &ProjectId, key: &K) -> Option<Arc<T>> {
        self.projects()
            .get(project)
            .filter(|(kept, _)| kept == key)
            .map(|(_, kept)| kept.clone())
    }

    /// Keeps `value` for `key`, making room by dropping another project past
    /// [`MAX_PROJECTS`] (the bound the evidence snapshots keep too).
    pub(super) fn keep(&self, project: &ProjectId, key: K, value: Arc<T>) {
        let mut projects = self.projects();
        if projects.len() >= MAX_PROJECTS && !projects.contains_key(project) {
            if let Some(other) = projects.keys().next().cloned() {
                projects.remove(&other);
            }
        }
        projects.insert(project.clone(), (key, value));
    }
}

fn new_record(experiment: &ExperimentId, chunk: NewChunk, sequence: i64) -> ChunkRecord {
    ChunkRecord {
        experiment_id: experiment.clone(),
        chunk_id: chunk.chunk_id,
        sequence,
        digest: chunk.digest,
        points: chunk.points,
        min_step: chunk.min_step,
        max_step: chunk.max_step,
        metrics: chunk.metrics,
        bytes: chunk.bytes,
        overview: chunk.overview,
        created_at: now(),
        compacted_into: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_text_reads_back_bit_for_bit() {
        for value in [
            0.1,
            -0.0,
            1e-310,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            let back: f64 = float_text(value).parse().expect("parses");
            assert_eq!(back.to_bits(), value.to_bits(), "{value:?}");
        }
    }

    #[test]
    fn a_chunk_with_steps_backwards_is_refused() {
        let chunk = NewChunk {
            chunk_id: "c".into(),
            digest: "d".into(),
            points: 1,
            min_step: 5,
            max_step: 4,
            metrics: vec!["loss".into()],
            bytes: 1,
            overview: None,
            audit: None,
        };
        let error = validate_chunk(&chunk, &[]).expect_err("backwards");
        assert!(error.to_string().starts_with("min_step:"), "{error}");
    }
}
