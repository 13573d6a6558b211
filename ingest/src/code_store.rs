//! Code snapshots: the source tree an experiment ran, so it can be restored without a git
//! commit. A snapshot is git metadata (repository, remote, branch, HEAD commit), the
//! uncommitted patch (binary-safe, as `git diff --binary HEAD` writes it), the contents of
//! the source files the client uploaded (untracked files always; every file for a tarball),
//! and a manifest of every source file's sha256 so a restore can be verified.
//!
//! Contents are stored like experiment files ([`FileStore`]): once by hash, a changed text file
//! as a delta against the parent snapshot's version of the same path. The manifest is a JSON
//! content at [`MANIFEST_PATH`] and the patch a content at [`PATCH_PATH`]; source paths under
//! `.rsdk/` are reserved for them.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use graph::ids::ExperimentId;
use graph::model::{
    CodeCounts, CodeFormat, CodeSnapshot, Experiment, FileChange, GitReference, NewCodeSnapshot,
};
use graph::Graph;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::blob::{self, ByteSource};
use crate::file_store::{
    check_hash, check_mime, pair_by_path, FileStatus, FileStore, Lineage, ManifestEntry, TarContent,
    TarMember, TarStream,
};
use crate::files::{self, ArchiveLimits, TextDiff};
use crate::{Error, Result};

/// The folder of a snapshot's own files; source paths may not use it.
pub const RESERVED_FOLDER: &str = ".rsdk";
/// Where a snapshot's patch is stored and restored.
pub const PATCH_PATH: &str = ".rsdk/patch.diff";
/// Where a snapshot's manifest is stored and restored.
pub const MANIFEST_PATH: &str = ".rsdk/manifest.json";
/// Where a restore archive describes itself and the steps to rebuild the tree.
pub const RESTORE_PATH: &str = ".rsdk/restore.json";
/// Largest source file (or patch) whose content a snapshot stores.
pub const MAX_CODE_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most bytes of stored source files in one snapshot.
pub const MAX_CODE_BYTES: u64 = 1024 * 1024 * 1024;
/// Most source files one snapshot lists.
pub const MAX_CODE_FILES: usize = graph::MAX_FILES_PER_COMMIT;

/// One source file of a snapshot's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// The path below the repository root.
    pub path: String,
    /// The sha256 of the content, lowercase hex.
    pub hash: String,
    pub size: u64,
    /// Restored with mode 0755.
    #[serde(default)]
    pub executable: bool,
    /// Not tracked by git (and not ignored): its content is always stored.
    #[serde(default)]
    pub untracked: bool,
    /// Whether the content was uploaded (a tracked file may be listed by hash only, to be
    /// restored from its commit).
    #[serde(default)]
    pub stored: bool,
}

/// A snapshot's patch: the content holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchReference {
    pub hash: String,
    pub size: u64,
}

/// A snapshot as the client describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInput {
    pub format: CodeFormat,
    pub git: GitReference,
    pub patch: Option<PatchReference>,
    pub files: Vec<SourceFile>,
}

/// The stored manifest.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    version: u32,
    files: Vec<SourceFile>,
}

/// A recorded snapshot with its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub snapshot: CodeSnapshot,
    /// Every source file, by path.
    pub files: Vec<SourceFile>,
}

impl Snapshot {
    /// Whether every source file's content is stored, so the tree can be rebuilt without the
    /// repository.
    pub fn self_contained(&self) -> bool {
        self.files.iter().all(|file| file.stored)
    }
}

/// What a restore archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreMode {
    /// `Full` when every source file is stored, else `Git`.
    Auto,
    /// The base commit's reference, the patch and the untracked files: for a client that can
    /// reach the repository.
    Git,
    /// Every source file: for a client that cannot.
    Full,
}

/// One source path compared with another experiment's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    pub path: String,
    pub status: FileStatus,
    pub this: Option<SourceFile>,
    pub other: Option<SourceFile>,
}

/// The diff of one source path between two snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDiff {
    pub left: Option<SourceFile>,
    pub right: Option<SourceFile>,
    /// Line hunks with word highlights, when both sides are stored text (or absent).
    pub text: Option<TextDiff>,
    /// Why there is no text diff.
    pub reason: Option<String>,
}

/// Code snapshots over the graph and the file store.
#[derive(Debug, Clone)]
pub struct CodeStore {
    graph: Graph,
    files: FileStore,
}

impl CodeStore {
    pub fn new(graph: Graph, files: FileStore) -> Self {
        Self { graph, files }
    }

    /// Checks the files a client means to upload (path, size, sha256, mime of source files
    /// and of the patch at [`PATCH_PATH`]) and answers the paths whose content the server
    /// lacks: only those need uploading.
    pub async fn plan(&self, entries: &[ManifestEntry]) -> Result<Vec<String>> {
        let mut lacking = Vec::new();
        let mut asked = BTreeSet::new();
        for (index, entry) in entries.iter().enumerate() {
            let path = upload_path(&format!("files[{index}].path"), &entry.path)?;
            let hash = check_hash(&format!("files[{index}].hash"), &entry.hash)?;
            check_mime(&format!("files[{index}].mime"), &entry.mime)?;
            check_size(&format!("files[{index}].size"), entry.size)?;
            if asked.insert(hash.clone()) && self.graph.file_content(&hash).await?.is_none() {
                lacking.push(path);
            }
        }
        Ok(lacking)
    }

    /// Stores the content of one source file (or of the patch, at [`PATCH_PATH`]), verifying
    /// its hash; a changed text file is stored as a delta against the parent snapshot's
    /// version of the path when that is much smaller.
    pub async fn put_content(
        &self,
        experiment: &Experiment,
        path: &str,
        hash: &str,
        mime: &str,
        content: Bytes,
    ) -> Result<graph::model::StoredContent> {
        let path = upload_path("path", path)?;
        check_size("body", content.len() as u64)?;
        self.files
            .put_content_in(Lineage::Code, experiment, &path, hash, mime, content)
            .await
    }

    /// [`CodeStore::put_content`] for a large content (over the delta limit) streamed from
    /// `source`: one whole blob, its hash verified while it is written, at most
    /// [`MAX_CODE_FILE_BYTES`].
    pub async fn put_content_stream(
        &self,
        path: &str,
        hash: &str,
        mime: &str,
        source: ByteSource,
    ) -> Result<graph::model::StoredContent> {
        let path = upload_path("path", path)?;
        let source = blob::limited(source, MAX_CODE_FILE_BYTES, "the limit for one source file");
        self.files.put_content_stream(&path, hash, mime, source).await
    }

    /// Records the experiment's snapshot (replacing the one it had) after checking it:
    /// the format's requirements, git metadata, paths, and that every content it says is
    /// stored was uploaded with the declared size. Stores the manifest.
    pub async fn record(&self, experiment: &Experiment, input: SnapshotInput) -> Result<Snapshot> {
        let git = check_git(input.git)?;
        let patch = match input.patch {
            Some(patch) => Some(self.check_patch(patch).await?),
            None => None,
        };
        let files = self.check_files(input.format, input.files).await?;
        match input.format {
            CodeFormat::Git | CodeFormat::Commit if git.commit.is_none() => {
                return Err(invalid(
                    "git.commit",
                    format!(
                        "a `{}` snapshot needs the HEAD commit its patch applies to",
                        input.format.as_str()
                    ),
                ));
            }
            CodeFormat::Patch if patch.is_none() => {
                return Err(invalid(
                    "patch",
                    "a `patch` snapshot needs its patch: upload it first",
                ));
            }
            _ => {}
        }

        let manifest = serde_json::to_vec_pretty(&Manifest {
            version: 1,
            files: files.clone(),
        })
        .map_err(|error| Error::Internal(format!("writing a manifest failed: {error}")))?;
        let manifest_hash = hex::encode(Sha256::digest(&manifest));
        self.files
            .put_content_in(
                Lineage::Code,
                experiment,
                MANIFEST_PATH,
                &manifest_hash,
                "application/json",
                Bytes::from(manifest),
            )
            .await?;

        let mut contents: Vec<FileChange> = files
            .iter()
            .filter(|file| file.stored)
            .map(|file| FileChange {
                path: file.path.clone(),
                hash: file.hash.clone(),
            })
            .collect();
        contents.push(FileChange {
            path: MANIFEST_PATH.into(),
            hash: manifest_hash.clone(),
        });
        if let Some(patch) = &patch {
            contents.push(FileChange {
                path: PATCH_PATH.into(),
                hash: patch.hash.clone(),
            });
        }
        let counts = CodeCounts {
            files: files.len() as i64,
            stored: files.iter().filter(|file| file.stored).count() as i64,
            untracked: files.iter().filter(|file| file.untracked).count() as i64,
            total_size: files.iter().map(|file| file.size as i64).sum(),
        };
        let snapshot = NewCodeSnapshot {
            format: input.format,
            git,
            patch: patch.map(|patch| patch.hash),
            manifest: manifest_hash,
            counts,
            contents,
        };
        let snapshot = self.graph.record_code_snapshot(experiment, snapshot).await?;
        Ok(Snapshot { snapshot, files })
    }

    /// Records a `tarball` snapshot from a tar of the source tree: every regular file is
    /// stored (as a delta where the parent's version allows). Links, paths escaping the root
    /// and archive bombs are refused before anything is stored.
    pub async fn record_tarball(&self, experiment: &Experiment, archive: Bytes) -> Result<Snapshot> {
        let limits = ArchiveLimits {
            max_entries: MAX_CODE_FILES,
            max_total_bytes: MAX_CODE_BYTES,
            ..ArchiveLimits::default()
        };
        let entries = tokio::task::spawn_blocking(move || files::read_tar(&archive, &limits))
            .await
            .map_err(|error| Error::Internal(format!("reading a tar failed: {error}")))??;
        for entry in &entries {
            upload_path(&format!("archive[{}]", entry.path), &entry.path)?;
            check_size(&format!("archive[{}]", entry.path), entry.bytes.len() as u64)?;
        }
        let mut files = Vec::with_capacity(entries.len());
        for entry in entries {
            let hash = hex::encode(Sha256::digest(&entry.bytes));
            let size = entry.bytes.len() as u64;
            self.put_content(
                experiment,
                &entry.path,
                &hash,
                "application/octet-stream",
                Bytes::from(entry.bytes),
            )
            .await?;
            files.push(SourceFile {
                path: entry.path,
                hash,
                size,
                executable: false,
                untracked: false,
                stored: true,
            });
        }
        let input = SnapshotInput {
            format: CodeFormat::Tarball,
            git: GitReference::default(),
            patch: None,
            files,
        };
        self.record(experiment, input).await
    }

    /// The experiment's snapshot with its manifest, if it has one.
    pub async fn snapshot(&self, experiment: &ExperimentId) -> Result<Option<Snapshot>> {
        let Some(snapshot) = self.graph.code_snapshot(experiment).await? else {
            return Ok(None);
        };
        let bytes = self.files.read(&snapshot.manifest).await?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|error| {
            Error::Internal(format!(
                "the manifest {} is unreadable: {error}",
                snapshot.manifest
            ))
        })?;
        Ok(Some(Snapshot {
            snapshot,
            files: manifest.files,
        }))
    }

    /// The experiment's source files compared with `other`'s (an empty tree when `None` or
    /// without a snapshot; [`Graph::compared_with`] picks the default), by path.
    pub async fn tree(&self, experiment: &Experiment, other: Option<&Experiment>) -> Result<Vec<CodeEntry>> {
        let this = self.source_files(&experiment.id).await?;
        let theirs = match other {
            Some(other) => self.source_files(&other.id).await?,
            None => Vec::new(),
        };
        let keyed = |files: Vec<SourceFile>| files.into_iter().map(|file| (file.path.clone(), file));
        Ok(pair_by_path(keyed(this), keyed(theirs))
            .into_iter()
            .map(|(path, this, other)| {
                let status = match (&this, &other) {
                    (Some(_), None) => FileStatus::Added,
                    (None, _) => FileStatus::Deleted,
                    (Some(this), Some(other)) if this.hash == other.hash => FileStatus::Unchanged,
                    (Some(_), Some(_)) => FileStatus::Modified,
                };
                CodeEntry {
                    path,
                    status,
                    this,
                    other,
                }
            })
            .collect())
    }

    /// The diff of one source path between two experiments' snapshots (either may lack it).
    /// A side listed by hash only (not stored) has no content to diff: the diff then says so.
    pub async fn diff(&self, left: &ExperimentId, right: &ExperimentId, path: &str) -> Result<CodeDiff> {
        let path = files::validate_path("path", path)?;
        let find = |files: Vec<SourceFile>| files.into_iter().find(|file| file.path == path);
        let left_file = find(self.source_files(left).await?);
        let right_file = find(self.source_files(right).await?);
        if left_file.is_none() && right_file.is_none() {
            return Err(Error::NotFound {
                entity: "source file",
                id: path,
            });
        }
        let unstored = [&left_file, &right_file]
            .into_iter()
            .flatten()
            .any(|file| !file.stored);
        let (text, reason) = if unstored {
            let reason = "a side is listed by hash only (its content is in the commit, not stored): \
                          restore the snapshot with mode=git to see it";
            (None, Some(reason.to_owned()))
        } else {
            let hash = |file: &Option<SourceFile>| file.as_ref().map(|file| file.hash.clone());
            let (left_hash, right_hash) = (hash(&left_file), hash(&right_file));
            match self
                .files
                .diff_contents(left_hash.as_deref(), right_hash.as_deref())
                .await?
            {
                Some(diff) => (Some(diff), None),
                None => (None, Some("binary or larger than the diff limit".to_owned())),
            }
        };
        Ok(CodeDiff {
            left: left_file,
            right: right_file,
            text,
            reason,
        })
    }

    /// A tar archive with everything needed to rebuild the experiment's exact source tree:
    /// [`RESTORE_PATH`] (what the archive holds and the steps), the manifest, and then for
    /// [`RestoreMode::Git`] the patch and the untracked files (to apply over a checkout of the
    /// commit), for [`RestoreMode::Full`] every source file.
    pub async fn restore(
        &self,
        project: &str,
        experiment: &Experiment,
        mode: RestoreMode,
    ) -> Result<TarStream> {
        let snapshot = self
            .snapshot(&experiment.id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "code snapshot",
                id: format!("{project}/{}", experiment.number),
            })?;
        let mode = match mode {
            RestoreMode::Auto if snapshot.self_contained() => RestoreMode::Full,
            RestoreMode::Auto => RestoreMode::Git,
            mode => mode,
        };
        let git = &snapshot.snapshot.git;
        let included: Vec<&SourceFile> = match mode {
            RestoreMode::Full => {
                let missing: Vec<&str> = snapshot
                    .files
                    .iter()
                    .filter(|file| !file.stored)
                    .map(|file| file.path.as_str())
                    .collect();
                if let Some(first) = missing.first() {
                    return Err(invalid(
                        "mode",
                        format!(
                            "{} source files ({first}, ...) are listed by hash only, so the tree \
                             cannot be rebuilt without the repository: restore with mode=git",
                            missing.len()
                        ),
                    ));
                }
                snapshot.files.iter().collect()
            }
            _ => {
                if git.commit.is_none() {
                    return Err(invalid(
                        "mode",
                        "the snapshot has no git commit to apply a patch to: restore with mode=full",
                    ));
                }
                snapshot.files.iter().filter(|file| file.untracked).collect()
            }
        };
        let with_patch = mode == RestoreMode::Git && snapshot.snapshot.patch.is_some();
        let description = restore_description(project, experiment, &snapshot, mode, &included, with_patch);

        let mut members = Vec::with_capacity(included.len() + 3);
        members.push(TarMember {
            path: RESTORE_PATH.into(),
            size: description.len() as u64,
            mode: 0o644,
            content: TarContent::Bytes(Bytes::from(description)),
        });
        let mut stored = vec![(MANIFEST_PATH, snapshot.snapshot.manifest.clone())];
        if let (true, Some(patch)) = (with_patch, &snapshot.snapshot.patch) {
            stored.push((PATCH_PATH, patch.clone()));
        }
        for (path, hash) in stored {
            let content =
                self.graph.file_content(&hash).await?.ok_or_else(|| {
                    Error::Internal(format!("the snapshot's {path} ({hash}) is not stored"))
                })?;
            members.push(TarMember {
                path: path.into(),
                size: content.size as u64,
                mode: 0o644,
                content: TarContent::Stored(hash),
            });
        }
        members.extend(included.into_iter().map(|file| TarMember {
            path: file.path.clone(),
            size: file.size,
            mode: if file.executable { 0o755 } else { 0o644 },
            content: TarContent::Stored(file.hash.clone()),
        }));
        self.files.tar_stream(members)
    }

    /// The source files of an experiment's snapshot (none without one).
    async fn source_files(&self, experiment: &ExperimentId) -> Result<Vec<SourceFile>> {
        Ok(self
            .snapshot(experiment)
            .await?
            .map(|snapshot| snapshot.files)
            .unwrap_or_default())
    }

    /// The patch's content must be stored with the declared size.
    async fn check_patch(&self, patch: PatchReference) -> Result<PatchReference> {
        let hash = check_hash("patch.hash", &patch.hash)?;
        check_size("patch.size", patch.size)?;
        self.check_stored("patch", &hash, patch.size).await?;
        Ok(PatchReference {
            hash,
            size: patch.size,
        })
    }

    /// Validates the manifest's files (paths, hashes, sizes, duplicates, limits) and checks
    /// that each one said to be stored was uploaded; answers them normalized, by path.
    async fn check_files(&self, format: CodeFormat, files: Vec<SourceFile>) -> Result<Vec<SourceFile>> {
        if files.len() > MAX_CODE_FILES {
            return Err(invalid(
                "files",
                format!(
                    "{} source files; a snapshot lists at most {MAX_CODE_FILES}",
                    files.len()
                ),
            ));
        }
        let mut checked: BTreeMap<String, SourceFile> = BTreeMap::new();
        let mut stored_bytes = 0u64;
        for (index, file) in files.into_iter().enumerate() {
            let field = |name: &str| format!("files[{index}].{name}");
            let path = source_path(&field("path"), &file.path)?;
            let hash = check_hash(&field("hash"), &file.hash)?;
            if file.untracked && !file.stored {
                return Err(invalid(
                    field("stored"),
                    format!("{path} is untracked, so git cannot restore it: upload its content"),
                ));
            }
            if format == CodeFormat::Tarball && !file.stored {
                return Err(invalid(
                    field("stored"),
                    format!("a `tarball` snapshot stores every file; upload {path}"),
                ));
            }
            if file.stored {
                check_size(&field("size"), file.size)?;
                stored_bytes += file.size;
                if stored_bytes > MAX_CODE_BYTES {
                    return Err(invalid(
                        "files",
                        format!("the stored source files exceed {MAX_CODE_BYTES} bytes"),
                    ));
                }
                self.check_stored(&format!("files[{index}]"), &hash, file.size)
                    .await?;
            }
            if checked.contains_key(&path) {
                return Err(invalid(
                    field("path"),
                    format!("`{path}` appears twice in the manifest"),
                ));
            }
            checked.insert(path.clone(), SourceFile { path, hash, ..file });
        }
        Ok(checked.into_values().collect())
    }

    /// The content `hash` must be stored (else the error names `{item}.hash`) and `size`
    /// bytes long (else `{item}.size`).
    async fn check_stored(&self, item: &str, hash: &str, size: u64) -> Result<()> {
        let Some(stored) = self.graph.file_content(hash).await? else {
            return Err(invalid(
                format!("{item}.hash"),
                format!("content {hash} was not uploaded: upload it first (PUT …/code/content)"),
            ));
        };
        if stored.size != size as i64 {
            return Err(invalid(
                format!("{item}.size"),
                format!("{size} bytes declared, the content {hash} has {}", stored.size),
            ));
        }
        Ok(())
    }
}

/// The snapshot format a client names: `git`, `patch`, `tarball` or `commit`.
pub fn format_named(field: &str, name: &str) -> Result<CodeFormat> {
    CodeFormat::parse(name).map_err(|_| {
        invalid(
            field,
            format!("`{name}` is not a snapshot format: use git, patch, tarball or commit"),
        )
    })
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A source path: valid ([`files::validate_path`]) and outside the reserved `.rsdk/` folder.
fn source_path(field: &str, path: &str) -> Result<String> {
    let path = files::validate_path(field, path)?;
    if path == RESERVED_FOLDER || path.starts_with(&format!("{RESERVED_FOLDER}/")) {
        return Err(invalid(
            field,
            format!("`{RESERVED_FOLDER}/` is reserved for the snapshot's patch and manifest"),
        ));
    }
    Ok(path)
}

/// A path a content may be uploaded under: a source path or [`PATCH_PATH`].
fn upload_path(field: &str, path: &str) -> Result<String> {
    match files::validate_path(field, path)? {
        patch if patch == PATCH_PATH => Ok(patch),
        path => source_path(field, &path),
    }
}

fn check_size(field: &str, size: u64) -> Result<()> {
    if size > MAX_CODE_FILE_BYTES {
        return Err(invalid(
            field,
            format!("{size} bytes, over the limit of {MAX_CODE_FILE_BYTES} for one source file"),
        ));
    }
    Ok(())
}

/// Validates git metadata: short printable text, a hex commit, a remote without credentials.
fn check_git(git: GitReference) -> Result<GitReference> {
    let text = |field: &str, value: Option<String>, max: usize| -> Result<Option<String>> {
        let Some(value) = value else { return Ok(None) };
        if value.is_empty() || value.len() > max || value.chars().any(char::is_control) {
            return Err(invalid(
                field,
                format!("must be 1 to {max} bytes without control characters"),
            ));
        }
        Ok(Some(value))
    };
    let repository = text("git.repository", git.repository, 255)?;
    if repository
        .as_deref()
        .is_some_and(|name| name.contains(['/', '\\']))
    {
        return Err(invalid(
            "git.repository",
            "is the root folder's name, without slashes",
        ));
    }
    let branch = text("git.branch", git.branch, 255)?;
    let remote_url = text("git.remote_url", git.remote_url, 2048)?;
    if let Some(url) = &remote_url {
        check_remote(url)?;
    }
    let commit = text("git.commit", git.commit, 64)?.map(|commit| commit.to_ascii_lowercase());
    if let Some(commit) = &commit {
        if commit.len() < 7 || !commit.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(invalid(
                "git.commit",
                "must be a commit id: 7 to 64 hexadecimal characters",
            ));
        }
    }
    Ok(GitReference {
        repository,
        remote_url,
        branch,
        commit,
    })
}

/// A remote URL must not carry credentials: a password anywhere, or any user name on an
/// http(s) URL (where it is usually a token). `git@host:org/repo.git` is fine.
fn check_remote(url: &str) -> Result<()> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((user_info, _)) = authority.rsplit_once('@') else {
        return Ok(());
    };
    let http = matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https");
    if http || user_info.contains(':') {
        return Err(invalid(
            "git.remote_url",
            "carries credentials (user or password before `@`): send the URL without them",
        ));
    }
    Ok(())
}

/// The JSON a restore archive describes itself with.
fn restore_description(
    project: &str,
    experiment: &Experiment,
    snapshot: &Snapshot,
    mode: RestoreMode,
    included: &[&SourceFile],
    with_patch: bool,
) -> Vec<u8> {
    let git = &snapshot.snapshot.git;
    let mut steps = Vec::new();
    if mode == RestoreMode::Git {
        let remote = git.remote_url.as_deref().unwrap_or("<the repository>");
        let commit = git.commit.as_deref().unwrap_or_default();
        steps.push(format!("git clone {remote} && git checkout {commit}"));
        if with_patch {
            steps.push(format!("git apply --binary {PATCH_PATH}"));
        }
        steps.push("copy the other files of this archive (untracked files) over the checkout".into());
    } else {
        steps.push("extract this archive: it holds every source file".into());
    }
    steps.push(format!("verify every file against the sha256 in {MANIFEST_PATH}"));
    let description = serde_json::json!({
        "project": project,
        "experiment": experiment.number,
        "name": experiment.name,
        "mode": match mode { RestoreMode::Full => "full", _ => "git" },
        "format": snapshot.snapshot.format.as_str(),
        "repository": git.repository,
        "remote_url": git.remote_url,
        "branch": git.branch,
        "commit": git.commit,
        "patch": with_patch.then_some(PATCH_PATH),
        "manifest": MANIFEST_PATH,
        "files": included.iter().map(|file| file.path.as_str()).collect::<Vec<_>>(),
        "steps": steps,
    });
    serde_json::to_vec_pretty(&description).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_with_credentials_are_refused() {
        for url in [
            "https://token@github.com/org/repo.git",
            "https://user:secret@example.com/repo",
            "ssh://git:secret@example.com/repo",
        ] {
            assert!(check_remote(url).is_err(), "{url} should be refused");
        }
        for url in [
            "https://github.com/org/repo.git",
            "git@github.com:org/repo.git",
            "ssh://git@example.com/repo",
            "/srv/git/repo",
            "https://example.com/a@b",
        ] {
            assert!(check_remote(url).is_ok(), "{url} should be accepted");
        }
    }

    #[test]
    fn the_reserved_folder_is_not_a_source_path() {
        assert!(source_path("p", ".rsdk/patch.diff").is_err());
        assert!(source_path("p", "./.rsdk").is_err());
        assert_eq!(
            source_path("p", "src/.rsdk").expect("nested is fine"),
            "src/.rsdk"
        );
        assert_eq!(upload_path("p", PATCH_PATH).expect("the patch"), PATCH_PATH);
        assert!(upload_path("p", MANIFEST_PATH).is_err());
    }

    #[test]
    fn commits_are_hex() {
        let git = |commit: &str| GitReference {
            commit: Some(commit.into()),
            ..GitReference::default()
        };
        assert_eq!(
            check_git(git("ABCDEF0")).expect("hex").commit.as_deref(),
            Some("abcdef0")
        );
        assert!(check_git(git("abc")).is_err());
        assert!(check_git(git("not-a-commit")).is_err());
    }
}
