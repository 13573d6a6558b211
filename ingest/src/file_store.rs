//! Experiment files over the graph (which content each path holds) and the blob store (the
//! bytes): capture policies, the "what do you lack" upload plan, storing contents whole or as
//! a delta against the parent's version, commits, reads, trees with their status against
//! another experiment, text diffs, tar downloads and garbage collection.
//!
//! Storage model: a content is stored once by its sha256, so a child's unchanged files cost
//! nothing. A changed text file is stored as a delta ([`files::encode_delta`]) against the
//! version of the same path in the experiment itself or its primary parent when the delta is
//! at most a quarter of the file and the chain of deltas stays short; anything else (binary
//! files, first versions, large rewrites) is one whole blob.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{future, stream, StreamExt as _, TryStreamExt as _};
use graph::ids::ExperimentId;
use graph::model::{ContentStorage, Experiment, FileChange, FileVersion, StoredContent};
use graph::Graph;
use sha2::{Digest as _, Sha256};

use crate::blob::{self, BlobStore, BlobStream, ByteSource, Digest};
use crate::files::{self, CapturePolicy, TextDiff};
use crate::{Error, Result};

/// Longest delta chain: rebuilding a content applies at most this many deltas.
pub const MAX_DELTA_CHAIN: i64 = 8;
/// Largest file considered for delta storage (the delta is computed in memory).
pub const MAX_DELTA_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest file a text diff reads.
pub const MAX_DIFF_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Lines of context around each change in a text diff, and the most lines it shows.
const DIFF_CONTEXT: usize = 3;
const DIFF_MAX_LINES: usize = 20_000;

/// Where the earlier version of a path, which a new content may be stored as a delta
/// against, is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lineage {
    /// The experiment files (`PRODUCED`).
    Files,
    /// The code snapshots (`HAS_CODE`, `CONTAINS`).
    Code,
}

/// One file of an upload manifest, as the client describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub path: String,
    pub size: u64,
    /// The sha256 of the content, lowercase hex.
    pub hash: String,
    pub mime: String,
}

/// How a path compares with the same path of another experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Unchanged,
}

/// One path of a tree compared with another experiment's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub path: String,
    pub status: FileStatus,
    /// The version in this experiment (the deleted one for a path deleted here).
    pub this: Option<FileVersion>,
    /// The version in the other experiment.
    pub other: Option<FileVersion>,
}

/// The diff of one path between two experiments.
#[derive(Debug, Clone, PartialEq)]
pub enum FileDiff {
    /// Both sides are text (or absent): line hunks with word highlights.
    Text {
        left: Option<FileVersion>,
        right: Option<FileVersion>,
        diff: TextDiff,
    },
    /// At least one side is binary or too large to diff: compare hash, size and mime.
    Binary {
        left: Option<FileVersion>,
        right: Option<FileVersion>,
    },
}

/// Where a member of a streamed tar takes its bytes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarContent {
    /// Bytes at hand (a small generated file).
    Bytes(Bytes),
    /// A stored content, by hash.
    Stored(String),
}

/// One regular file of a streamed tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarMember {
    pub path: String,
    /// The content's size: the header declares it before the content is read.
    pub size: u64,
    pub mode: u32,
    pub content: TarContent,
}

/// A tar archive being streamed, with its length in bytes.
pub struct TarStream {
    pub length: u64,
    pub stream: BlobStream,
}

impl std::fmt::Debug for TarStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TarStream").field("length", &self.length).finish()
    }
}

/// What a garbage collection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CollectReport {
    /// Contents no file version used, deleted with their blobs.
    pub deleted: usize,
    /// Contents kept: used, a delta base, or younger than the grace period.
    pub kept: usize,
    /// Blobs no record named (left by a crash), older than the grace period, deleted.
    pub orphans: usize,
}

/// Experiment files, over the graph and the blob store.
#[derive(Clone)]
pub struct FileStore {
    graph: Graph,
    blobs: Arc<dyn BlobStore>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore").field("blobs", &self.blobs).finish()
    }
}

impl FileStore {
    pub fn new(graph: Graph, blobs: Arc<dyn BlobStore>) -> Self {
        Self { graph, blobs }
    }

    /// A project's capture policies: the stored ones, and the built-in `project-default`
    /// unless the project replaced it; by name.
    pub async fn policies(&self, project: &str) -> Result<Vec<CapturePolicy>> {
        let mut policies: BTreeMap<String, CapturePolicy> = BTreeMap::new();
        for (name, json) in self.graph.capture_policies(project).await? {
            let policy: CapturePolicy = serde_json::from_str(&json).map_err(|error| {
                Error::Internal(format!("stored capture policy {name} is unreadable: {error}"))
            })?;
            policies.insert(name, policy);
        }
        let default = CapturePolicy::project_default();
        policies.entry(default.name.clone()).or_insert(default);
        Ok(policies.into_values().collect())
    }

    /// The policy named `name` (default `project-default`); [`Error::Invalid`] on `policy`
    /// naming the ones there are when the project has no such policy.
    pub async fn policy(&self, project: &str, name: Option<&str>) -> Result<CapturePolicy> {
        let name = name.unwrap_or("project-default");
        let policies = self.policies(project).await?;
        let names: Vec<&str> = policies.iter().map(|policy| policy.name.as_str()).collect();
        let reason = format!("no capture policy `{name}` in project {project}; it has {names:?}");
        policies
            .iter()
            .find(|policy| policy.name == name)
            .cloned()
            .ok_or(Error::Invalid {
                field: "policy".into(),
                reason,
            })
    }

    /// Validates and stores a named policy (replacing one of the same name, the built-in
    /// `project-default` included).
    pub async fn set_policy(&self, project: &str, policy: CapturePolicy) -> Result<CapturePolicy> {
        policy.validate()?;
        let json = serde_json::to_string(&policy).map_err(|error| Error::Internal(error.to_string()))?;
        self.graph.set_capture_policy(project, &policy.name, json).await?;
        Ok(policy)
    }

    /// Removes a stored policy (removing a replaced `project-default` restores the built-in).
    pub async fn remove_policy(&self, project: &str, name: &str) -> Result<()> {
        Ok(self.graph.remove_capture_policy(project, name).await?)
    }

    /// Checks a manifest against the policy and answers the paths whose content the server
    /// lacks: only those need uploading. `entries` are the files that change; the
    /// experiment's other current files count towards its size limit.
    pub async fn plan(
        &self,
        project: &str,
        experiment: &Experiment,
        policy: Option<&str>,
        entries: &[ManifestEntry],
    ) -> Result<Vec<String>> {
        let (entries, current) = self.check_manifest(project, experiment, policy, entries).await?;
        // The contents the experiment holds already are stored: no need to ask.
        let mut asked: BTreeSet<String> = current.into_values().map(|file| file.hash).collect();
        let mut lacking = Vec::new();
        for entry in &entries {
            if asked.insert(entry.hash.clone()) && self.graph.file_content(&entry.hash).await?.is_none() {
                lacking.push(entry.path.clone());
            }
        }
        Ok(lacking)
    }

    /// Stores the content of one file of `experiment` (`path`, declared `hash` and `mime`),
    /// verifying the hash; whole, or as a delta against the previous version of the path in
    /// the experiment or its parent when that is much smaller. Content stored already is not
    /// stored again.
    pub async fn put_content(
        &self,
        experiment: &Experiment,
        path: &str,
        hash: &str,
        mime: &str,
        content: Bytes,
    ) -> Result<StoredContent> {
        self.put_content_in(Lineage::Files, experiment, path, hash, mime, content)
            .await
    }

    /// [`FileStore::put_content`] with the delta base looked up in `lineage`: the files, or
    /// the code snapshots, of the experiment and its primary parent.
    pub(crate) async fn put_content_in(
        &self,
        lineage: Lineage,
        experiment: &Experiment,
        path: &str,
        hash: &str,
        mime: &str,
        content: Bytes,
    ) -> Result<StoredContent> {
        let path = files::validate_path("path", path)?;
        let hash = check_hash("hash", hash)?;
        check_mime("mime", mime)?;
        let actual = hex::encode(Sha256::digest(&content));
        if actual != hash {
            return Err(Error::HashMismatch {
                expected: hash,
                actual,
            });
        }
        if let Some(stored) = self.graph.file_content(&hash).await? {
            self.ensure_blob(&stored, &content).await?;
            return Ok(stored);
        }
        let text = files::is_text(&content);
        let delta = match text && content.len() as u64 <= MAX_DELTA_FILE_BYTES {
            true => {
                self.delta_against_previous(lineage, experiment, &path, &content)
                    .await?
            }
            false => None,
        };
        let (storage, stored_bytes, base, chain) = match delta {
            Some((base, delta)) => (ContentStorage::Delta, delta, Some(base.hash), base.chain + 1),
            None => (ContentStorage::Full, content.clone(), None, 0),
        };
        let receipt = self.blobs.put(stored_bytes.clone(), None).await?;
        let record = StoredContent {
            hash,
            size: content.len() as i64,
            mime: mime.to_owned(),
            text,
            storage,
            blob: receipt.digest.to_hex(),
            base,
            chain,
        };
        let stored = self.graph.record_file_content(record).await?;
        if stored.blob == receipt.digest.to_hex() {
            blob::restore_if_collected(&*self.blobs, &receipt.digest, stored_bytes).await?;
        }
        Ok(stored)
    }

    /// Stores a content streamed from `source` as one whole blob, verifying its hash while it
    /// is written: for large contents (over [`MAX_DELTA_FILE_BYTES`], which are never stored
    /// as deltas), so the server never holds them in memory. Whether it is text is judged by
    /// its first chunk. A content stored already is not stored again (its missing blob is put
    /// back).
    pub async fn put_content_stream(
        &self,
        path: &str,
        hash: &str,
        mime: &str,
        source: ByteSource,
    ) -> Result<StoredContent> {
        files::validate_path("path", path)?;
        let hash = check_hash("hash", hash)?;
        check_mime("mime", mime)?;
        let digest = Digest::parse("hash", &hash)?;
        let stored = self.graph.file_content(&hash).await?;
        if let Some(stored) = stored
            .as_ref()
            .filter(|stored| stored.storage == ContentStorage::Delta)
        {
            return Ok(stored.clone());
        }
        let text = Arc::new(std::sync::OnceLock::new());
        let first_chunk = text.clone();
        let source = source
            .inspect_ok(move |chunk| {
                first_chunk.get_or_init(|| files::starts_like_text(chunk));
            })
            .boxed();
        let receipt = self.blobs.put_stream(source, Some(digest)).await?;
        if let Some(stored) = stored {
            return Ok(stored);
        }
        let record = StoredContent {
            hash,
            size: receipt.size as i64,
            mime: mime.to_owned(),
            text: text.get().copied().unwrap_or(true),
            storage: ContentStorage::Full,
            blob: receipt.digest.to_hex(),
            base: None,
            chain: 0,
        };
        let stored = self.graph.record_file_content(record).await?;
        if self.blobs.head(&receipt.digest).await?.is_none() {
            return Err(Error::Unavailable {
                service: "blob store",
                reason: "the uploaded content was collected before it was recorded: upload it again".into(),
            });
        }
        Ok(stored)
    }

    /// Records the manifest's files (each content uploaded before) and deletions of paths,
    /// atomically, after checking the manifest against the policy again; answers the
    /// experiment's files afterwards.
    pub async fn commit(
        &self,
        project: &str,
        experiment: &Experiment,
        policy: Option<&str>,
        entries: &[ManifestEntry],
        deleted: &[String],
    ) -> Result<Vec<FileVersion>> {
        let (entries, current) = self.check_manifest(project, experiment, policy, entries).await?;
        let deleted = deleted
            .iter()
            .enumerate()
            .map(|(index, path)| files::validate_path(&format!("deleted[{index}]"), path))
            .collect::<Result<Vec<_>>>()?;
        for (index, entry) in entries.iter().enumerate() {
            let unchanged = current
                .get(&entry.path)
                .is_some_and(|file| file.hash == entry.hash && file.size == entry.size as i64);
            if unchanged {
                continue; // its content is stored, with this size
            }
            let Some(stored) = self.graph.file_content(&entry.hash).await? else {
                return Err(Error::Invalid {
                    field: format!("files[{index}].hash"),
                    reason: format!(
                        "content {} of {} was not uploaded: upload it first",
                        entry.hash, entry.path
                    ),
                });
            };
            if stored.size != entry.size as i64 {
                return Err(Error::Invalid {
                    field: format!("files[{index}].size"),
                    reason: format!(
                        "{} bytes declared, the content {} has {}",
                        entry.size, entry.hash, stored.size
                    ),
                });
            }
        }
        let changes = entries
            .into_iter()
            .map(|entry| FileChange {
                path: entry.path,
                hash: entry.hash,
            })
            .collect();
        Ok(self.graph.commit_files(experiment, changes, deleted).await?)
    }

    /// The bytes of a stored content, rebuilt through its delta chain.
    pub async fn read(&self, hash: &str) -> Result<Bytes> {
        let mut chain = Vec::new();
        let mut next = Some(hash.to_owned());
        while let Some(hash) = next {
            let stored = self.stored(&hash).await?;
            next = stored.base.clone();
            chain.push(stored);
            if chain.len() as i64 > MAX_DELTA_CHAIN + 1 {
                return Err(Error::Internal(format!("the delta chain of {hash} is too long")));
            }
        }
        let mut content: Option<Bytes> = None;
        for stored in chain.into_iter().rev() {
            let digest = Digest::parse("blob", &stored.blob)?;
            let bytes = self.blobs.get_bytes(&digest).await?;
            content = Some(match (stored.storage, content) {
                (ContentStorage::Full, _) => bytes,
                (ContentStorage::Delta, Some(base)) => {
                    let rebuilt = tokio::task::spawn_blocking(move || files::apply_delta(&base, &bytes))
                        .await
                        .map_err(|error| Error::Internal(format!("applying a delta failed: {error}")))??;
                    Bytes::from(rebuilt)
                }
                (ContentStorage::Delta, None) => {
                    return Err(Error::Internal(format!(
                        "delta content {} has no base",
                        stored.hash
                    )));
                }
            });
        }
        content.ok_or_else(|| Error::Internal("an empty delta chain".into()))
    }

    /// The current, not deleted version of `path` in `experiment`.
    pub async fn file(&self, experiment: &ExperimentId, path: &str) -> Result<FileVersion> {
        let path = files::validate_path("path", path)?;
        self.graph
            .current_files(experiment)
            .await?
            .into_iter()
            .find(|file| file.path == path && !file.deleted)
            .ok_or(Error::NotFound {
                entity: "file",
                id: path,
            })
    }

    /// The experiment's tree compared with `other`'s (an empty tree when `None`, as for a
    /// root; [`Graph::compared_with`] picks the default): every path present on either side,
    /// by path.
    pub async fn tree(&self, experiment: &Experiment, other: Option<&Experiment>) -> Result<Vec<TreeEntry>> {
        let this = self.graph.current_files(&experiment.id).await?;
        let theirs = match other {
            Some(other) => self.graph.current_files(&other.id).await?,
            None => Vec::new(),
        };
        Ok(compare_trees(this, theirs))
    }

    /// The diff of `path` between `left` and `right` (either may lack it).
    pub async fn diff(&self, left: &ExperimentId, right: &ExperimentId, path: &str) -> Result<FileDiff> {
        let path = files::validate_path("path", path)?;
        let find =
            |files: Vec<FileVersion>| files.into_iter().find(|file| file.path == path && !file.deleted);
        let left_file = find(self.graph.current_files(left).await?);
        let right_file = find(self.graph.current_files(right).await?);
        if left_file.is_none() && right_file.is_none() {
            return Err(Error::NotFound {
                entity: "file",
                id: path,
            });
        }
        let left_hash = left_file.as_ref().map(|file| file.hash.as_str());
        let right_hash = right_file.as_ref().map(|file| file.hash.as_str());
        Ok(match self.diff_contents(left_hash, right_hash).await? {
            Some(diff) => FileDiff::Text {
                left: left_file,
                right: right_file,
                diff,
            },
            None => FileDiff::Binary {
                left: left_file,
                right: right_file,
            },
        })
    }

    /// The line diff of two stored contents (an absent side is empty), or `None` when a side
    /// is binary or too large to diff.
    pub(crate) async fn diff_contents(
        &self,
        left: Option<&str>,
        right: Option<&str>,
    ) -> Result<Option<TextDiff>> {
        let mut texts = Vec::with_capacity(2);
        for hash in [left, right] {
            let Some(hash) = hash else {
                texts.push(String::new());
                continue;
            };
            let stored = self.stored(hash).await?;
            if !stored.text || stored.size as u64 > MAX_DIFF_FILE_BYTES {
                return Ok(None);
            }
            let bytes = self.read(hash).await?;
            texts.push(
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| Error::Internal(format!("text content {hash} is not utf-8")))?,
            );
        }
        let right_text = texts.pop().unwrap_or_default();
        let left_text = texts.pop().unwrap_or_default();
        let diff = tokio::task::spawn_blocking(move || {
            files::text_diff(&left_text, &right_text, DIFF_CONTEXT, DIFF_MAX_LINES)
        })
        .await
        .map_err(|error| Error::Internal(format!("diffing failed: {error}")))?;
        Ok(Some(diff))
    }

    /// Streams a stored content: a whole blob straight from the blob store, a delta (at most
    /// [`MAX_DELTA_FILE_BYTES`]) rebuilt first.
    pub async fn open(&self, hash: &str) -> Result<BlobStream> {
        let stored = self.stored(hash).await?;
        match stored.storage {
            ContentStorage::Full => self.blobs.get(&Digest::parse("blob", &stored.blob)?).await,
            ContentStorage::Delta => {
                let bytes = self.read(hash).await?;
                Ok(stream::once(future::ready(Ok(bytes))).boxed())
            }
        }
    }

    /// Every current file of the experiment as one tar archive (paths below the root),
    /// streamed.
    pub async fn tar(&self, experiment: &ExperimentId) -> Result<TarStream> {
        let members = self
            .graph
            .current_files(experiment)
            .await?
            .into_iter()
            .filter(|file| !file.deleted)
            .map(|file| TarMember {
                path: file.path,
                size: file.size as u64,
                mode: 0o644,
                content: TarContent::Stored(file.hash),
            })
            .collect();
        self.tar_stream(members)
    }

    /// A tar of `members`, streamed a member at a time (a stored content is read only when
    /// its turn comes); every header is made, and every path checked, before the first byte.
    pub fn tar_stream(&self, members: Vec<TarMember>) -> Result<TarStream> {
        let mut length = files::TAR_END.len() as u64;
        let mut parts = Vec::with_capacity(members.len());
        for member in members {
            let header = files::tar_header(&member.path, member.size, member.mode)?;
            length += header.len() as u64 + member.size + files::tar_padding(member.size).len() as u64;
            parts.push((Bytes::from(header), member.size, member.content));
        }
        let store = self.clone();
        let stream = stream::iter(parts)
            .map(move |(header, size, content)| {
                let store = store.clone();
                let content: BlobStream = match content {
                    TarContent::Bytes(bytes) => stream::once(future::ready(Ok(bytes))).boxed(),
                    TarContent::Stored(hash) => stream::once(async move { store.open(&hash).await })
                        .try_flatten()
                        .boxed(),
                };
                let padding = Bytes::from_static(files::tar_padding(size));
                stream::once(future::ready(Ok(header)))
                    .chain(content)
                    .chain(stream::once(future::ready(Ok(padding))))
            })
            .flatten()
            .chain(stream::once(future::ready(Ok(Bytes::from_static(
                &files::TAR_END,
            )))))
            .boxed();
        Ok(TarStream { length, stream })
    }

    /// Deletes every content no file version uses (nor a delta of a used content applies
    /// to) and older than `grace` (an upload not committed yet is younger), with its blob;
    /// then every blob no record names, written more than `grace` ago.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<CollectReport> {
        let uses = self.graph.file_content_uses().await?;
        let by_hash: HashMap<&str, &graph::model::ContentUse> = uses
            .iter()
            .map(|content| (content.hash.as_str(), content))
            .collect();
        // A used content keeps its whole chain of bases.
        let mut needed: BTreeSet<&str> = BTreeSet::new();
        for content in uses.iter().filter(|content| content.uses > 0) {
            let mut next = Some(content.hash.as_str());
            while let Some(hash) = next.filter(|hash| needed.insert(hash)) {
                next = by_hash.get(hash).and_then(|content| content.base.as_deref());
            }
        }
        let bases: Vec<String> = uses.iter().filter_map(|content| content.base.clone()).collect();
        let cutoff = chrono::Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
        let mut report = CollectReport::default();
        for content in &uses {
            let collectable = !needed.contains(content.hash.as_str()) && content.created_at < cutoff;
            if !collectable
                || !self
                    .graph
                    .delete_file_content_if_unused(&content.hash, bases.clone())
                    .await?
            {
                report.kept += 1;
                continue;
            }
            let digest = Digest::parse("blob", &content.blob)?;
            let in_use = || async { Ok(self.graph.blob_in_use(&content.blob).await?) };
            blob::delete_unless_used(&*self.blobs, &digest, in_use).await?;
            report.deleted += 1;
        }
        report.orphans = self.collect_orphans(cutoff).await?;
        Ok(report)
    }

    /// Deletes every blob that no record names ([`Graph::referenced_blobs`]: contents, metric
    /// chunks and their overviews) and that was written before `cutoff`: what a crash leaves
    /// between a put and the record naming it, or between a record's deletion and its blob's.
    /// Safe against writers as [`blob::delete_unless_used`] is. How many it deleted.
    async fn collect_orphans(&self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<usize> {
        let referenced = self.graph.referenced_blobs().await?;
        let candidates: Vec<Digest> = self
            .blobs
            .list()
            .try_filter(|digest| future::ready(!referenced.contains(&digest.to_hex())))
            .try_collect()
            .await?;
        let mut deleted = 0;
        for digest in candidates {
            let stored_at = self.blobs.stored_at(&digest).await?;
            if stored_at.is_none_or(|at| at >= cutoff) {
                continue; // gone meanwhile, or young enough to be about to be recorded
            }
            let hex = digest.to_hex();
            let in_use = || async { Ok(self.graph.blob_in_use(&hex).await?) };
            if blob::delete_unless_used(&*self.blobs, &digest, in_use).await? {
                deleted += 1;
            }
        }
        if deleted > 0 {
            tracing::info!(deleted, "deleted blobs that no record names");
        }
        Ok(deleted)
    }

    /// Validates paths, hashes, mimes and duplicates of a manifest and checks it against the
    /// policy; answers the entries with normalized paths, and the experiment's current (not
    /// deleted) files by path.
    async fn check_manifest(
        &self,
        project: &str,
        experiment: &Experiment,
        policy: Option<&str>,
        entries: &[ManifestEntry],
    ) -> Result<(Vec<ManifestEntry>, HashMap<String, FileVersion>)> {
        let matcher = self.policy(project, policy).await?.matcher()?;
        let mut seen = BTreeSet::new();
        let mut checked = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let path = files::validate_path(&format!("files[{index}].path"), &entry.path)?;
            if !seen.insert(path.clone()) {
                return Err(Error::Invalid {
                    field: format!("files[{index}].path"),
                    reason: format!("`{path}` appears twice in the manifest"),
                });
            }
            let hash = check_hash(&format!("files[{index}].hash"), &entry.hash)?;
            check_mime(&format!("files[{index}].mime"), &entry.mime)?;
            matcher.check_file(&format!("files[{index}].path"), &path, entry.size)?;
            checked.push(ManifestEntry {
                path,
                size: entry.size,
                hash,
                mime: entry.mime.clone(),
            });
        }
        let current: HashMap<String, FileVersion> = self
            .graph
            .current_files(&experiment.id)
            .await?
            .into_iter()
            .filter(|file| !file.deleted)
            .map(|file| (file.path.clone(), file))
            .collect();
        let unchanged_bytes: u64 = current
            .values()
            .filter(|file| !seen.contains(&file.path))
            .map(|file| file.size as u64)
            .sum();
        let total = unchanged_bytes + checked.iter().map(|entry| entry.size).sum::<u64>();
        matcher.check_total("files", total)?;
        Ok((checked, current))
    }

    /// The previous version of `path` in `lineage` (the experiment's own, else its primary
    /// parent's) to store `content` as a delta against, with the delta, when that saves
    /// enough.
    async fn delta_against_previous(
        &self,
        lineage: Lineage,
        experiment: &Experiment,
        path: &str,
        content: &Bytes,
    ) -> Result<Option<(StoredContent, Bytes)>> {
        let previous = match self.version_in(lineage, &experiment.id, path).await? {
            Some(hash) => Some(hash),
            None => match self.graph.primary_parent(experiment).await? {
                Some(parent) => self.version_in(lineage, &parent.id, path).await?,
                None => None,
            },
        };
        let Some(previous) = previous else {
            return Ok(None);
        };
        let Some(base) = self.graph.file_content(&previous).await? else {
            return Ok(None);
        };
        if !base.text || base.chain >= MAX_DELTA_CHAIN || base.size as u64 > MAX_DELTA_FILE_BYTES {
            return Ok(None);
        }
        let base_bytes = self.read(&base.hash).await?;
        let target = content.clone();
        let delta = tokio::task::spawn_blocking(move || files::encode_delta(&base_bytes, &target))
            .await
            .map_err(|error| Error::Internal(format!("computing a delta failed: {error}")))?;
        let worth_it = delta.len() * 4 <= content.len();
        Ok(worth_it.then(|| (base, Bytes::from(delta))))
    }

    /// The stored content `hash`; [`Error::NotFound`] when there is none.
    async fn stored(&self, hash: &str) -> Result<StoredContent> {
        self.graph
            .file_content(hash)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "file content",
                id: hash.to_owned(),
            })
    }

    /// The hash of the content at `path` in the experiment's files (current version) or code
    /// snapshot.
    async fn version_in(
        &self,
        lineage: Lineage,
        experiment: &ExperimentId,
        path: &str,
    ) -> Result<Option<String>> {
        Ok(match lineage {
            Lineage::Files => self
                .graph
                .current_files(experiment)
                .await?
                .into_iter()
                .find(|file| file.path == path)
                .map(|file| file.hash),
            Lineage::Code => self
                .graph
                .code_contents(experiment)
                .await?
                .into_iter()
                .find(|content| content.path == path)
                .map(|content| content.hash),
        })
    }

    /// Puts `content` back when its recorded blob is missing (a whole blob only: a delta's
    /// blob is not the content).
    async fn ensure_blob(&self, stored: &StoredContent, content: &Bytes) -> Result<()> {
        if stored.storage != ContentStorage::Full {
            return Ok(());
        }
        let digest = Digest::parse("blob", &stored.blob)?;
        blob::restore_if_collected(&*self.blobs, &digest, content.clone()).await
    }
}

/// Compares two trees path by path (see [`FileStore::tree`]).
fn compare_trees(this: Vec<FileVersion>, theirs: Vec<FileVersion>) -> Vec<TreeEntry> {
    let this = this.into_iter().map(|file| (file.path.clone(), file));
    let theirs = theirs
        .into_iter()
        .filter(|file| !file.deleted)
        .map(|file| (file.path.clone(), file));
    pair_by_path(this, theirs)
        .into_iter()
        .filter_map(|(path, this, other)| {
            let status = match (&this, &other) {
                (Some(file), None) if file.deleted => return None,
                (Some(file), Some(_)) if file.deleted => FileStatus::Deleted,
                (Some(_), None) => FileStatus::Added,
                (Some(file), Some(other)) if other.hash == file.hash => FileStatus::Unchanged,
                (Some(_), Some(_)) => FileStatus::Modified,
                (None, _) => FileStatus::Deleted,
            };
            Some(TreeEntry {
                path,
                status,
                this,
                other,
            })
        })
        .collect()
}

/// Pairs the entries of two trees by path: every path on either side with this side's and
/// the other side's entry, by path.
pub(crate) fn pair_by_path<T>(
    this: impl IntoIterator<Item = (String, T)>,
    theirs: impl IntoIterator<Item = (String, T)>,
) -> Vec<(String, Option<T>, Option<T>)> {
    let mut paired: BTreeMap<String, (Option<T>, Option<T>)> = BTreeMap::new();
    for (path, entry) in this {
        paired.entry(path).or_insert((None, None)).0 = Some(entry);
    }
    for (path, entry) in theirs {
        paired.entry(path).or_insert((None, None)).1 = Some(entry);
    }
    paired
        .into_iter()
        .map(|(path, (this, other))| (path, this, other))
        .collect()
}

/// A sha256 in lowercase hex (64 characters); upper case is accepted and lowered.
pub(crate) fn check_hash(field: &str, hash: &str) -> Result<String> {
    let hash = hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(Error::Invalid {
            field: field.to_owned(),
            reason: "must be a sha256 as 64 hexadecimal characters".into(),
        });
    }
    Ok(hash)
}

/// A media type such as `text/plain` or `application/octet-stream`: at most 255 printable
/// ASCII characters with one `/`.
pub(crate) fn check_mime(field: &str, mime: &str) -> Result<()> {
    let printable = mime.bytes().all(|byte| byte.is_ascii_graphic());
    if mime.is_empty() || mime.len() > 255 || !printable || mime.matches('/').count() != 1 {
        return Err(Error::Invalid {
            field: field.to_owned(),
            reason: "must be a media type such as text/plain (at most 255 characters)".into(),
        });
    }
    Ok(())
}
