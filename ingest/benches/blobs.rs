//! Blob store throughput: put and get in MB/s (10^6 bytes per second) on the local directory
//! store and on the S3 store against moto on loopback (started through testkit).
//!
//! `cargo bench -p ingest --bench blobs`. Each workload is run once, one blob at a time:
//! 64 blobs of 1 MiB and 4 blobs of 64 MiB, put from memory (`put`), put as a stream of
//! 256 KiB chunks (`put_stream`, multipart on S3 above 8 MiB), then read back (`get`).
//! Moto is a Python server keeping objects in memory: its figures bound what the client code
//! costs, not what MinIO or AWS would do.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};
use graph::outbound::OutboundPolicy;
use ingest::blob::{BlobStore, ByteSource, LocalBlobStore, S3BlobStore, S3Options};
use testkit::s3::S3Server;

const MIB: usize = 1024 * 1024;

struct Workload {
    name: &'static str,
    count: usize,
    size: usize,
}

const WORKLOADS: [Workload; 2] = [
    Workload {
        name: "64 x 1 MiB",
        count: 64,
        size: MIB,
    },
    Workload {
        name: "4 x 64 MiB",
        count: 4,
        size: 64 * MIB,
    },
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    println!(
        "{:<7} {:<12} {:<11} {:>9} {:>10}",
        "store", "workload", "operation", "seconds", "MB/s"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let local = LocalBlobStore::open(dir.path().join("blobs"))
        .await
        .expect("local store opens");
    measure_store("local", Arc::new(local)).await;

    let server = testkit::s3::server();
    let options = S3Options::new(server.create_bucket())
        .with_prefix("bench")
        .with_endpoint(server.endpoint())
        .with_region(S3Server::REGION)
        .with_credentials(S3Server::ACCESS_KEY_ID, S3Server::SECRET_ACCESS_KEY)
        .with_outbound(OutboundPolicy::allow_all());
    let s3 = S3BlobStore::connect(options).await.expect("s3 store connects");
    measure_store("s3", Arc::new(s3)).await;
}

async fn measure_store(store_name: &str, store: Arc<dyn BlobStore>) {
    for (index, workload) in WORKLOADS.iter().enumerate() {
        let seed = index as u64 * 1_000;
        let blobs: Vec<Bytes> = (0..workload.count)
            .map(|n| content(workload.size, seed + n as u64))
            .collect();
        let streamed: Vec<Bytes> = (0..workload.count)
            .map(|n| content(workload.size, seed + 500 + n as u64))
            .collect();
        let total_bytes = (workload.count * workload.size) as f64;

        let started = Instant::now();
        let mut digests = Vec::new();
        for blob in &blobs {
            digests.push(store.put(blob.clone(), None).await.expect("put").digest);
        }
        report(store_name, workload.name, "put", started, total_bytes);

        let started = Instant::now();
        for blob in &streamed {
            digests.push(
                store
                    .put_stream(chunked(blob, 256 * 1024), None)
                    .await
                    .expect("put_stream")
                    .digest,
            );
        }
        report(store_name, workload.name, "put_stream", started, total_bytes);

        let started = Instant::now();
        let mut read = 0_usize;
        for digest in &digests[..workload.count] {
            let mut chunks = store.get(digest).await.expect("get");
            while let Some(chunk) = chunks.try_next().await.expect("read") {
                read += chunk.len();
            }
        }
        assert_eq!(read, workload.count * workload.size);
        report(store_name, workload.name, "get", started, total_bytes);

        for digest in &digests {
            store.delete(digest).await.expect("delete");
        }
    }
}

fn report(store: &str, workload: &str, operation: &str, started: Instant, bytes: f64) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{store:<7} {workload:<12} {operation:<11} {seconds:>9.3} {:>10.1}",
        bytes / seconds / 1e6
    );
}

/// Deterministic pseudo-random content (xorshift).
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

fn chunked(content: &Bytes, chunk: usize) -> ByteSource {
    let pieces: Vec<std::io::Result<Bytes>> = (0..content.len())
        .step_by(chunk)
        .map(|start| Ok(content.slice(start..(start + chunk).min(content.len()))))
        .collect();
    stream::iter(pieces).boxed()
}
