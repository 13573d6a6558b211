//! The embedded blob store: one file per blob under a local directory.
//!
//! Layout: `<root>/ab/cd/<digest>` (the first two bytes of the digest as two directory levels,
//! so no directory grows past a few thousand entries), and `<root>/.incoming/` for uploads in
//! progress. A put writes a temporary file in `.incoming` (same filesystem), fsyncs it, renames
//! it into place and fsyncs the directory: a blob is either wholly visible under its digest or
//! absent, even across a crash. Paths derive only from validated [`Digest`]s, so no client
//! value can name a path outside the root. Filesystem work and hashing run on tokio's
//! blocking pool.

use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use graph::failpoint;
use tempfile::NamedTempFile;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;

use super::digest::verify;
use super::{
    check_range, not_found, source_failed, BlobStore, BlobStream, ByteSource, Digest, DigestStream, Hasher,
    PutReceipt,
};
use crate::{Error, Result};

/// Where uploads in progress live, inside the root.
const INCOMING_DIR: &str = ".incoming";
/// Leftover temporary files older than this are removed when a store opens (a crashed put).
const STALE_INCOMING_AGE: Duration = Duration::from_secs(60 * 60);
/// Chunks queued between the async side of a streaming put and its writer thread.
const WRITE_QUEUE_CHUNKS: usize = 16;
/// The chunk size of reads.
const READ_CHUNK: usize = 256 * 1024;

/// A blob store in a local directory (the embedded default, `RSDK_BLOBS=file:PATH`).
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Opens (creating it if needed) the store rooted at `root`, and removes temporary files
    /// that a crashed put left behind.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let store = Self { root };
        let opened = store.clone();
        blocking(move || {
            let incoming = opened.incoming_dir();
            fs::create_dir_all(&incoming).map_err(|error| disk_error("cannot create", &incoming, error))?;
            remove_stale_incoming(&incoming);
            Ok(())
        })
        .await?;
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn incoming_dir(&self) -> PathBuf {
        self.root.join(INCOMING_DIR)
    }

    /// `<root>/ab/cd/<digest>`.
    fn blob_path(&self, digest: &Digest) -> PathBuf {
        let (first, second) = digest.shard();
        self.root.join(first).join(second).join(digest.to_hex())
    }

    /// Moves a fully written temporary file into place under `digest`, unless the blob is
    /// already there. Blocking.
    fn commit(&self, temporary: NamedTempFile, digest: Digest, size: u64) -> Result<PutReceipt> {
        let path = self.blob_path(&digest);
        if path.exists() {
            return Ok(PutReceipt {
                digest,
                size,
                created: false,
            });
        }
        failpoint::hit(failpoint::BLOB_WRITTEN, "");
        temporary
            .as_file()
            .sync_all()
            .map_err(|error| disk_error("cannot sync", temporary.path(), error))?;
        failpoint::hit(failpoint::BLOB_SYNCED, "");
        let shard_dir = self.create_shard_dir(&digest)?;
        temporary
            .persist(&path)
            .map_err(|error| disk_error("cannot move into place", &path, error.error))?;
        failpoint::hit(failpoint::BLOB_RENAMED, "");
        sync_dir(&shard_dir)?;
        Ok(PutReceipt {
            digest,
            size,
            created: true,
        })
    }

    /// Creates `<root>/ab/cd`, syncing each parent whose entries changed. Blocking.
    fn create_shard_dir(&self, digest: &Digest) -> Result<PathBuf> {
        let (first, second) = digest.shard();
        let mut dir = self.root.clone();
        for level in [first, second] {
            let parent = dir.clone();
            dir.push(level);
            match fs::create_dir(&dir) {
                Ok(()) => sync_dir(&parent)?,
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(disk_error("cannot create", &dir, error)),
            }
        }
        Ok(dir)
    }

    async fn open_blob(&self, digest: &Digest) -> Result<(tokio::fs::File, u64)> {
        let path = self.blob_path(digest);
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(not_found(digest)),
            Err(error) => return Err(disk_error("cannot open", &path, error)),
        };
        let size = file
            .metadata()
            .await
            .map_err(|error| disk_error("cannot stat", &path, error))?
            .len();
        Ok((file, size))
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, content: Bytes, expected: Option<Digest>) -> Result<PutReceipt> {
        let store = self.clone();
        blocking(move || {
            let digest = Digest::of(&content);
            verify(expected, digest)?;
            let size = content.len() as u64;
            if store.blob_path(&digest).exists() {
                return Ok(PutReceipt {
                    digest,
                    size,
                    created: false,
                });
            }
            let incoming = store.incoming_dir();
            let mut temporary = NamedTempFile::new_in(&incoming)
                .map_err(|error| disk_error("cannot create in", &incoming, error))?;
            temporary
                .write_all(&content)
                .map_err(|error| disk_error("cannot write", temporary.path(), error))?;
            store.commit(temporary, digest, size)
        })
        .await
    }

    async fn put_stream(&self, mut source: ByteSource, expected: Option<Digest>) -> Result<PutReceipt> {
        if let Some(receipt) = super::already_stored(self, expected).await? {
            return Ok(receipt);
        }
        let (sender, receiver) = mpsc::channel::<Bytes>(WRITE_QUEUE_CHUNKS);
        let incoming = self.incoming_dir();
        let writer = tokio::task::spawn_blocking(move || write_and_hash(&incoming, receiver));
        let mut source_error = None;
        while let Some(chunk) = source.next().await {
            match chunk {
                Ok(chunk) => {
                    if sender.send(chunk).await.is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(error) => {
                    source_error = Some(error);
                    break;
                }
            }
        }
        drop(sender);
        let written = writer
            .await
            .map_err(|error| Error::Internal(format!("blob writer task failed: {error}")))?;
        let (temporary, hasher) = written?;
        if let Some(error) = source_error {
            let _removed = blocking(move || {
                drop(temporary);
                Ok(())
            })
            .await;
            return Err(source_failed(error));
        }
        let store = self.clone();
        blocking(move || {
            let size = hasher.size();
            let digest = hasher.finish();
            verify(expected, digest)?;
            store.commit(temporary, digest, size)
        })
        .await
    }

    async fn get(&self, digest: &Digest) -> Result<BlobStream> {
        let (file, _size) = self.open_blob(digest).await?;
        Ok(read_stream(file, self.blob_path(digest)))
    }

    async fn get_range(&self, digest: &Digest, range: Range<u64>) -> Result<BlobStream> {
        let (mut file, size) = self.open_blob(digest).await?;
        check_range(&range, size)?;
        let path = self.blob_path(digest);
        file.seek(io::SeekFrom::Start(range.start))
            .await
            .map_err(|error| disk_error("cannot seek in", &path, error))?;
        Ok(read_stream(file.take(range.end - range.start), path))
    }

    async fn head(&self, digest: &Digest) -> Result<Option<u64>> {
        let path = self.blob_path(digest);
        match tokio::fs::metadata(&path).await {
            Ok(metadata) => Ok(Some(metadata.len())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(disk_error("cannot stat", &path, error)),
        }
    }

    async fn stored_at(&self, digest: &Digest) -> Result<Option<DateTime<Utc>>> {
        let path = self.blob_path(digest);
        let metadata = match tokio::fs::metadata(&path).await {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(disk_error("cannot stat", &path, error)),
        };
        let modified = metadata
            .modified()
            .map_err(|error| disk_error("cannot read the modification time of", &path, error))?;
        Ok(Some(modified.into()))
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        let path = self.blob_path(digest);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {
                failpoint::hit(failpoint::BLOB_DELETED, "");
                Ok(())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(disk_error("cannot remove", &path, error)),
        }
    }

    fn list(&self) -> DigestStream {
        let (sender, receiver) = mpsc::channel::<Result<Digest>>(1024);
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = walk_sorted(&root, &sender) {
                let _ignored = sender.blocking_send(Err(error));
            }
        });
        stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|item| (item, receiver))
        })
        .boxed()
    }

    async fn check(&self) -> Result<()> {
        let incoming = self.incoming_dir();
        blocking(move || {
            NamedTempFile::new_in(&incoming)
                .map_err(|error| disk_error("cannot write in", &incoming, error))?;
            Ok(())
        })
        .await
    }
}

/// The writer thread of a streaming put: writes every chunk to a new temporary file, hashing
/// as it goes, until the sender is dropped.
fn write_and_hash(incoming: &Path, mut receiver: mpsc::Receiver<Bytes>) -> Result<(NamedTempFile, Hasher)> {
    let mut temporary =
        NamedTempFile::new_in(incoming).map_err(|error| disk_error("cannot create in", incoming, error))?;
    let mut hasher = Hasher::new();
    while let Some(chunk) = receiver.blocking_recv() {
        hasher.update(&chunk);
        temporary
            .write_all(&chunk)
            .map_err(|error| disk_error("cannot write", temporary.path(), error))?;
    }
    Ok((temporary, hasher))
}

/// Sends every digest under `root` in ascending order; stops early when the receiver is gone.
fn walk_sorted(root: &Path, sender: &mpsc::Sender<Result<Digest>>) -> Result<()> {
    for first in sorted_shard_dirs(root)? {
        for second in sorted_shard_dirs(&first)? {
            let mut digests: Vec<Digest> = read_names(&second)?
                .iter()
                .filter_map(|name| Digest::parse("digest", name).ok())
                .collect();
            digests.sort_unstable();
            for digest in digests {
                if sender.blocking_send(Ok(digest)).is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// The two-hex-character subdirectories of `dir`, sorted.
fn sorted_shard_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut names: Vec<String> = read_names(dir)?
        .into_iter()
        .filter(|name| name.len() == 2 && name.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
        .collect();
    names.sort_unstable();
    Ok(names.into_iter().map(|name| dir.join(name)).collect())
}

fn read_names(dir: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(dir).map_err(|error| disk_error("cannot list", dir, error))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| disk_error("cannot list", dir, error))?;
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

/// Removes temporary files older than [`STALE_INCOMING_AGE`]; best effort.
fn remove_stale_incoming(incoming: &Path) {
    let Ok(entries) = fs::read_dir(incoming) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let age = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok());
        if age.is_some_and(|age| age > STALE_INCOMING_AGE) {
            let path = entry.path();
            if let Err(error) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "cannot remove a stale upload");
            }
        }
    }
}

fn read_stream(reader: impl tokio::io::AsyncRead + Send + 'static, path: PathBuf) -> BlobStream {
    tokio_util::io::ReaderStream::with_capacity(reader, READ_CHUNK)
        .map(move |chunk| chunk.map_err(|error| disk_error("cannot read", &path, error)))
        .boxed()
}

/// Makes a directory's entries (a rename, a new subdirectory) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(|error| disk_error("cannot sync", dir, error))
}

/// Runs blocking filesystem work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Internal(format!("blob store task failed: {error}")))?
}

fn disk_error(action: &str, path: &Path, error: io::Error) -> Error {
    let reason = format!("{action} {}: {error}", path.display());
    match error.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Error::StorageFull(reason),
        _ => Error::Unavailable {
            service: "blob directory",
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blob_lands_in_its_shard_directory_and_incoming_stays_empty() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = LocalBlobStore::open(dir.path()).await.expect("opens");
        let receipt = store
            .put(Bytes::from_static(b"sharded"), None)
            .await
            .expect("puts");
        let hex = receipt.digest.to_hex();
        let expected_path = dir.path().join(&hex[0..2]).join(&hex[2..4]).join(&hex);
        assert_eq!(fs::read(&expected_path).expect("blob file"), b"sharded");
        let leftovers = fs::read_dir(dir.path().join(INCOMING_DIR))
            .expect("incoming")
            .count();
        assert_eq!(leftovers, 0);
    }

    #[tokio::test]
    async fn stray_files_in_the_root_are_not_listed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = LocalBlobStore::open(dir.path()).await.expect("opens");
        let receipt = store
            .put(Bytes::from_static(b"listed"), None)
            .await
            .expect("puts");
        let (first, second) = receipt.digest.shard();
        fs::write(dir.path().join(&first).join(&second).join("notes.txt"), b"x").expect("stray file");
        fs::create_dir_all(dir.path().join("zz").join("zz")).expect("stray dir");
        let listed: Vec<Digest> = store.list().map(|item| item.expect("lists")).collect().await;
        assert_eq!(listed, vec![receipt.digest]);
    }

    #[tokio::test]
    async fn failed_source_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = LocalBlobStore::open(dir.path()).await.expect("opens");
        let source = stream::iter([
            Ok(Bytes::from_static(b"part")),
            Err(io::Error::other("client went away")),
        ])
        .boxed();
        let outcome = store.put_stream(source, None).await;
        assert!(
            matches!(outcome, Err(Error::Invalid { ref field, .. }) if field == "body"),
            "{outcome:?}"
        );
        let leftovers = fs::read_dir(dir.path().join(INCOMING_DIR))
            .expect("incoming")
            .count();
        assert_eq!(leftovers, 0);
    }
}
