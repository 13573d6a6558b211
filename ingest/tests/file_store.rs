//! The file and code stores on a real embedded graph over both blob stores (a local directory
//! and an S3 server on loopback): deltas against the parent's version rebuild exactly,
//! unchanged files cost nothing, garbage collection deletes only blobs nothing uses (orphans
//! left by a crash included, once past the grace period), and a
//! code snapshot restores its exact source tree.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use graph::engine::EmbeddedEngine;
use graph::model::{
    CodeFormat, ContentStorage, Experiment, GitReference, NewExperiment, NewProject, ParentRef,
};
use graph::outbound::OutboundPolicy;
use graph::Graph;
use ingest::blob::{BlobStore, Digest, LocalBlobStore, S3BlobStore, S3Options};
use ingest::code_store::{CodeStore, PatchReference, RestoreMode, SnapshotInput, SourceFile};
use ingest::file_store::{FileStatus, FileStore, ManifestEntry, TarStream};
use ingest::files::{read_tar, ArchiveLimits};
use sha2::{Digest as _, Sha256};
use testkit::s3::S3Server;

struct World {
    files: FileStore,
    code: CodeStore,
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
    let files = FileStore::new(graph.clone(), blobs.clone());
    World {
        code: CodeStore::new(graph.clone(), files.clone()),
        files,
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
        .with_credentials(S3Server::ACCESS_KEY_ID, S3Server::SECRET_ACCESS_KEY)
        .with_outbound(OutboundPolicy::allow_all());
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

/// A blob that no record names (a crash between a put and its record leaves one) is kept
/// while it is younger than the grace period and deleted after it; named blobs never are.
async fn blobs_no_record_names_are_collected_past_the_grace_period(world: World) {
    let run = experiment(&world, "1", None).await;
    store(&world, &run, "kept.txt", b"a committed file").await;
    let orphan = world
        .blobs
        .put(Bytes::from_static(b"written, then the process died"), None)
        .await
        .expect("put")
        .digest;

    let young = world
        .files
        .collect_garbage(Duration::from_secs(3600))
        .await
        .expect("collected");
    assert_eq!(
        young.orphans, 0,
        "a young orphan may still be about to be recorded"
    );
    assert!(world.blobs.head(&orphan).await.expect("head").is_some());

    let report = world
        .files
        .collect_garbage(Duration::ZERO)
        .await
        .expect("collected");
    assert_eq!((report.deleted, report.kept, report.orphans), (0, 1, 1));
    assert!(
        world.blobs.head(&orphan).await.expect("head").is_none(),
        "the orphan is gone"
    );
    let file = world.files.file(&run.id, "kept.txt").await.expect("the file");
    let content = world.files.read(&file.hash).await.expect("still readable");
    assert_eq!(content.as_ref(), b"a committed file");
}

/// Uploads `content` as a source file of `run`'s snapshot and describes it.
async fn source(world: &World, run: &Experiment, path: &str, content: &[u8]) -> (SourceFile, ContentStorage) {
    let hash = hex::encode(Sha256::digest(content));
    let stored = world
        .code
        .put_content(run, path, &hash, "text/x-python", Bytes::copy_from_slice(content))
        .await
        .expect("stored");
    let file = SourceFile {
        path: path.into(),
        hash,
        size: content.len() as u64,
        executable: false,
        untracked: false,
        stored: true,
    };
    (file, stored.storage)
}

/// A source file listed by hash only (its content is in the commit).
fn tracked(path: &str, content: &[u8]) -> SourceFile {
    SourceFile {
        path: path.into(),
        hash: hex::encode(Sha256::digest(content)),
        size: content.len() as u64,
        executable: false,
        untracked: false,
        stored: false,
    }
}

fn git(commit: &str) -> GitReference {
    GitReference {
        repository: Some("vision".into()),
        remote_url: Some("https://example.com/lab/vision.git".into()),
        branch: Some("main".into()),
        commit: Some(commit.into()),
    }
}

/// The bytes of a streamed archive, which are as many as it announced.
async fn bytes_of(tar: TarStream) -> Vec<u8> {
    let length = tar.length;
    let bytes = ingest::blob::collect(tar.stream).await.expect("streamed");
    assert_eq!(bytes.len() as u64, length, "the announced length");
    bytes.to_vec()
}

/// The files of a tar archive by path.
fn unpack(archive: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    read_tar(archive, &ArchiveLimits::default())
        .expect("a readable tar")
        .into_iter()
        .map(|entry| (entry.path, entry.bytes))
        .collect()
}

async fn a_git_snapshot_restores_its_patch_and_untracked_files(world: World) {
    let run = experiment(&world, "1", None).await;
    let patch =
        b"diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 1\n+lr = 2\n";
    let patch_hash = hex::encode(Sha256::digest(patch));
    world
        .code
        .put_content(
            &run,
            ".rsdk/patch.diff",
            &patch_hash,
            "text/x-diff",
            Bytes::from_static(patch),
        )
        .await
        .expect("patch stored");
    let (mut notes, _) = source(&world, &run, "notes/todo.md", b"try a larger batch\n").await;
    notes.untracked = true;
    let (mut script, _) = source(&world, &run, "run.sh", b"#!/bin/sh\npython train.py\n").await;
    script.untracked = true;
    script.executable = true;
    let input = SnapshotInput {
        format: CodeFormat::Git,
        git: git("0123456789abcdef0123456789abcdef01234567"),
        patch: Some(PatchReference {
            hash: patch_hash.clone(),
            size: patch.len() as u64,
        }),
        files: vec![tracked("train.py", b"lr = 2\n"), notes, script],
    };
    let plan_entries: Vec<ManifestEntry> = ["notes/todo.md", ".rsdk/patch.diff", "missing.py"]
        .iter()
        .map(|path| ManifestEntry {
            path: (*path).into(),
            size: 3,
            hash: hex::encode(Sha256::digest(path.as_bytes())),
            mime: "text/plain".into(),
        })
        .collect();
    let lacking = world.code.plan(&plan_entries).await.expect("planned");
    assert_eq!(lacking.len(), 3, "none of those hashes is stored: {lacking:?}");

    let snapshot = world.code.record(&run, input).await.expect("recorded");
    assert_eq!(snapshot.snapshot.counts.files, 3);
    assert_eq!(snapshot.snapshot.counts.stored, 2);
    assert_eq!(snapshot.snapshot.counts.untracked, 2);
    assert!(!snapshot.self_contained());
    let paths: Vec<&str> = snapshot.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(paths, ["notes/todo.md", "run.sh", "train.py"], "by path");

    let archive = bytes_of(
        world
            .code
            .restore("p", &run, RestoreMode::Auto)
            .await
            .expect("restored"),
    )
    .await;
    let files = unpack(&archive);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".rsdk/manifest.json",
            ".rsdk/patch.diff",
            ".rsdk/restore.json",
            "notes/todo.md",
            "run.sh"
        ],
        "git mode: the patch and the untracked files, not the tracked file"
    );
    assert_eq!(files[".rsdk/patch.diff"], patch.to_vec());
    let description: serde_json::Value = serde_json::from_slice(&files[".rsdk/restore.json"]).expect("json");
    assert_eq!(description["mode"], "git");
    assert_eq!(description["commit"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(description["patch"], ".rsdk/patch.diff");
    let manifest: serde_json::Value = serde_json::from_slice(&files[".rsdk/manifest.json"]).expect("json");
    assert_eq!(
        manifest["files"][2]["hash"],
        hex::encode(Sha256::digest(b"lr = 2\n"))
    );
    let mut reader = tar::Archive::new(archive.as_slice());
    let script_mode = reader
        .entries()
        .expect("entries")
        .map(|entry| entry.expect("entry"))
        .find(|entry| entry.path().expect("path").to_str() == Some("run.sh"))
        .map(|entry| entry.header().mode().expect("mode"))
        .expect("run.sh is in the archive");
    assert_eq!(script_mode, 0o755, "executables keep their mode");

    let error = world
        .code
        .restore("p", &run, RestoreMode::Full)
        .await
        .expect_err("train.py is only in the commit");
    assert!(
        matches!(error, ingest::Error::Invalid { ref field, .. } if field == "mode"),
        "{error:?}"
    );
}

async fn a_child_snapshot_stores_changed_sources_as_deltas(world: World) {
    let root = experiment(&world, "1", None).await;
    let child = experiment(&world, "2", Some(1)).await;
    let original = text(3_000, usize::MAX);
    let (train, storage) = source(&world, &root, "train.py", &original).await;
    assert_eq!(storage, ContentStorage::Full);
    let (model, _) = source(&world, &root, "model.py", b"class Net: pass\n").await;
    let (old, _) = source(&world, &root, "old.py", b"# removed later\n").await;
    let input = |files: Vec<SourceFile>| SnapshotInput {
        format: CodeFormat::Tarball,
        git: GitReference::default(),
        patch: None,
        files,
    };
    world
        .code
        .record(&root, input(vec![train, model.clone(), old]))
        .await
        .expect("root snapshot");

    let changed = text(3_000, 7);
    let (train, storage) = source(&world, &child, "train.py", &changed).await;
    assert_eq!(
        storage,
        ContentStorage::Delta,
        "one changed line of 3,000 is a delta"
    );
    let (new, _) = source(&world, &child, "data.py", b"def load(): ...\n").await;
    world
        .code
        .record(&child, input(vec![train, model, new]))
        .await
        .expect("child snapshot");

    let tree = world.code.tree(&child, Some(&root)).await.expect("tree");
    let statuses: Vec<(&str, FileStatus)> = tree
        .iter()
        .map(|entry| (entry.path.as_str(), entry.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("data.py", FileStatus::Added),
            ("model.py", FileStatus::Unchanged),
            ("old.py", FileStatus::Deleted),
            ("train.py", FileStatus::Modified),
        ]
    );
    let diff = world
        .code
        .diff(&root.id, &child.id, "train.py")
        .await
        .expect("diff");
    let text_diff = diff.text.expect("both sides are stored text");
    assert_eq!((text_diff.added, text_diff.removed), (1, 1));
    assert_eq!(diff.reason, None);

    let archive = bytes_of(
        world
            .code
            .restore("p", &child, RestoreMode::Auto)
            .await
            .expect("restored in full"),
    )
    .await;
    let files = unpack(&archive);
    assert_eq!(files["train.py"], changed, "rebuilt through the delta");
    assert_eq!(files["model.py"], b"class Net: pass\n".to_vec());
    assert!(!files.contains_key("old.py"));
    let description: serde_json::Value = serde_json::from_slice(&files[".rsdk/restore.json"]).expect("json");
    assert_eq!(description["mode"], "full");

    let loose = b"uploaded, never recorded";
    world
        .code
        .put_content(
            &child,
            "loose.py",
            &hex::encode(Sha256::digest(loose)),
            "text/plain",
            Bytes::from_static(loose),
        )
        .await
        .expect("stored");
    let report = world
        .files
        .collect_garbage(Duration::ZERO)
        .await
        .expect("collected");
    assert_eq!(
        report.deleted, 1,
        "only the loose content: snapshots hold the rest"
    );
    let again = bytes_of(
        world
            .code
            .restore("p", &root, RestoreMode::Full)
            .await
            .expect("the root still restores"),
    )
    .await;
    assert_eq!(unpack(&again)["train.py"], original);
}

async fn bad_snapshots_name_the_field_and_store_nothing(world: World) {
    let run = experiment(&world, "1", None).await;
    let (good, _) = source(&world, &run, "train.py", b"print(1)\n").await;
    let input = |format, git, files: Vec<SourceFile>| SnapshotInput {
        format,
        git,
        patch: None,
        files,
    };
    let with = |change: &dyn Fn(&mut SourceFile)| {
        let mut file = good.clone();
        change(&mut file);
        file
    };
    let cases: Vec<(SnapshotInput, &str)> = vec![
        (
            input(CodeFormat::Git, GitReference::default(), vec![good.clone()]),
            "git.commit",
        ),
        (
            input(CodeFormat::Patch, git("abcdef0"), vec![good.clone()]),
            "patch",
        ),
        (
            input(
                CodeFormat::Git,
                git("abcdef0"),
                vec![with(&|file| file.path = "../etc/passwd".into())],
            ),
            "files[0].path",
        ),
        (
            input(
                CodeFormat::Git,
                git("abcdef0"),
                vec![with(&|file| file.path = ".rsdk/manifest.json".into())],
            ),
            "files[0].path",
        ),
        (
            input(CodeFormat::Git, git("abcdef0"), vec![with(&|file| file.size = 1)]),
            "files[0].size",
        ),
        (
            input(
                CodeFormat::Git,
                git("abcdef0"),
                vec![with(&|file| file.hash = "ab".repeat(32))],
            ),
            "files[0].hash",
        ),
        (
            input(
                CodeFormat::Git,
                git("abcdef0"),
                vec![with(&|file| {
                    file.untracked = true;
                    file.stored = false;
                })],
            ),
            "files[0].stored",
        ),
        (
            input(
                CodeFormat::Tarball,
                GitReference::default(),
                vec![with(&|file| file.stored = false)],
            ),
            "files[0].stored",
        ),
        (
            input(CodeFormat::Git, git("abcdef0"), vec![good.clone(), good.clone()]),
            "files[1].path",
        ),
        (
            input(
                CodeFormat::Git,
                GitReference {
                    remote_url: Some("https://user:secret@example.com/repo.git".into()),
                    ..git("abcdef0")
                },
                vec![good.clone()],
            ),
            "git.remote_url",
        ),
        (
            input(CodeFormat::Commit, git("not-hex"), vec![good.clone()]),
            "git.commit",
        ),
    ];
    for (input, expected) in cases {
        let error = world.code.record(&run, input).await.expect_err(expected);
        match error {
            ingest::Error::Invalid { field, .. } => assert_eq!(field, expected),
            other => panic!("expected {expected} to be invalid, got {other:?}"),
        }
    }

    let mut linked = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    linked
        .append_link(&mut header, "secrets", "/etc")
        .expect("a link");
    let linked = linked.into_inner().expect("tar");
    let error = world
        .code
        .record_tarball(&run, Bytes::from(linked))
        .await
        .expect_err("links are refused");
    assert!(
        matches!(error, ingest::Error::Invalid { ref field, .. } if field == "archive[secrets]"),
        "{error:?}"
    );

    let mut bomb = tar::Header::new_gnu();
    bomb.set_path("weights.bin").expect("path");
    bomb.set_size(4 * 1024 * 1024 * 1024);
    bomb.set_entry_type(tar::EntryType::Regular);
    bomb.set_cksum();
    let mut archive = bomb.as_bytes().to_vec();
    archive.extend(vec![0u8; 4096]);
    let error = world
        .code
        .record_tarball(&run, Bytes::from(archive))
        .await
        .expect_err("a bomb is refused before it expands");
    assert!(
        matches!(error, ingest::Error::Invalid { ref field, .. } if field == "archive[weights.bin]"),
        "{error:?}"
    );

    assert_eq!(
        world.code.snapshot(&run.id).await.expect("read"),
        None,
        "nothing was recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_local_directory() {
    deltas_rebuild_exactly_and_unused_blobs_are_collected(world(None).await).await;
    blobs_no_record_names_are_collected_past_the_grace_period(world(None).await).await;
    a_git_snapshot_restores_its_patch_and_untracked_files(world(None).await).await;
    a_child_snapshot_stores_changed_sources_as_deltas(world(None).await).await;
    bad_snapshots_name_the_field_and_store_nothing(world(None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_s3() {
    deltas_rebuild_exactly_and_unused_blobs_are_collected(world(Some(s3_blobs().await)).await).await;
    blobs_no_record_names_are_collected_past_the_grace_period(world(Some(s3_blobs().await)).await).await;
    a_git_snapshot_restores_its_patch_and_untracked_files(world(Some(s3_blobs().await)).await).await;
    a_child_snapshot_stores_changed_sources_as_deltas(world(Some(s3_blobs().await)).await).await;
    bad_snapshots_name_the_field_and_store_nothing(world(Some(s3_blobs().await)).await).await;
}
