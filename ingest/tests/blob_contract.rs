//! The blob store contract: every behaviour below runs, unchanged, on the local directory store
//! and on the S3 store against a real S3-compatible server (moto on loopback, one bucket per
//! test). A new store joins by adding one more `contract!` block.

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};
use graph::outbound::OutboundPolicy;
use ingest::blob::{
    collect, source_from_bytes, source_from_reader, BlobStore, ByteSource, Digest, LocalBlobStore,
    S3BlobStore, S3Options,
};
use ingest::Error;
use testkit::s3::S3Server;

const MIB: usize = 1024 * 1024;

/// A store under test and whatever must live as long as it (a temporary directory).
struct Fixture {
    store: Arc<dyn BlobStore>,
    _dir: Option<tempfile::TempDir>,
}

async fn local_store() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = LocalBlobStore::open(dir.path().join("blobs"))
        .await
        .expect("local store opens");
    Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
    }
}

fn s3_options(server: &S3Server, bucket: String) -> S3Options {
    let mut options = S3Options::new(bucket)
        .with_prefix("contract/blobs")
        .with_endpoint(server.endpoint())
        .with_region(S3Server::REGION)
        .with_credentials(S3Server::ACCESS_KEY_ID, S3Server::SECRET_ACCESS_KEY)
        .with_outbound(OutboundPolicy::allow_all());
    options.part_size = 5 * MIB; // S3's minimum: a 20 MiB blob goes up in 4 parts
    options
}

async fn s3_store() -> Fixture {
    let server = testkit::s3::shared();
    let options = s3_options(server, server.create_bucket());
    let store = S3BlobStore::connect(options).await.expect("s3 store connects");
    Fixture {
        store: Arc::new(store),
        _dir: None,
    }
}

/// Runs every named behaviour on every store.
macro_rules! contract {
    ($($behaviour:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let fixture = super::local_store().await;
                    super::behaviours::$behaviour(fixture.store.clone()).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let fixture = super::s3_store().await;
                    super::behaviours::$behaviour(fixture.store.clone()).await;
                }
            )*
        }
    };
}

contract!(
    small_blob_round_trips,
    empty_blob_round_trips,
    large_blob_round_trips_from_memory,
    large_blob_streamed_without_digest_round_trips,
    large_blob_streamed_with_expected_digest_round_trips,
    streaming_put_reads_an_async_reader,
    ranged_reads_return_exactly_the_range,
    range_past_the_end_is_invalid_and_names_the_size,
    head_reports_the_size_or_none,
    stored_at_reports_when_the_blob_was_written_or_none,
    putting_a_stored_blob_again_is_a_no_op,
    streamed_put_of_a_stored_digest_does_not_read_its_source,
    delete_removes_and_is_idempotent,
    list_returns_every_digest_in_ascending_order,
    hash_mismatch_is_rejected_and_nothing_is_stored,
    large_hash_mismatch_is_rejected_and_nothing_is_stored,
    failing_source_stores_nothing,
    missing_blob_is_not_found,
    bad_digest_is_rejected_naming_the_field,
    check_passes_on_a_working_store,
);

/// Deterministic pseudo-random content (xorshift), so large blobs do not compress or repeat.
/// The store lists no blob.
async fn assert_nothing_stored(store: &Arc<dyn BlobStore>) {
    let stored: Vec<_> = store.list().try_collect().await.expect("lists");
    assert!(stored.is_empty(), "nothing should be stored, found {stored:?}");
}

fn content(size: usize, seed: u64) -> Bytes {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = Vec::with_capacity(size + 8);
    while bytes.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(size);
    Bytes::from(bytes)
}

/// `content` as a source of `chunk`-sized pieces, as a request body would arrive.
fn chunked(content: &Bytes, chunk: usize) -> ByteSource {
    let pieces: Vec<std::io::Result<Bytes>> = (0..content.len())
        .step_by(chunk)
        .map(|start| Ok(content.slice(start..(start + chunk).min(content.len()))))
        .collect();
    stream::iter(pieces).boxed()
}

mod behaviours {
    use super::*;

    pub async fn small_blob_round_trips(store: Arc<dyn BlobStore>) {
        let receipt = store
            .put(Bytes::from_static(b"hello blobs"), None)
            .await
            .expect("puts");
        assert_eq!(receipt.digest, Digest::of(b"hello blobs"));
        assert_eq!(receipt.size, 11);
        assert!(receipt.created);
        assert_eq!(
            store.get_bytes(&receipt.digest).await.expect("gets"),
            &b"hello blobs"[..]
        );
    }

    pub async fn empty_blob_round_trips(store: Arc<dyn BlobStore>) {
        let receipt = store.put(Bytes::new(), None).await.expect("puts");
        assert_eq!(receipt.digest, Digest::of(b""));
        assert_eq!(store.head(&receipt.digest).await.expect("heads"), Some(0));
        assert!(store.get_bytes(&receipt.digest).await.expect("gets").is_empty());
        let streamed = store
            .put_stream(stream::empty().boxed(), None)
            .await
            .expect("puts an empty stream");
        assert_eq!((streamed.digest, streamed.created), (receipt.digest, false));
    }

    pub async fn large_blob_round_trips_from_memory(store: Arc<dyn BlobStore>) {
        let blob = content(20 * MIB, 1);
        let receipt = store
            .put(blob.clone(), Some(Digest::of(&blob)))
            .await
            .expect("puts");
        assert_eq!(receipt.size, blob.len() as u64);
        assert_eq!(store.get_bytes(&receipt.digest).await.expect("gets"), blob);
    }

    pub async fn large_blob_streamed_without_digest_round_trips(store: Arc<dyn BlobStore>) {
        let blob = content(20 * MIB + 123, 2);
        let receipt = store
            .put_stream(chunked(&blob, 64 * 1024), None)
            .await
            .expect("puts");
        assert_eq!(receipt.digest, Digest::of(&blob));
        assert_eq!(receipt.size, blob.len() as u64);
        assert!(receipt.created);
        let chunks: Vec<Bytes> = store
            .get(&receipt.digest)
            .await
            .expect("gets")
            .try_collect()
            .await
            .expect("reads");
        assert_eq!(chunks.concat(), blob);
        // the upload's temporary object is gone: only the blob is listed
        let listed: Vec<Digest> = store.list().try_collect().await.expect("lists");
        assert_eq!(listed, vec![receipt.digest]);
    }

    pub async fn large_blob_streamed_with_expected_digest_round_trips(store: Arc<dyn BlobStore>) {
        let blob = content(20 * MIB, 3);
        let digest = Digest::of(&blob);
        let receipt = store
            .put_stream(chunked(&blob, 1_000_003), Some(digest))
            .await
            .expect("puts");
        assert_eq!(
            (receipt.digest, receipt.size, receipt.created),
            (digest, blob.len() as u64, true)
        );
        assert_eq!(store.get_bytes(&digest).await.expect("gets"), blob);
    }

    pub async fn streaming_put_reads_an_async_reader(store: Arc<dyn BlobStore>) {
        let blob = content(3 * MIB + 7, 4);
        let reader = std::io::Cursor::new(blob.to_vec());
        let receipt = store
            .put_stream(source_from_reader(reader), None)
            .await
            .expect("puts");
        assert_eq!(receipt.digest, Digest::of(&blob));
        assert_eq!(store.get_bytes(&receipt.digest).await.expect("gets"), blob);
    }

    pub async fn ranged_reads_return_exactly_the_range(store: Arc<dyn BlobStore>) {
        let blob = content(1000, 5);
        let digest = store.put(blob.clone(), None).await.expect("puts").digest;
        for range in [0..1000, 10..20, 999..1000, 0..1, 500..500, 1000..1000] {
            let stream = store.get_range(&digest, range.clone()).await.expect("ranged get");
            let read = collect(stream).await.expect("reads");
            assert_eq!(
                read,
                blob.slice(range.start as usize..range.end as usize),
                "range {range:?}"
            );
        }
    }

    pub async fn range_past_the_end_is_invalid_and_names_the_size(store: Arc<dyn BlobStore>) {
        let digest = store.put(content(100, 6), None).await.expect("puts").digest;
        for range in [90..101, 100..101, 200..300] {
            match store.get_range(&digest, range.clone()).await {
                Err(Error::Invalid { field, reason }) => {
                    assert_eq!(field, "range");
                    assert!(reason.contains("100 bytes"), "{range:?}: {reason}");
                }
                Err(other) => panic!("{range:?}: expected an invalid range, got {other:?}"),
                Ok(_) => panic!("{range:?}: expected an invalid range, got a stream"),
            }
        }
        let reversed = store
            .get_range(&digest, std::ops::Range { start: 20, end: 10 })
            .await;
        assert!(matches!(reversed, Err(Error::Invalid { ref field, .. }) if field == "range"));
        let missing = store.get_range(&Digest::of(b"missing"), 0..1).await;
        assert!(matches!(missing, Err(Error::NotFound { .. })));
    }

    pub async fn head_reports_the_size_or_none(store: Arc<dyn BlobStore>) {
        let digest = store.put(content(4321, 7), None).await.expect("puts").digest;
        assert_eq!(store.head(&digest).await.expect("heads"), Some(4321));
        assert_eq!(
            store.head(&Digest::of(b"never stored")).await.expect("heads"),
            None
        );
    }

    pub async fn stored_at_reports_when_the_blob_was_written_or_none(store: Arc<dyn BlobStore>) {
        // Second precision (S3's Last-Modified), and clocks of the store and this process
        // may differ a little: a window of a minute around the put.
        let before = chrono::Utc::now() - chrono::Duration::seconds(60);
        let digest = store.put(content(512, 21), None).await.expect("puts").digest;
        let after = chrono::Utc::now() + chrono::Duration::seconds(60);
        let stored_at = store.stored_at(&digest).await.expect("answers").expect("stored");
        assert!(
            before < stored_at && stored_at < after,
            "{stored_at} is not around the put"
        );
        assert_eq!(
            store
                .stored_at(&Digest::of(b"never stored"))
                .await
                .expect("answers"),
            None
        );
    }

    pub async fn putting_a_stored_blob_again_is_a_no_op(store: Arc<dyn BlobStore>) {
        let blob = content(10_000, 8);
        let first = store.put(blob.clone(), None).await.expect("first put");
        let second = store.put(blob.clone(), None).await.expect("second put");
        let streamed = store
            .put_stream(source_from_bytes(blob.clone()), None)
            .await
            .expect("streamed put");
        assert!(first.created);
        assert_eq!((second.digest, second.created), (first.digest, false));
        assert_eq!((streamed.digest, streamed.created), (first.digest, false));
        let listed: Vec<Digest> = store.list().try_collect().await.expect("lists");
        assert_eq!(listed, vec![first.digest]);
    }

    pub async fn streamed_put_of_a_stored_digest_does_not_read_its_source(store: Arc<dyn BlobStore>) {
        let blob = content(5000, 9);
        let stored = store.put(blob.clone(), None).await.expect("puts");
        let unreadable: ByteSource =
            stream::poll_fn(|_| panic!("the source of a stored digest was read")).boxed();
        let receipt = store
            .put_stream(unreadable, Some(stored.digest))
            .await
            .expect("no-op put");
        assert_eq!(
            (receipt.digest, receipt.size, receipt.created),
            (stored.digest, 5000, false)
        );
    }

    pub async fn delete_removes_and_is_idempotent(store: Arc<dyn BlobStore>) {
        let digest = store
            .put(Bytes::from_static(b"short-lived"), None)
            .await
            .expect("puts")
            .digest;
        store.delete(&digest).await.expect("deletes");
        assert_eq!(store.head(&digest).await.expect("heads"), None);
        assert!(matches!(store.get(&digest).await, Err(Error::NotFound { .. })));
        store.delete(&digest).await.expect("deleting again succeeds");
        store
            .delete(&Digest::of(b"never stored"))
            .await
            .expect("deleting a missing blob succeeds");
    }

    pub async fn list_returns_every_digest_in_ascending_order(store: Arc<dyn BlobStore>) {
        assert_nothing_stored(&store).await;
        let mut expected = Vec::new();
        for seed in 0..12 {
            expected.push(
                store
                    .put(content(64 + seed, seed as u64 + 100), None)
                    .await
                    .expect("puts")
                    .digest,
            );
        }
        expected.sort();
        let listed: Vec<Digest> = store.list().try_collect().await.expect("lists");
        assert_eq!(listed, expected);
        store.delete(&expected[3]).await.expect("deletes");
        expected.remove(3);
        let listed: Vec<Digest> = store.list().try_collect().await.expect("lists");
        assert_eq!(listed, expected);
    }

    pub async fn hash_mismatch_is_rejected_and_nothing_is_stored(store: Arc<dyn BlobStore>) {
        let claimed = Digest::of(b"what the client announced");
        let actual = Digest::of(b"what the client sent");
        let put = store
            .put(Bytes::from_static(b"what the client sent"), Some(claimed))
            .await;
        assert_mismatch(put.map(|_| ()), claimed, actual);
        let streamed = store
            .put_stream(
                source_from_bytes(Bytes::from_static(b"what the client sent")),
                Some(claimed),
            )
            .await;
        assert_mismatch(streamed.map(|_| ()), claimed, actual);
        assert_eq!(store.head(&claimed).await.expect("heads"), None);
        assert_eq!(store.head(&actual).await.expect("heads"), None);
        assert_nothing_stored(&store).await;
    }

    pub async fn large_hash_mismatch_is_rejected_and_nothing_is_stored(store: Arc<dyn BlobStore>) {
        let blob = content(12 * MIB, 10);
        let claimed = Digest::of(b"something else");
        let streamed = store.put_stream(chunked(&blob, 256 * 1024), Some(claimed)).await;
        assert_mismatch(streamed.map(|_| ()), claimed, Digest::of(&blob));
        assert_eq!(store.head(&claimed).await.expect("heads"), None);
        assert_eq!(store.head(&Digest::of(&blob)).await.expect("heads"), None);
        assert_nothing_stored(&store).await;
    }

    pub async fn failing_source_stores_nothing(store: Arc<dyn BlobStore>) {
        for prefix_size in [10, 7 * MIB] {
            let prefix = content(prefix_size, 11);
            let failing = stream::iter([Ok(prefix), Err(std::io::Error::other("client went away"))]).boxed();
            match store.put_stream(failing, None).await {
                Err(Error::Invalid { field, reason }) => {
                    assert_eq!(field, "body");
                    assert!(reason.contains("client went away"), "{reason}");
                }
                other => panic!("expected the failed upload to be rejected, got {other:?}"),
            }
        }
        assert_nothing_stored(&store).await;
    }

    pub async fn missing_blob_is_not_found(store: Arc<dyn BlobStore>) {
        let missing = Digest::of(b"missing");
        match store.get(&missing).await {
            Err(Error::NotFound { entity, id }) => assert_eq!((entity, id), ("blob", missing.to_hex())),
            Err(other) => panic!("expected not found, got {other:?}"),
            Ok(_) => panic!("expected not found, got a stream"),
        }
        assert!(matches!(
            store.get_bytes(&missing).await,
            Err(Error::NotFound { .. })
        ));
    }

    pub async fn bad_digest_is_rejected_naming_the_field(store: Arc<dyn BlobStore>) {
        for text in [
            "",
            "not-a-digest",
            &Digest::of(b"x").to_hex().to_uppercase(),
            "../../../../etc/passwd",
        ] {
            match Digest::parse("expected_digest", text) {
                Err(Error::Invalid { field, reason }) => {
                    assert_eq!(field, "expected_digest");
                    assert!(reason.contains("sha256"), "{reason}");
                }
                other => panic!("{text:?}: expected an invalid digest, got {other:?}"),
            }
        }
        assert_nothing_stored(&store).await;
    }

    pub async fn check_passes_on_a_working_store(store: Arc<dyn BlobStore>) {
        store.check().await.expect("the store is usable");
    }

    fn assert_mismatch(outcome: Result<(), Error>, claimed: Digest, actual: Digest) {
        match outcome {
            Err(Error::HashMismatch {
                expected,
                actual: got,
            }) => {
                assert_eq!(expected, claimed.to_hex());
                assert_eq!(got, actual.to_hex());
            }
            other => panic!("expected a hash mismatch, got {other:?}"),
        }
    }
}

// S3 only: failures of the server and the server-side copy of very large uploads.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_unreachable_endpoint_is_unavailable_and_names_it() {
    let endpoint = format!("http://127.0.0.1:{}", testkit::free_port());
    let mut options = S3Options::new("rsdk-unreachable")
        .with_endpoint(&endpoint)
        .with_region("us-east-1")
        .with_credentials("key", "secret")
        .with_outbound(OutboundPolicy::allow_all());
    options.max_attempts = 2;
    let store = S3BlobStore::connect(options)
        .await
        .expect("connects without contacting the server");
    let digest = Digest::of(b"x");
    let outcomes = [
        store.head(&digest).await.map(|_| ()),
        store.put(Bytes::from_static(b"x"), None).await.map(|_| ()),
        store.get(&digest).await.map(|_| ()),
        store.check().await,
        store.list().try_collect::<Vec<_>>().await.map(|_| ()),
    ];
    for outcome in outcomes {
        match outcome {
            Err(Error::Unavailable { service, reason }) => {
                assert_eq!(service, "s3");
                assert!(reason.contains(&endpoint), "{reason}");
            }
            other => panic!("expected s3 to be unavailable, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_missing_bucket_is_unavailable_and_names_it() {
    let server = testkit::s3::shared();
    let store = S3BlobStore::connect(s3_options(server, "rsdk-no-such-bucket".to_owned()))
        .await
        .expect("connects");
    match store.check().await {
        Err(Error::Unavailable { reason, .. }) => assert!(reason.contains("rsdk-no-such-bucket"), "{reason}"),
        other => panic!("expected a missing bucket to be unavailable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_upload_larger_than_a_copy_part_is_copied_in_parts() {
    let server = testkit::s3::shared();
    let mut options = s3_options(server, server.create_bucket());
    options.copy_part_size = 5 * MIB as u64;
    let store = S3BlobStore::connect(options).await.expect("connects");
    let blob = content(12 * MIB + 5, 12);
    let receipt = store
        .put_stream(chunked(&blob, 512 * 1024), None)
        .await
        .expect("puts");
    assert_eq!(receipt.digest, Digest::of(&blob));
    assert_eq!(store.get_bytes(&receipt.digest).await.expect("gets"), blob);
    let listed: Vec<Digest> = store.list().try_collect().await.expect("lists");
    assert_eq!(listed, vec![receipt.digest]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_opens_a_sharded_local_store() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = ingest::blob::BlobUrl::parse(&format!("file:{}", dir.path().display())).expect("parses");
    let store = url.open(&OutboundPolicy::default()).await.expect("opens");
    let digest = store
        .put(Bytes::from_static(b"via url"), None)
        .await
        .expect("puts")
        .digest;
    assert!(dir.path().join(&digest.to_hex()[..2]).is_dir());
}
