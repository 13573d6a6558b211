//! The content-addressed blob store behind metric chunks, artifacts and code snapshots.
//!
//! A blob is an immutable byte string named by its sha256 ([`Digest`]). Two stores implement
//! [`BlobStore`]: a sharded local directory ([`LocalBlobStore`], the embedded default) and an
//! S3-compatible bucket ([`S3BlobStore`]). [`BlobUrl`] parses the `RSDK_BLOBS` setting and
//! opens the store it names. Every store verifies content while it is written: a blob is
//! visible under a digest only once its bytes are known to hash to that digest.

mod digest;
mod local;
mod s3;
mod s3_upload;
mod url;

use std::fmt::Debug;
use std::ops::Range;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::io::AsyncRead;

pub use digest::{Digest, Hasher};
pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Credentials, S3Options};
pub use url::BlobUrl;

use crate::{Error, Result};

/// Content being uploaded: chunks of bytes as they arrive (a request body, a file).
pub type ByteSource = BoxStream<'static, std::io::Result<Bytes>>;

/// Content being read back, in chunks; an error ends the stream.
pub type BlobStream = BoxStream<'static, Result<Bytes>>;

/// Every digest of a store, in ascending order; an error ends the stream.
pub type DigestStream = BoxStream<'static, Result<Digest>>;

/// What a put stored (or found already stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutReceipt {
    /// The digest the content is stored under.
    pub digest: Digest,
    /// The content's size in bytes.
    pub size: u64,
    /// `false` when the blob was already there and nothing was written.
    pub created: bool,
}

/// A content-addressed store of immutable blobs.
///
/// Contract (checked for every implementation by `tests/blob_contract.rs`):
/// - a put is atomic: readers see the whole blob under its digest or nothing;
/// - with an expected digest, content that hashes differently is rejected with
///   [`Error::HashMismatch`] and nothing is stored;
/// - putting a blob that is already stored is a cheap no-op (`created: false`); given the
///   expected digest of a stored blob, a streaming put does not even read its source;
/// - a missing blob is [`Error::NotFound`] for reads, `None` for [`BlobStore::head`], and
///   deleting it succeeds;
/// - a backend that cannot be reached is [`Error::Unavailable`].
#[async_trait]
pub trait BlobStore: Send + Sync + Debug {
    /// Stores `content`, checking it against `expected` when given.
    async fn put(&self, content: Bytes, expected: Option<Digest>) -> Result<PutReceipt>;

    /// Stores content read from `source`, hashing while writing, checking the result against
    /// `expected` when given. An error from `source` aborts the put (nothing is stored) and is
    /// reported as an [`Error::Invalid`] on the field `body`.
    async fn put_stream(&self, source: ByteSource, expected: Option<Digest>) -> Result<PutReceipt>;

    /// Streams the whole blob.
    async fn get(&self, digest: &Digest) -> Result<BlobStream>;

    /// Streams the bytes `range.start..range.end` (end exclusive) of the blob. A range that is
    /// reversed or reaches past the end of the blob is an [`Error::Invalid`] on the field `range`.
    async fn get_range(&self, digest: &Digest, range: Range<u64>) -> Result<BlobStream>;

    /// The blob's size in bytes, or `None` when it is not stored.
    async fn head(&self, digest: &Digest) -> Result<Option<u64>>;

    /// When the blob was written, or `None` when it is not stored (how old an orphan is before
    /// a collection may delete it).
    async fn stored_at(&self, digest: &Digest) -> Result<Option<DateTime<Utc>>>;

    /// Removes the blob; removing a missing blob succeeds.
    async fn delete(&self, digest: &Digest) -> Result<()>;

    /// Streams every stored digest in ascending order. Blobs put or deleted while the stream
    /// runs may or may not appear.
    fn list(&self) -> DigestStream;

    /// Checks that the backend is reachable and usable (for readiness probes and start-up).
    async fn check(&self) -> Result<()>;

    /// Reads the whole blob into memory (for small blobs such as metric chunks).
    async fn get_bytes(&self, digest: &Digest) -> Result<Bytes> {
        collect(self.get(digest).await?).await
    }
}

/// The receipt for a put whose expected blob is already stored (nothing to read or write),
/// or `None` when there is no expected digest or the blob is missing.
pub(crate) async fn already_stored(
    store: &(impl BlobStore + ?Sized),
    expected: Option<Digest>,
) -> Result<Option<PutReceipt>> {
    let Some(expected) = expected else {
        return Ok(None);
    };
    Ok(store.head(&expected).await?.map(|size| PutReceipt {
        digest: expected,
        size,
        created: false,
    }))
}

/// Turns any [`AsyncRead`] (a file, a pipe) into a [`ByteSource`] for [`BlobStore::put_stream`].
pub fn source_from_reader(reader: impl AsyncRead + Send + 'static) -> ByteSource {
    const READ_CHUNK: usize = 256 * 1024;
    tokio_util::io::ReaderStream::with_capacity(reader, READ_CHUNK).boxed()
}

/// `source`, ending in an error once it has yielded more than `max_bytes` (a store then
/// refuses the upload as [`Error::Invalid`] on `body` and keeps nothing); `limit` names the
/// limit in the message.
pub fn limited(source: ByteSource, max_bytes: u64, limit: &'static str) -> ByteSource {
    let mut received: u64 = 0;
    source
        .and_then(move |chunk| {
            received += chunk.len() as u64;
            std::future::ready(if received <= max_bytes {
                Ok(chunk)
            } else {
                Err(std::io::Error::other(format!(
                    "the upload is larger than the limit of {max_bytes} bytes ({limit})"
                )))
            })
        })
        .boxed()
}

/// A [`ByteSource`] over content already in memory.
pub fn source_from_bytes(content: Bytes) -> ByteSource {
    stream::iter([Ok(content)]).boxed()
}

/// Concatenates a blob stream into one buffer.
pub async fn collect(stream: BlobStream) -> Result<Bytes> {
    let buffer = stream
        .try_fold(BytesMut::new(), |mut buffer, chunk| async move {
            buffer.extend_from_slice(&chunk);
            Ok(buffer)
        })
        .await?;
    Ok(buffer.freeze())
}

/// Deletes blob `digest` unless `in_use` says something still names it; whether it was
/// deleted.
///
/// Safe against a writer that names the same content at the same time, provided that writer
/// checks after recording its reference that the blob still exists (and puts it again when
/// not: [`restore_if_collected`]): the content is read before the delete and put back when `in_use` holds after it, so
/// whichever of the reference and the second check comes later sees the other.
pub async fn delete_unless_used<F, Fut>(store: &dyn BlobStore, digest: &Digest, in_use: F) -> Result<bool>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    if in_use().await? {
        return Ok(false);
    }
    let content = match store.get_bytes(digest).await {
        Ok(content) => content,
        Err(Error::NotFound { .. }) => return Ok(false),
        Err(error) => return Err(error),
    };
    store.delete(digest).await?;
    if in_use().await? {
        store.put(content, Some(*digest)).await?;
        return Ok(false);
    }
    Ok(true)
}

/// The writer's half of [`delete_unless_used`]: after recording the reference to the blob
/// `digest` it has put, a writer calls this, which puts `content` back when a collection
/// deleted the blob in between.
pub async fn restore_if_collected(store: &dyn BlobStore, digest: &Digest, content: Bytes) -> Result<()> {
    if store.head(digest).await?.is_none() {
        store.put(content, Some(*digest)).await?;
    }
    Ok(())
}

/// The error for a source stream that failed mid-upload.
pub(crate) fn source_failed(error: std::io::Error) -> Error {
    Error::Invalid {
        field: "body".to_owned(),
        reason: format!("reading the upload failed: {error}"),
    }
}

/// The error for a digest that is not stored.
pub(crate) fn not_found(digest: &Digest) -> Error {
    Error::NotFound {
        entity: "blob",
        id: digest.to_hex(),
    }
}

/// Checks that `range` lies within a blob of `size` bytes.
pub(crate) fn check_range(range: &Range<u64>, size: u64) -> Result<()> {
    let invalid = |reason: String| Error::Invalid {
        field: "range".to_owned(),
        reason,
    };
    if range.start > range.end {
        return Err(invalid(format!(
            "start {} is after end {}",
            range.start, range.end
        )));
    }
    if range.end > size {
        return Err(invalid(format!(
            "bytes {}..{} reach past the end of the blob ({size} bytes)",
            range.start, range.end
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_range_accepts_ranges_inside_the_blob() {
        assert!(check_range(&(0..10), 10).is_ok());
        assert!(check_range(&(3..7), 10).is_ok());
        assert!(check_range(&(10..10), 10).is_ok());
        assert!(check_range(&(0..0), 0).is_ok());
    }

    #[test]
    fn check_range_rejects_ranges_past_the_end_naming_the_size() {
        match check_range(&(5..11), 10) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "range");
                assert!(reason.contains("10 bytes"), "{reason}");
            }
            other => panic!("expected an invalid range, got {other:?}"),
        }
        let reversed = Range { start: 7, end: 3 };
        assert!(check_range(&reversed, 10).is_err());
    }

    #[tokio::test]
    async fn source_from_reader_yields_the_reader_content() {
        let content: &'static [u8] = b"streamed content";
        let chunks: Vec<Bytes> = source_from_reader(content).try_collect().await.expect("reads");
        assert_eq!(chunks.concat(), content);
    }
}
