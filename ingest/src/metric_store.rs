//! Metric series storage: from a client's chunk to a durable acknowledgement, and from the
//! stored chunks back to a chart.
//!
//! A chunk is validated, de-duplicated (the last value of a step in a chunk wins), written as
//! one immutable Parquet object in the blob store, and then recorded in the experiment's
//! chunk manifest in the graph together with the merged `MEASURED` summaries, in one atomic
//! batch. Only then is it acknowledged, so an acknowledged chunk is durable; a retried chunk
//! id is acknowledged again from the manifest without storing anything twice (a blob
//! written for a retry that then finds the chunk recorded is the same content, and so the
//! same blob). Reads merge an experiment's chunks in arrival order, so a later value for a
//! step wins, and downsample.
//!
//! Summaries are merged incrementally while steps move forward; a chunk that revisits steps
//! at or before a metric's last step has that metric's summary recomputed from every chunk,
//! so summaries always describe the de-duplicated series. Ingestion of one experiment is
//! serialised in this process. A compaction merges the newest run of chunks
//! ([`compaction_run`]: tiered while the run is live, so a long run's points are rewritten
//! about log₂ n times rather than at every compaction; bounded by [`MAX_COMPACTED_POINTS`]),
//! recomputes every summary from the stored points when it merged every live chunk, and then
//! deletes the blobs of the chunks it replaced unless a record still names one (identical
//! chunks share a blob).
//!
//! A compaction that leaves a metric longer than [`metrics::OVERVIEW_POINTS`] also stores the
//! chunk's **overview** (every metric min/max-downsampled to that many points, see
//! [`metrics::overview`]) as its own blob, named on the compacted chunk's record. A read of at
//! most [`OVERVIEW_READ_POINTS`] points takes each chunk its step range covers whole from the
//! chunk's overview ([`ReadPlan`]), so a chart of a million-point run decodes a few thousand
//! points per compacted chunk even on a fresh server, live or finished; chunks the range cuts,
//! chunks without an overview, the chunks a live run's raw tail comes from and larger reads
//! read every point, and chunks outside the range are not read at all. A read that mixes
//! overviews with other chunks buckets by step ([`metrics::downsample_by_step`]). The choice
//! depends only on the request and the stored data, never on what is cached, so a read
//! answers the same either way.
//!
//! In memory and in Parquet a chunk is a [`ChunkSeries`]: one series per metric, so a read
//! copies slices instead of filtering points by name, and chunks of successive steps merge
//! by concatenation.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use graph::ids::ExperimentId;
use graph::model::metric::{ChunkRecord, MeasuredSummary, NewChunk};
use graph::model::{NewAuditEntry, Status};
use graph::Graph;

use crate::background;
use crate::blob::{self, BlobStore, Digest};
use crate::metrics::{self, Chunk, ChunkSeries, Downsample, Limits, Recent, Series, Summary};
use crate::{Error, Result};

/// Decoded chunks and overviews kept in memory (they are immutable, so never stale), in points
/// (24 bytes each): the oldest out first when full.
const CACHE_POINTS: usize = 2_000_000;
/// The largest object the cache keeps, in points. Charts read overviews and the chunks logged
/// since, which are small; a long compacted chunk is read whole only by a zoom, an export or
/// the next compaction, and would push everything else out.
const CACHE_OBJECT_POINTS: usize = CACHE_POINTS / 8;
/// The most points a read may ask for and still be answered from an overview: half of what
/// an overview keeps per metric, so its buckets stay at least two overview points wide.
pub const OVERVIEW_READ_POINTS: usize = metrics::OVERVIEW_POINTS / 2;
/// An experiment with more live chunks than this is worth compacting.
pub const COMPACT_AFTER_CHUNKS: usize = 64;

/// The most points a compaction writes into one chunk (see [`compaction_run`]), which bounds
/// the memory one compaction holds (the decoded chunks, the merge and its encoding).
pub const MAX_COMPACTED_POINTS: i64 = 2_000_000;

/// What the server answers for a stored (or already stored) chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub chunk_id: String,
    /// The chunk's place in the experiment's manifest.
    pub sequence: i64,
    /// Points stored (after de-duplicating steps within the chunk).
    pub points: i64,
    /// True when the chunk id was already stored and nothing was written.
    pub duplicate: bool,
    /// The metrics the chunk holds.
    pub metrics: Vec<String>,
    /// Its largest step.
    pub last_step: i64,
    /// Live chunks of the experiment after this one (compaction is due past a limit).
    pub live_chunks: usize,
    /// The digest (hex) of the chunk's blob.
    pub digest: String,
}

impl Ack {
    /// Whether this chunk should schedule a compaction of its experiment: when it takes the
    /// live chunks past [`COMPACT_AFTER_CHUNKS`], and past each further multiple of it. Not on
    /// every chunk past the limit: scheduling takes the graph's write lock, and a compaction
    /// already queued or running answers for the chunks in between.
    pub fn compaction_due(&self) -> bool {
        !self.duplicate
            && self.live_chunks > COMPACT_AFTER_CHUNKS
            && self.live_chunks % COMPACT_AFTER_CHUNKS == 1
    }
}

/// What [`MetricStore::merged_summaries`] found.
enum Merged {
    /// The summaries to store with the chunk.
    Summaries(Vec<MeasuredSummary>),
    /// The chunk is a retry of this recorded one.
    Recorded(ChunkRecord),
}

/// Metric series of every experiment, over the graph (manifests, summaries) and the blob
/// store (chunk contents).
#[derive(Clone)]
pub struct MetricStore {
    graph: Graph,
    blobs: Arc<dyn BlobStore>,
    limits: Limits,
    ingesting: Arc<Mutex<HashMap<ExperimentId, Arc<tokio::sync::Mutex<()>>>>>,
    /// One compaction at a time in this process: what a compaction holds (its chunks decoded,
    /// the merge, its encoding) is bounded by one [`MAX_COMPACTED_POINTS`], and the cores stay
    /// free for acknowledgements.
    compacting: Arc<tokio::sync::Semaphore>,
    cache: Arc<Mutex<ChunkCache>>,
}

impl std::fmt::Debug for MetricStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricStore").field("blobs", &self.blobs).finish()
    }
}

#[derive(Default)]
struct ChunkCache {
    points: usize,
    chunks: HashMap<Digest, Arc<ChunkSeries>>,
    /// The kept digests, oldest first.
    order: std::collections::VecDeque<Digest>,
}

impl MetricStore {
    /// A store over `graph` and `blobs` that accepts chunks within `limits`.
    pub fn new(graph: Graph, blobs: Arc<dyn BlobStore>, limits: Limits) -> Self {
        Self {
            graph,
            blobs,
            limits,
            ingesting: Arc::default(),
            compacting: Arc::new(tokio::sync::Semaphore::new(1)),
            cache: Arc::default(),
        }
    }

    /// What a chunk may hold.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Stores `chunk` for `experiment` durably and answers its acknowledgement. `audit`, the
    /// record of the request, is written in the same batch as the manifest entry (so not at
    /// all for a chunk already stored: the caller records that request itself).
    pub async fn ingest(
        &self,
        experiment: &ExperimentId,
        chunk: Chunk,
        audit: Option<NewAuditEntry>,
    ) -> Result<Ack> {
        chunk.validate(&self.limits)?;
        check_steps(&chunk)?;
        // Once under way, a chunk is stored whole even when its client goes away: the rest
        // runs in a task of its own, which holds the experiment's ingestion lock to the end,
        // so the experiment's next chunk never merges its summaries before this one's land.
        let store = self.clone();
        let experiment = experiment.clone();
        tokio::spawn(async move { store.store_chunk(&experiment, chunk, audit).await })
            .await
            .map_err(|error| Error::Internal(format!("storing a chunk failed: {error}")))?
    }

    /// [`MetricStore::ingest`] of a valid chunk.
    async fn store_chunk(
        &self,
        experiment: &ExperimentId,
        chunk: Chunk,
        audit: Option<NewAuditEntry>,
    ) -> Result<Ack> {
        let lock = self.experiment_lock(experiment);
        let _one_at_a_time = lock.lock().await;
        let series = Arc::new(ChunkSeries::from_points(chunk.points));
        // The blob (encoded off the async workers, then written and synced) and the stored
        // summaries (a graph read) do not depend on each other: both at once. A retry's blob is
        // the one recorded when its content is the same, else an orphan for the collection.
        let encoding = Arc::clone(&series);
        let store_blob = async {
            let encoded = tokio::task::spawn_blocking(move || metrics::encode_parquet(&encoding))
                .await
                .map_err(|error| Error::Internal(format!("encoding a chunk failed: {error}")))??;
            let receipt = self.blobs.put(encoded.clone(), None).await?;
            Ok::<_, Error>((receipt, encoded))
        };
        let stored = async { Ok(self.graph.measured(experiment).await?) };
        let (stored, (receipt, encoded)) = futures::future::try_join(stored, store_blob).await?;
        let summaries = match self
            .merged_summaries(experiment, &chunk.chunk_id, stored, &series)
            .await?
        {
            Merged::Summaries(summaries) => summaries,
            Merged::Recorded(existing) => {
                let live_chunks = self.graph.chunks(experiment).await?.len();
                return Ok(ack(&existing, true, live_chunks));
            }
        };
        self.remember(receipt.digest, series.clone());
        let new = NewChunk {
            audit,
            ..new_chunk(chunk.chunk_id, receipt.digest, &series, encoded.len() as i64)
        };
        let outcome = self.graph.record_chunk(experiment, new, summaries).await?;
        // A collection (a compaction's replaced chunks, a sweep of orphans) may have deleted
        // identical content between our put and our record.
        blob::restore_if_collected(&*self.blobs, &receipt.digest, encoded).await?;
        let live_chunks = usize::try_from(outcome.live_chunks).unwrap_or_default();
        Ok(ack(&outcome.record, outcome.duplicate, live_chunks))
    }

    /// One metric of an experiment: merged (later chunks win a step), limited to the step
    /// range, downsampled to at most `max_points`.
    pub async fn series(
        &self,
        experiment: &ExperimentId,
        metric: &str,
        max_points: usize,
        from_step: Option<u64>,
        to_step: Option<u64>,
        method: Downsample,
    ) -> Result<Series> {
        let (series, _) = self
            .series_with_tail(experiment, metric, max_points, from_step, to_step, method, 0)
            .await?;
        Ok(series)
    }

    /// [`MetricStore::series`], and the last `tail` raw points of the same range (for a live
    /// run), from one merge.
    #[allow(clippy::too_many_arguments)]
    pub async fn series_with_tail(
        &self,
        experiment: &ExperimentId,
        metric: &str,
        max_points: usize,
        from_step: Option<u64>,
        to_step: Option<u64>,
        method: Downsample,
        tail: usize,
    ) -> Result<(Series, Series)> {
        let records = self.graph.chunks(experiment).await?;
        let mut plan = ReadPlan::new(&records, max_points, from_step, to_step);
        let mut parts = self.load_series(&plan.digests()?).await?;
        let mut merged = metrics::merge_series_between(&parts, metric, from_step, to_step);
        // The raw tail must come from raw points only: the newest overview read is read whole
        // until the chunks after it hold the last `tail` points.
        while let Some(newest) = plan.newest_overview() {
            let earlier = plan.max_step_up_to(newest);
            let later = merged.len() - merged.steps.partition_point(|&step| step <= earlier);
            if later >= tail {
                break;
            }
            plan.read_whole(newest);
            parts[newest] = self.load_series(&[plan.digest(newest)?]).await?.remove(0);
            merged = metrics::merge_series_between(&parts, metric, from_step, to_step);
        }
        let start = merged.steps.len().saturating_sub(tail);
        let raw_tail = Series {
            steps: merged.steps[start..].to_vec(),
            values: merged.values[start..].to_vec(),
            wall_times: merged.wall_times[start..].to_vec(),
        };
        let series = if plan.mixes_densities() {
            metrics::downsample_by_step(&merged, max_points, method)
        } else {
            metrics::downsample(&merged, max_points, method)
        };
        Ok((series, raw_tail))
    }

    /// Every stored point of an experiment, one per (metric, step), as one chunk.
    pub async fn all_series(&self, experiment: &ExperimentId) -> Result<ChunkSeries> {
        let chunks = self.chunk_points(&self.graph.chunks(experiment).await?).await?;
        Ok(ChunkSeries::merge(&chunks))
    }

    /// The live chunks of an experiment recorded after sequence `after`, each as its sequence
    /// and its series, oldest first: what a live view has not shown
    /// yet. A compaction keeps the largest sequence it replaces, so it is never "after" a
    /// chunk already shown.
    pub async fn chunks_after(
        &self,
        experiment: &ExperimentId,
        after: i64,
    ) -> Result<Vec<(i64, Arc<ChunkSeries>)>> {
        let newer: Vec<ChunkRecord> = self
            .graph
            .chunks(experiment)
            .await?
            .into_iter()
            .filter(|record| record.sequence > after)
            .collect();
        let points = self.chunk_points(&newer).await?;
        Ok(newer.iter().map(|record| record.sequence).zip(points).collect())
    }

    /// The points of the chunk stored as blob `digest` (hex), from the cache or its blob.
    pub async fn chunk_series(&self, digest: &str) -> Result<Arc<ChunkSeries>> {
        let digest = Digest::parse("digest", digest)?;
        let mut loaded = self.load_series(&[digest]).await?;
        loaded
            .pop()
            .ok_or_else(|| Error::Internal("a chunk load answered nothing".into()))
    }

    /// Merges the newest run of an experiment's chunks into one ([`compaction_run`]: all of
    /// them, up to [`MAX_COMPACTED_POINTS`], once the run has finished) and, when that was every
    /// live chunk, recomputes its summaries from the stored points; `None` when there is
    /// nothing to merge. One compaction runs at a time in a process (the others wait).
    pub async fn compact(&self, experiment: &ExperimentId) -> Result<Option<ChunkRecord>> {
        // The slow part (reading, merging and re-encoding the points) runs without the
        // experiment's ingestion lock, on a snapshot of the manifest, so chunks keep landing.
        let (_, run) = self.graph.experiment_by_id(experiment).await?;
        let finished = matches!(run.status, Status::Complete | Status::Failed);
        let _one_compaction = self
            .compacting
            .acquire()
            .await
            .map_err(|_| Error::Internal("the compaction permit is gone".into()))?;
        let manifest = self.graph.chunks(experiment).await?;
        let snapshot = compaction_run(&manifest, finished).to_vec();
        if snapshot.len() < 2 {
            return Ok(None);
        }
        let inputs = self.compaction_inputs(&snapshot).await?;
        let Compacted {
            merged,
            encoded,
            overview,
            summaries: merged_summaries,
        } = background::run(move || compact_points(inputs)).await??;
        let bytes = encoded.len() as i64;
        let receipt = self.blobs.put(encoded.clone(), None).await?;
        self.remember(receipt.digest, merged.clone());
        // Every blob the new record names, with its bytes, for the check after recording.
        let mut written = vec![(receipt.digest, encoded)];
        let overview = match overview {
            Some((overview, encoded)) => {
                let stored = self.blobs.put(encoded.clone(), None).await?;
                self.remember(stored.digest, Arc::new(overview));
                written.push((stored.digest, encoded));
                Some(stored.digest.to_hex())
            }
            None => None,
        };
        let last_sequence = snapshot
            .iter()
            .map(|record| record.sequence)
            .max()
            .unwrap_or_default();
        let new = NewChunk {
            overview,
            ..new_chunk(
                format!("compacted-{last_sequence}"),
                receipt.digest,
                &merged,
                bytes,
            )
        };

        // The swap is quick and holds the lock: the snapshot's chunks must all still be live
        // (else another compaction won), and chunks that landed meanwhile keep their sequences
        // after the compacted one.
        let lock = self.experiment_lock(experiment);
        let _one_at_a_time = lock.lock().await;
        let live = self.graph.chunks(experiment).await?;
        let still_live = |record: &ChunkRecord| live.iter().any(|other| other.chunk_id == record.chunk_id);
        if !snapshot.iter().all(still_live) {
            return Ok(None);
        }
        let summaries = if live.len() > snapshot.len() {
            // Older chunks stay, or newer ones landed meanwhile: the stored summaries already
            // include them (ingestion keeps them exact); the merged points alone would drop
            // those.
            self.graph.measured(experiment).await?
        } else {
            to_measured(merged_summaries)
        };
        let old: Vec<String> = snapshot.iter().map(|record| record.chunk_id.clone()).collect();
        let record = self
            .graph
            .replace_chunks(experiment, &old, new, summaries)
            .await?;
        drop(_one_at_a_time);
        // A collection may have deleted identical content between our puts and the record.
        for (digest, encoded) in written {
            blob::restore_if_collected(&*self.blobs, &digest, encoded).await?;
        }
        let mut replaced_blobs = Vec::new();
        for replaced in &snapshot {
            replaced_blobs.push(replaced.digest.clone());
            replaced_blobs.extend(replaced.overview.clone());
        }
        for replaced in &replaced_blobs {
            let digest = Digest::parse("digest", replaced)?;
            if let Err(error) = self.delete_unused_blob(digest).await {
                // The blob stays until a later collection: wasted space, not lost data.
                tracing::warn!(%error, digest = %replaced, "a replaced chunk blob was not deleted");
            }
        }
        Ok(Some(record))
    }

    /// Deletes the blob of a replaced chunk unless a record still names it (a live chunk of
    /// any experiment, or a file content: blobs are content-addressed, so identical bytes share
    /// one); whether it was deleted. Writers check after recording that their blob is still
    /// there ([`blob::restore_if_collected`]), as [`blob::delete_unless_used`] requires.
    async fn delete_unused_blob(&self, digest: Digest) -> Result<bool> {
        let hex = digest.to_hex();
        let in_use = || async { Ok(self.graph.blob_in_use(&hex).await?) };
        let deleted = blob::delete_unless_used(&*self.blobs, &digest, in_use).await?;
        if deleted {
            self.forget(&digest);
        }
        Ok(deleted)
    }

    fn experiment_lock(&self, experiment: &ExperimentId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .ingesting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(experiment.clone()).or_default().clone()
    }

    /// The summaries to store after adding `chunk`: merged with the `stored` ones while steps
    /// move forward, recomputed from every chunk for a metric whose steps were revisited —
    /// unless chunk `chunk_id` is recorded already (a retry), which answers its record.
    async fn merged_summaries(
        &self,
        experiment: &ExperimentId,
        chunk_id: &str,
        stored: Vec<MeasuredSummary>,
        chunk: &Arc<ChunkSeries>,
    ) -> Result<Merged> {
        let stored: HashMap<String, MeasuredSummary> = stored
            .into_iter()
            .map(|summary| (summary.metric.clone(), summary))
            .collect();
        let mut revisited = Vec::new();
        let mut merged = BTreeMap::new();
        for (metric, series) in chunk.metrics() {
            let summary = Summary::of(series);
            let metric = metric.to_owned();
            let first_step = series.steps.first().copied().unwrap_or_default();
            match stored.get(&metric) {
                None => {
                    merged.insert(metric, summary);
                }
                Some(old) if first_step as i64 > old.last_step => {
                    merged.insert(metric, from_measured(old).merge(&summary));
                }
                Some(_) => revisited.push(metric),
            }
        }
        if !revisited.is_empty() {
            // A retry of a recorded chunk revisits every step it holds: it is answered from
            // its record before any chunk is read.
            if let Some(existing) = self.graph.chunk(experiment, chunk_id).await? {
                return Ok(Merged::Recorded(existing));
            }
            let mut chunks = self.chunk_points(&self.graph.chunks(experiment).await?).await?;
            chunks.push(chunk.clone());
            for metric in revisited {
                let series = metrics::merge_series(&chunks, &metric);
                merged.insert(metric, Summary::of(&series));
            }
        }
        Ok(Merged::Summaries(to_measured(merged)))
    }

    /// The series of each chunk, in manifest order, from the cache or else read and decoded
    /// from the blob store (the missing ones side by side); shared, never copied.
    async fn chunk_points(&self, recorded: &[ChunkRecord]) -> Result<Vec<Arc<ChunkSeries>>> {
        self.load_series(&digests_of(recorded)?).await
    }

    /// The stored series objects (chunks or overviews) `digests`, from the cache or decoded.
    async fn load_series(&self, digests: &[Digest]) -> Result<Vec<Arc<ChunkSeries>>> {
        let loads = self
            .fetch_series(digests)
            .await?
            .into_iter()
            .map(|fetched| async move {
                let (digest, bytes) = match fetched {
                    Fetched::Decoded(series) => return Ok(series),
                    Fetched::Encoded(digest, bytes) => (digest, bytes),
                };
                let series = tokio::task::spawn_blocking(move || metrics::decode_parquet(&bytes))
                    .await
                    .map_err(|error| Error::Internal(format!("decoding a chunk failed: {error}")))??;
                let series = Arc::new(series);
                self.remember(digest, series.clone());
                Ok(series)
            });
        futures::future::try_join_all(loads).await
    }

    /// The stored series objects `digests`: decoded from the cache, else their bytes read from
    /// the blob store (the missing ones side by side), still to decode.
    async fn fetch_series(&self, digests: &[Digest]) -> Result<Vec<Fetched>> {
        let cached: Vec<Option<Arc<ChunkSeries>>> = {
            let cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            digests
                .iter()
                .map(|digest| cache.chunks.get(digest).cloned())
                .collect()
        };
        let fetches = digests.iter().zip(cached).map(|(digest, cached)| async move {
            Ok(match cached {
                Some(series) => Fetched::Decoded(series),
                None => Fetched::Encoded(*digest, self.blobs.get_bytes(digest).await?),
            })
        });
        futures::future::try_join_all(fetches).await
    }

    /// What a compaction merges, for [`compact_points`] (decoded there, off the async workers).
    async fn compaction_inputs(&self, recorded: &[ChunkRecord]) -> Result<Vec<Fetched>> {
        self.fetch_series(&digests_of(recorded)?).await
    }

    fn forget(&self, digest: &Digest) {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(series) = cache.chunks.remove(digest) {
            cache.points -= series.len();
            cache.order.retain(|kept| kept != digest);
        }
    }

    fn remember(&self, digest: Digest, series: Arc<ChunkSeries>) {
        if series.len() > CACHE_OBJECT_POINTS {
            return;
        }
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.chunks.contains_key(&digest) {
            return;
        }
        while cache.points + series.len() > CACHE_POINTS {
            let Some(oldest) = cache.order.pop_front() else {
                break;
            };
            if let Some(evicted) = cache.chunks.remove(&oldest) {
                cache.points -= evicted.len();
            }
        }
        cache.points += series.len();
        cache.chunks.insert(digest, series);
        cache.order.push_back(digest);
    }
}

/// The blob digest of each chunk record.
fn digests_of(recorded: &[ChunkRecord]) -> Result<Vec<Digest>> {
    recorded
        .iter()
        .map(|record| Digest::parse("digest", &record.digest))
        .collect()
}

/// A stored series object: decoded (from the cache), or its bytes still to decode.
enum Fetched {
    Decoded(Arc<ChunkSeries>),
    Encoded(Digest, Bytes),
}

impl Fetched {
    fn decode(self) -> Result<Arc<ChunkSeries>> {
        match self {
            Fetched::Decoded(series) => Ok(series),
            Fetched::Encoded(_, bytes) => Ok(Arc::new(metrics::decode_parquet(&bytes)?)),
        }
    }
}

/// What a compaction computes from the points it merges.
struct Compacted {
    merged: Arc<ChunkSeries>,
    /// The merged chunk's Parquet object.
    encoded: Bytes,
    /// The overview and its Parquet object, when a metric is longer than
    /// [`metrics::OVERVIEW_POINTS`].
    overview: Option<(ChunkSeries, Bytes)>,
    /// Every metric's summary of the merged points.
    summaries: BTreeMap<String, Summary>,
}

/// A compaction's CPU work, on the background thread ([`background::run`]): decodes the
/// chunks `inputs` (oldest first), merges them, and encodes the result and its overview. The
/// decoded inputs are dropped once merged, so a large tier's memory is held once, not twice.
fn compact_points(inputs: Vec<Fetched>) -> Result<Compacted> {
    let chunks = inputs
        .into_iter()
        .map(Fetched::decode)
        .collect::<Result<Vec<_>>>()?;
    let merged = ChunkSeries::merge(&chunks);
    drop(chunks);
    let encoded = metrics::encode_parquet(&merged)?;
    let long_metric = merged
        .metrics()
        .any(|(_, series)| series.len() > metrics::OVERVIEW_POINTS);
    let overview = if long_metric {
        let overview = metrics::overview(&merged);
        let encoded = metrics::encode_parquet(&overview)?;
        Some((overview, encoded))
    } else {
        None
    };
    Ok(Compacted {
        summaries: metrics::summarize(&merged),
        merged: Arc::new(merged),
        encoded,
        overview,
    })
}

/// Which of the live chunks `records` (oldest first) a compaction merges: the newest
/// contiguous run — so the merged chunk keeps its place in the write order, and the last write
/// of a step still wins — holding at most [`MAX_COMPACTED_POINTS`] points (bigger chunks are
/// left as they are, so a compaction's memory and time stay bounded however long a run logs).
/// While the run is live, an older chunk joins only when the newer ones together hold at least
/// half its points: each point is rewritten about log₂ n times over n chunks, instead of at
/// every compaction. Once the run has finished, everything within the bound merges.
fn compaction_run(records: &[ChunkRecord], finished: bool) -> &[ChunkRecord] {
    let mut start = records.len();
    let mut points: i64 = 0;
    while let Some(older) = start.checked_sub(1).map(|index| &records[index]) {
        let joined = points.saturating_add(older.points);
        let unbalanced = !finished && points > 0 && older.points > 2 * points;
        if joined > MAX_COMPACTED_POINTS || unbalanced {
            break;
        }
        points = joined;
        start -= 1;
    }
    &records[start..]
}

/// Which stored object a read takes for each live chunk whose steps meet its range, oldest
/// first: a chunk's overview when it has one, the read asks for at most
/// [`OVERVIEW_READ_POINTS`] points and its range covers the whole chunk; else the chunk itself.
/// So a chart of a long live run decodes its compacted chunks' overviews and the raw chunks
/// logged since, not millions of points. The choice depends only on the request and the
/// manifest (and, for the raw tail, on the stored points), never on what is cached.
struct ReadPlan<'a> {
    parts: Vec<(&'a ChunkRecord, Option<&'a str>)>,
}

impl<'a> ReadPlan<'a> {
    fn new(
        records: &'a [ChunkRecord],
        max_points: usize,
        from_step: Option<u64>,
        to_step: Option<u64>,
    ) -> Self {
        let from = from_step.map_or(i64::MIN, |step| i64::try_from(step).unwrap_or(i64::MAX));
        let to = to_step.map_or(i64::MAX, |step| i64::try_from(step).unwrap_or(i64::MAX));
        let parts = records
            .iter()
            .filter(|record| record.max_step >= from && record.min_step <= to)
            .map(|record| {
                let covered = from <= record.min_step && record.max_step <= to;
                let overview = record
                    .overview
                    .as_deref()
                    .filter(|_| covered && max_points <= OVERVIEW_READ_POINTS);
                (record, overview)
            })
            .collect();
        Self { parts }
    }

    /// The blobs to load, one per part.
    fn digests(&self) -> Result<Vec<Digest>> {
        (0..self.parts.len()).map(|index| self.digest(index)).collect()
    }

    /// The blob part `index` loads.
    fn digest(&self, index: usize) -> Result<Digest> {
        match self.parts[index] {
            (_, Some(overview)) => Digest::parse("overview", overview),
            (record, None) => Digest::parse("digest", &record.digest),
        }
    }

    /// The index of the newest part read from an overview.
    fn newest_overview(&self) -> Option<usize> {
        self.parts.iter().rposition(|(_, overview)| overview.is_some())
    }

    /// The largest step of the parts up to `index`: later steps are in later parts only.
    fn max_step_up_to(&self, index: usize) -> u64 {
        let largest = self.parts[..=index]
            .iter()
            .map(|(record, _)| record.max_step)
            .max();
        u64::try_from(largest.unwrap_or_default()).unwrap_or_default()
    }

    fn read_whole(&mut self, index: usize) {
        self.parts[index].1 = None;
    }

    /// Whether the parts mix overviews (few points standing for many) with others, so that
    /// buckets must span steps rather than points.
    fn mixes_densities(&self) -> bool {
        self.parts.len() > 1 && self.newest_overview().is_some()
    }
}

/// The manifest entry of a chunk stored as the blob `digest` of `bytes` bytes.
fn new_chunk(chunk_id: String, digest: Digest, series: &ChunkSeries, bytes: i64) -> NewChunk {
    let (min_step, max_step) = series.step_range().unwrap_or_default();
    NewChunk {
        chunk_id,
        digest: digest.to_hex(),
        points: series.len() as i64,
        min_step: min_step as i64,
        max_step: max_step as i64,
        metrics: series.metric_names(),
        bytes,
        overview: None,
        audit: None,
    }
}

fn ack(record: &ChunkRecord, duplicate: bool, live_chunks: usize) -> Ack {
    Ack {
        chunk_id: record.chunk_id.clone(),
        sequence: record.sequence,
        points: record.points,
        duplicate,
        metrics: record.metrics.clone(),
        last_step: record.max_step,
        live_chunks,
        digest: record.digest.clone(),
    }
}

fn from_measured(stored: &MeasuredSummary) -> Summary {
    Summary {
        last: stored.last,
        last_step: stored.last_step.max(0) as u64,
        min: stored.min,
        max: stored.max,
        mean: stored.mean,
        count: stored.count.max(0) as u64,
        finite_count: stored.finite_count.max(0) as u64,
        recent: Recent::of(&stored.recent),
    }
}

fn to_measured(summaries: BTreeMap<String, Summary>) -> Vec<MeasuredSummary> {
    summaries
        .into_iter()
        .map(|(metric, summary)| MeasuredSummary {
            metric,
            last: summary.last,
            last_step: summary.last_step as i64,
            min: summary.min,
            max: summary.max,
            mean: summary.mean,
            count: summary.count as i64,
            finite_count: summary.finite_count as i64,
            recent: summary.recent.values().to_vec(),
        })
        .collect()
}

/// Steps are stored as signed integers in the graph; a step past `i64::MAX` is refused.
pub fn check_steps(chunk: &Chunk) -> Result<()> {
    match chunk.points.iter().position(|point| point.step > i64::MAX as u64) {
        Some(index) => Err(Error::Invalid {
            field: format!("points[{index}].step"),
            reason: format!("must be at most {}", i64::MAX),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Live chunks holding `points` each, oldest first.
    fn manifest(points: &[i64]) -> Vec<ChunkRecord> {
        points
            .iter()
            .enumerate()
            .map(|(index, &points)| ChunkRecord {
                experiment_id: ExperimentId("run".into()),
                chunk_id: format!("c{index}"),
                sequence: index as i64 + 1,
                digest: String::new(),
                points,
                min_step: 0,
                max_step: 0,
                metrics: Vec::new(),
                bytes: 0,
                overview: None,
                created_at: chrono::Utc::now(),
                compacted_into: None,
            })
            .collect()
    }

    fn merged(points: &[i64], finished: bool) -> Vec<i64> {
        let records = manifest(points);
        compaction_run(&records, finished)
            .iter()
            .map(|record| record.points)
            .collect()
    }

    #[test]
    fn a_live_run_schedules_compaction_as_it_passes_each_multiple_of_the_limit() {
        let acked = |live_chunks: usize, duplicate: bool| Ack {
            chunk_id: "c".into(),
            sequence: 1,
            points: 1,
            duplicate,
            metrics: Vec::new(),
            last_step: 0,
            live_chunks,
            digest: String::new(),
        };
        let due: Vec<usize> = (1..=200)
            .filter(|&live| acked(live, false).compaction_due())
            .collect();
        assert_eq!(
            due,
            vec![
                COMPACT_AFTER_CHUNKS + 1,
                2 * COMPACT_AFTER_CHUNKS + 1,
                3 * COMPACT_AFTER_CHUNKS + 1
            ]
        );
        assert!(
            !acked(COMPACT_AFTER_CHUNKS + 1, true).compaction_due(),
            "a retry stored nothing"
        );
    }

    #[test]
    fn a_live_run_merges_its_newest_chunks_tier_by_tier() {
        let small = vec![1_000; 65];
        assert_eq!(merged(&small, false).len(), 65, "equal chunks all merge");
        let mut after_big = vec![450_000];
        after_big.extend(&small);
        assert_eq!(merged(&after_big, false), small, "the big chunk waits");
        let mut cascade = vec![450_000, 120_000];
        cascade.extend(&small[..64]);
        assert_eq!(
            merged(&cascade, false).iter().sum::<i64>(),
            120_000 + 64_000,
            "a chunk joins once the newer ones hold half its points"
        );
    }

    #[test]
    fn a_finished_run_merges_everything_within_the_bound() {
        let mut points = vec![450_000, 130_000];
        points.extend([1_000; 64]);
        assert_eq!(merged(&points, true).len(), 66);
        let over = vec![MAX_COMPACTED_POINTS - 10, 5, 5, 5];
        assert_eq!(merged(&over, true), [5, 5, 5], "no chunk grows past the bound");
        assert_eq!(merged(&[MAX_COMPACTED_POINTS + 1, 5], true), [5]);
    }
}
