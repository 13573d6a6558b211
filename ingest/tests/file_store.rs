//! The file store on a real embedded graph over both blob stores (a local directory and an
//! S3 server on loopback): deltas against the parent's version rebuild exactly, unchanged
//! files cost nothing, and garbage collection deletes only blobs nothing uses.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use graph::engine::EmbeddedEngine;
use graph::model::{ContentStorage, Experiment, NewExperiment, NewProject, ParentRef};
use graph::Graph;
use ingest::blob::{BlobStore, Digest, LocalBlobStore, S3BlobStore, S3Options};
use ingest::file_store::{FileStore, ManifestEntry};
use sha2::{Digest as _, Sha256};
use testkit::s3::S3Server;

struct World {
    files: FileStore,
    blobs: Arc<dyn BlobStore>,
    graph: Graph,
    _dir: tempfile::TempDir,
}

async fn world(blobs: Option<Arc<dyn BlobStore>>) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
        .await
        .expect("engine");
    let graph = Graph::open(Arc::new(engine)).await.expect("schema");
    let blobs = match blobs {
        Some(blobs) => blobs,
        None => Arc::new(
            LocalBlobStore::open(dir.path().join("blobs"))
                .await
                .expect("blobs"),
        ),
    };
    graph
        .create_project(NewProject {
            name: "p".into(),
            description: String::new(),
            settings: None,
        })
        .await
        .expect("project");
    World {
        files: FileStore::new(graph.clone(), blobs.clone()),
        blobs,
        graph,
        _dir: dir,
    }
}

async fn s3_blobs() -> Arc<dyn BlobStore> {
    let server = testkit::s3::shared();
    let options = S3Options::new(server.create_bucket())
        .with_prefix("files")
        .with_endpoint(server.endpoint())
        .with_region(S3Server::REGION)
        .with_credentials(S3Server::ACCESS_KEY_ID, S3Server::SECRET_ACCESS_KEY);
    Arc::new(S3BlobStore::connect(options).await.expect("s3 store connects"))
}

async fn experiment(world: &World, name: &str, parent: Option<i64>) -> Experiment {
    world
        .graph
        .create_experiment(NewExperiment {
            project: "p".into(),
            name: name.into(),
            parent: parent.map(ParentRef::Number),
            ..NewExperiment::default()
        })
        .await
        .expect("experiment")
}

async fn store(world: &World, run: &Experiment, path: &str, content: &[u8]) -> ContentStorage {
    let hash = hex::encode(Sha256::digest(content));
    let stored = world
        .files
        .put_content(run, path, &hash, "text/plain", Bytes::copy_from_slice(content))
        .await
        .expect("stored");
    let entry = ManifestEntry {
        path: path.into(),
        size: content.len() as u64,
        hash,
        mime: "text/plain".into(),
    };
    world
        .files
        .commit("p", run, None, &[entry], &[])
        .await
        .expect("committed");
    stored.storage
}

fn text(lines: usize, changed: usize) -> Vec<u8> {
    (0..lines)
        .map(|line| {
            if line == changed {
                format!("line {line} changed\n")
            } else {
                format!("line {line}\n")
            }
        })
        .collect::<String>()
        .into_bytes()
}

async fn deltas_rebuild_exactly_and_unused_blobs_are_collected(world: World) {
    let root = experiment(&world, "1", None).await;
    let child = experiment(&world, "2", Some(1)).await;
    let grandchild = experiment(&world, "3", Some(2)).await;
    assert_eq!(
        store(&world, &root, "a.txt", &text(5_000, usize::MAX)).await,
        ContentStorage::Full
    );
    assert_eq!(
        store(&world, &child, "a.txt", &text(5_000, 10)).await,
        ContentStorage::Delta
    );
    assert_eq!(
        store(&world, &grandchild, "a.txt", &text(5_000, 20)).await,
        ContentStorage::Delta
    );
    let file = world.files.file(&grandchild.id, "a.txt").await.expect("the file");
    let rebuilt = world
        .files
        .read(&file.hash)
        .await
        .expect("rebuilt through two deltas");
    assert_eq!(rebuilt.to_vec(), text(5_000, 20));

    let orphan = b"uploaded, never committed";
    let hash = hex::encode(Sha256::digest(orphan));
    world
        .files
        .put_content(
            &root,
            "orphan.txt",
            &hash,
            "text/plain",
            Bytes::from_static(orphan),
        )
        .await
        .expect("stored");
    let report = world
        .files
        .collect_garbage(Duration::ZERO)
        .await
        .expect("collected");
    assert_eq!((report.deleted, report.kept), (1, 3));
    let orphan_blob = Digest::parse("digest", &hash).expect("a digest");
    assert!(
        world.blobs.head(&orphan_blob).await.expect("head").is_none(),
        "its blob is gone"
    );
    let still = world
        .files
        .read(&file.hash)
        .await
        .expect("used contents stay readable");
    assert_eq!(still.to_vec(), text(5_000, 20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_local_directory() {
    deltas_rebuild_exactly_and_unused_blobs_are_collected(world(None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_s3() {
    deltas_rebuild_exactly_and_unused_blobs_are_collected(world(Some(s3_blobs().await)).await).await;
}
