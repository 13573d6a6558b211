//! Uploads to S3. Content that fits in one part goes up in a single PUT once its sha256 is
//! known, with the sha256 as `x-amz-checksum-sha256` so the server checks it too. Larger
//! content goes up as a multipart upload, hashed part by part while earlier parts are still
//! in flight:
//! - with an expected digest, straight to the blob's key, completed only if the hash matches
//!   (an incomplete multipart upload is invisible, and it is aborted on mismatch);
//! - without one, the key is unknown until the end, so the upload goes to
//!   `<prefix>/.incoming/<uuid>` and is copied server-side to its digest's key afterwards.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::task::JoinSet;

use super::digest::verify;
use super::s3::S3BlobStore;
use super::{source_failed, source_from_bytes, BlobStore, ByteSource, Digest, Hasher, PutReceipt};
use crate::{Error, Result};

/// Parts uploaded at the same time by one put.
const PARTS_IN_FLIGHT: usize = 4;
/// S3's limit on the number of parts of one upload.
const MAX_PARTS: i32 = 10_000;
/// Every this many parts the part size doubles, up to [`MAX_PART_SIZE_DOUBLINGS`] times, so
/// that huge uploads fit in [`MAX_PARTS`] while small ones keep small parts.
const PARTS_PER_SIZE_STEP: i32 = 1_000;
const MAX_PART_SIZE_DOUBLINGS: i32 = 4;

impl S3BlobStore {
    /// Puts content already in memory: one PUT up to a part's size, multipart above (S3 refuses
    /// single PUTs above 5 GiB, and parallel parts are faster). `checked_absent`: the caller has
    /// just found its expected digest missing, so there is no need to look again.
    pub(super) async fn put_in_memory(
        &self,
        content: Bytes,
        expected: Option<Digest>,
        checked_absent: bool,
    ) -> Result<PutReceipt> {
        let (content, digest) = tokio::task::spawn_blocking(move || {
            let digest = Digest::of(&content);
            (content, digest)
        })
        .await
        .map_err(|error| Error::Internal(format!("hashing task failed: {error}")))?;
        verify(expected, digest)?;
        let size = content.len() as u64;
        if !checked_absent && self.head(&digest).await?.is_some() {
            return Ok(PutReceipt {
                digest,
                size,
                created: false,
            });
        }
        if content.len() > self.part_size {
            // Straight to the digest's key, now known; the parts are hashed again on the way.
            let mut parts = PartReader::new(source_from_bytes(content));
            let first = parts.next_part(self.part_size).await?;
            return self.put_multipart(first, parts, Some(digest)).await;
        }
        let checksum = base64::engine::general_purpose::STANDARD.encode(digest.as_bytes());
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(&digest))
            .content_length(size as i64)
            .checksum_sha256(checksum)
            .body(ByteStream::from(content))
            .send()
            .await
            .map_err(|error| self.error("put object", error))?;
        Ok(PutReceipt {
            digest,
            size,
            created: true,
        })
    }

    /// A streaming put: one PUT when the content fits in a part, multipart otherwise.
    pub(super) async fn put_streamed(
        &self,
        source: ByteSource,
        expected: Option<Digest>,
    ) -> Result<PutReceipt> {
        if let Some(receipt) = super::already_stored(self, expected).await? {
            return Ok(receipt);
        }
        let mut parts = PartReader::new(source);
        let first = parts.next_part(self.part_size).await?;
        if parts.is_exhausted() {
            return self.put_in_memory(first, expected, expected.is_some()).await;
        }
        self.put_multipart(first, parts, expected).await
    }

    async fn put_multipart(
        &self,
        first: Bytes,
        mut parts: PartReader,
        expected: Option<Digest>,
    ) -> Result<PutReceipt> {
        let key = match expected {
            Some(digest) => self.key(&digest),
            None => format!("{}.incoming/{}", self.key_prefix, uuid::Uuid::now_v7()),
        };
        let upload = MultipartUpload::start(self, key).await?;
        let (digest, size, completed) = match self.upload_parts(&upload, first, &mut parts).await {
            Ok(uploaded) => uploaded,
            Err(error) => {
                upload.abort().await;
                return Err(error);
            }
        };
        if let Err(mismatch) = verify(expected, digest) {
            upload.abort().await;
            return Err(mismatch);
        }
        let key = upload.complete(completed).await?;
        if expected.is_some() {
            return Ok(PutReceipt {
                digest,
                size,
                created: true,
            });
        }
        self.move_into_place(&key, digest, size).await
    }

    /// Hashes and uploads `first` and every further part of `parts`, [`PARTS_IN_FLIGHT`] at a time.
    async fn upload_parts(
        &self,
        upload: &MultipartUpload,
        first: Bytes,
        parts: &mut PartReader,
    ) -> Result<(Digest, u64, Vec<CompletedPart>)> {
        let mut hasher = Hasher::new();
        let mut in_flight = JoinSet::new();
        let mut completed = Vec::new();
        let mut part = first;
        let mut number = 1;
        loop {
            let (hashed, content) = tokio::task::spawn_blocking(move || {
                hasher.update(&part);
                (hasher, part)
            })
            .await
            .map_err(|error| Error::Internal(format!("hashing task failed: {error}")))?;
            hasher = hashed;
            while in_flight.len() >= PARTS_IN_FLIGHT {
                completed.push(next_uploaded(&mut in_flight).await?);
            }
            in_flight.spawn(upload.part(self, number, content));
            if parts.is_exhausted() {
                break;
            }
            if number == MAX_PARTS {
                return Err(Error::Invalid {
                    field: "body".to_owned(),
                    reason: format!("the blob exceeds the {MAX_PARTS} parts of one s3 upload"),
                });
            }
            number += 1;
            part = parts.next_part(self.part_size_of(number)).await?;
        }
        while !in_flight.is_empty() {
            completed.push(next_uploaded(&mut in_flight).await?);
        }
        completed.sort_by_key(|part| part.part_number());
        let size = hasher.size();
        Ok((hasher.finish(), size, completed))
    }

    /// The size of part `number` (1-based).
    fn part_size_of(&self, number: i32) -> usize {
        let doublings = ((number - 1) / PARTS_PER_SIZE_STEP).min(MAX_PART_SIZE_DOUBLINGS);
        self.part_size << doublings
    }

    /// Copies an upload that landed under a temporary key to its digest's key, then removes it.
    async fn move_into_place(&self, incoming_key: &str, digest: Digest, size: u64) -> Result<PutReceipt> {
        let copied = match self.head(&digest).await {
            Ok(Some(_)) => Ok(false),
            Ok(None) => self
                .copy(incoming_key, &self.key(&digest), size)
                .await
                .map(|()| true),
            Err(error) => Err(error),
        };
        let removed = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(incoming_key)
            .send()
            .await;
        if let Err(error) = removed {
            let error = self.error("delete object", error);
            tracing::warn!(key = incoming_key, %error, "cannot remove a finished upload's temporary object");
        }
        Ok(PutReceipt {
            digest,
            size,
            created: copied?,
        })
    }

    /// A server-side copy: one `CopyObject` up to `copy_part_size`, a multipart copy above.
    async fn copy(&self, from_key: &str, to_key: &str, size: u64) -> Result<()> {
        let source = format!("{}/{from_key}", self.bucket);
        if size <= self.copy_part_size {
            self.client
                .copy_object()
                .bucket(&self.bucket)
                .key(to_key)
                .copy_source(source)
                .send()
                .await
                .map_err(|error| self.error("copy object", error))?;
            return Ok(());
        }
        let upload = MultipartUpload::start(self, to_key.to_owned()).await?;
        let mut completed = Vec::new();
        let mut start = 0;
        let mut number = 1;
        while start < size {
            let end = (start + self.copy_part_size).min(size);
            let copied = self
                .client
                .upload_part_copy()
                .bucket(&self.bucket)
                .key(to_key)
                .upload_id(&upload.upload_id)
                .part_number(number)
                .copy_source(&source)
                .copy_source_range(format!("bytes={start}-{}", end - 1))
                .send()
                .await;
            let copied = match copied {
                Ok(copied) => copied,
                Err(error) => {
                    upload.abort().await;
                    return Err(self.error("copy part", error));
                }
            };
            let e_tag = copied
                .copy_part_result()
                .and_then(|result| result.e_tag())
                .map(str::to_owned);
            completed.push(
                CompletedPart::builder()
                    .set_e_tag(e_tag)
                    .part_number(number)
                    .build(),
            );
            start = end;
            number += 1;
        }
        upload.complete(completed).await.map(|_key| ())
    }
}

/// A multipart upload in progress; dropped without [`MultipartUpload::complete`] or
/// [`MultipartUpload::abort`] (the put's future was cancelled), it aborts itself in the background.
struct MultipartUpload {
    store: S3BlobStore,
    key: String,
    upload_id: String,
    open: bool,
}

impl MultipartUpload {
    async fn start(store: &S3BlobStore, key: String) -> Result<Self> {
        let created = store
            .client
            .create_multipart_upload()
            .bucket(&store.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|error| store.error("create multipart upload", error))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| {
                Error::Internal(format!(
                    "{} started a multipart upload without an id",
                    store.endpoint
                ))
            })?
            .to_owned();
        Ok(Self {
            store: store.clone(),
            key,
            upload_id,
            open: true,
        })
    }

    /// The task uploading part `number`.
    fn part(
        &self,
        store: &S3BlobStore,
        number: i32,
        content: Bytes,
    ) -> impl std::future::Future<Output = Result<CompletedPart>> + Send + 'static {
        let store = store.clone();
        let key = self.key.clone();
        let upload_id = self.upload_id.clone();
        async move {
            let uploaded = store
                .client
                .upload_part()
                .bucket(&store.bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .content_length(content.len() as i64)
                .body(ByteStream::from(content))
                .send()
                .await
                .map_err(|error| store.error("upload part", error))?;
            let e_tag = uploaded.e_tag().map(str::to_owned);
            Ok(CompletedPart::builder()
                .set_e_tag(e_tag)
                .part_number(number)
                .build())
        }
    }

    /// Completes the upload (the object appears under its key) and returns the key.
    async fn complete(mut self, parts: Vec<CompletedPart>) -> Result<String> {
        let finished = self
            .store
            .client
            .complete_multipart_upload()
            .bucket(&self.store.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await;
        if let Err(error) = finished {
            let error = self.store.error("complete multipart upload", error);
            self.abort_now().await;
            return Err(error);
        }
        self.open = false;
        Ok(std::mem::take(&mut self.key))
    }

    /// Abandons the upload; the parts already sent are discarded.
    async fn abort(mut self) {
        self.abort_now().await;
    }

    async fn abort_now(&mut self) {
        self.open = false;
        abort_upload(self.store.clone(), self.key.clone(), self.upload_id.clone()).await;
    }
}

impl Drop for MultipartUpload {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(abort_upload(
                self.store.clone(),
                self.key.clone(),
                self.upload_id.clone(),
            ));
        }
    }
}

async fn abort_upload(store: S3BlobStore, key: String, upload_id: String) {
    let aborted = store
        .client
        .abort_multipart_upload()
        .bucket(&store.bucket)
        .key(&key)
        .upload_id(&upload_id)
        .send()
        .await;
    if let Err(error) = aborted {
        let error = store.error("abort multipart upload", error);
        tracing::warn!(key, %error, "cannot abort a multipart upload; a bucket lifecycle rule will");
    }
}

/// Waits for the next finished part upload.
async fn next_uploaded(in_flight: &mut JoinSet<Result<CompletedPart>>) -> Result<CompletedPart> {
    match in_flight.join_next().await {
        Some(Ok(uploaded)) => uploaded,
        Some(Err(error)) => Err(Error::Internal(format!("part upload task failed: {error}"))),
        None => Err(Error::Internal("no part upload in flight".to_owned())),
    }
}

/// Cuts a byte source into parts.
struct PartReader {
    source: ByteSource,
    pending: BytesMut,
    finished: bool,
}

impl PartReader {
    fn new(source: ByteSource) -> Self {
        Self {
            source,
            pending: BytesMut::new(),
            finished: false,
        }
    }

    /// The next `size` bytes (fewer at the end). Reads one chunk beyond the part, so that
    /// [`PartReader::is_exhausted`] is exact right after.
    async fn next_part(&mut self, size: usize) -> Result<Bytes> {
        while self.pending.len() <= size && !self.finished {
            match self.source.next().await {
                Some(Ok(chunk)) => self.pending.extend_from_slice(&chunk),
                Some(Err(error)) => return Err(source_failed(error)),
                None => self.finished = true,
            }
        }
        let take = self.pending.len().min(size);
        Ok(self.pending.split_to(take).freeze())
    }

    /// Whether every byte of the source has been handed out.
    fn is_exhausted(&self) -> bool {
        self.finished && self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn reader(chunks: &[&'static [u8]]) -> PartReader {
        let source = stream::iter(
            chunks
                .iter()
                .map(|chunk| Ok(Bytes::from_static(chunk)))
                .collect::<Vec<_>>(),
        );
        PartReader {
            source: source.boxed(),
            pending: BytesMut::new(),
            finished: false,
        }
    }

    #[tokio::test]
    async fn parts_have_the_requested_size_whatever_the_chunks() {
        let mut parts = reader(&[b"abc", b"defgh", b"ij"]);
        assert_eq!(parts.next_part(4).await.ok(), Some(Bytes::from_static(b"abcd")));
        assert!(!parts.is_exhausted());
        assert_eq!(parts.next_part(4).await.ok(), Some(Bytes::from_static(b"efgh")));
        assert!(!parts.is_exhausted());
        assert_eq!(parts.next_part(4).await.ok(), Some(Bytes::from_static(b"ij")));
        assert!(parts.is_exhausted());
    }

    #[tokio::test]
    async fn content_of_exactly_one_part_is_exhausted_after_it() {
        let mut parts = reader(&[b"abcd"]);
        assert_eq!(parts.next_part(4).await.ok(), Some(Bytes::from_static(b"abcd")));
        assert!(parts.is_exhausted());
    }

    #[tokio::test]
    async fn empty_source_gives_one_empty_part() {
        let mut parts = reader(&[]);
        assert_eq!(parts.next_part(4).await.ok(), Some(Bytes::new()));
        assert!(parts.is_exhausted());
    }
}
