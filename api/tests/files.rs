//! Experiment files through the real server: the upload plan, content uploads stored whole
//! or as deltas, commits, trees with status against the parent, history, downloads, diffs,
//! capture policies, garbage collection and every refusal the issue lists.

mod support;

use serde_json::{json, Value};
use support::files::{entry, post, put, sha, upload};

impl AsRef<str> for Run {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

struct Run {
    id: String,
}

async fn run(server: &support::TestServer, name: &str, parent: Option<i64>) -> Run {
    let input = match parent {
        Some(parent) => json!({ "project": "files", "name": name, "parentNumber": parent }),
        None => json!({ "project": "files", "name": name }),
    };
    let created = server
        .ok(
            "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    Run {
        id: created["createExperiment"]["id"]
            .as_str()
            .expect("an id")
            .to_owned(),
    }
}

fn config(lines: usize, changed: Option<usize>) -> Vec<u8> {
    (0..lines)
        .map(|line| match changed {
            Some(at) if at == line => format!("learning_rate_{line}: 0.5 changed\n"),
            _ => format!("learning_rate_{line}: 0.001\n"),
        })
        .collect::<String>()
        .into_bytes()
}

const TREE: &str = "query($n: Int!, $against: Int) { files(project: \"files\", number: $n, against: $against) \
     { against entries { path status current { version hash storage introducedBy deleted } other { hash } } } }";

fn statuses(tree: &Value) -> Vec<(String, String)> {
    tree["files"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            (
                entry["path"].as_str().expect("path").to_owned(),
                entry["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_uploads_only_what_changed_and_compares_with_its_parent() {
    let server = support::start().await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    let child = run(&server, "2", Some(1)).await;
    let weights: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let (lacking, storages) = upload(
        &server,
        &root,
        &[
            ("configs/train.yaml", &config(2_000, None)),
            ("checkpoints/model.pt", &weights),
            ("README.md", b"# run\n"),
        ],
    )
    .await;
    assert_eq!(lacking.len(), 3, "the root sends everything");
    assert!(storages.iter().all(|storage| storage == "full"), "{storages:?}");

    let changed = config(2_000, Some(700));
    let new_weights: Vec<u8> = weights.iter().map(|byte| byte.wrapping_add(1)).collect();
    let (lacking, storages) = upload(
        &server,
        &child,
        &[
            ("configs/train.yaml", &changed),
            ("checkpoints/model.pt", &new_weights),
            ("README.md", b"# run\n"),
        ],
    )
    .await;
    assert_eq!(
        lacking,
        vec!["configs/train.yaml", "checkpoints/model.pt"],
        "the unchanged README is not sent"
    );
    assert_eq!(
        storages,
        vec!["delta", "full"],
        "text changes are deltas, binaries whole"
    );

    let tree = server.ok(TREE, json!({ "n": 2 })).await;
    assert_eq!(tree["files"]["against"], 1, "compared with the parent by default");
    assert_eq!(
        statuses(&tree),
        vec![
            ("README.md".to_owned(), "UNCHANGED".to_owned()),
            ("checkpoints/model.pt".to_owned(), "MODIFIED".to_owned()),
            ("configs/train.yaml".to_owned(), "MODIFIED".to_owned()),
        ]
    );
    let readme = &tree["files"]["entries"][0]["current"];
    assert_eq!(readme["introducedBy"], 1, "the README was inherited from #1");

    let download = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/tree/configs/train.yaml",
            server.url, child.id
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.expect("bytes").to_vec(),
        changed,
        "a delta rebuilds exactly"
    );

    let diff = server
        .ok(
            "{ fileDiff(project: \"files\", left: 1, right: 2, path: \"configs/train.yaml\") \
             { binary added removed hunks { lines { kind oldNumber newNumber segments { text changed } } } } }",
            json!({}),
        )
        .await;
    let diff = &diff["fileDiff"];
    assert_eq!(
        (
            diff["binary"].clone(),
            diff["added"].clone(),
            diff["removed"].clone()
        ),
        (json!(false), json!(1), json!(1))
    );
    let lines = diff["hunks"][0]["lines"].as_array().expect("lines");
    let added = lines
        .iter()
        .find(|line| line["kind"] == "ADDED")
        .expect("an added line");
    assert_eq!(added["newNumber"], 701);
    let highlighted: Vec<&str> = added["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter(|segment| segment["changed"] == true)
        .map(|segment| segment["text"].as_str().expect("text"))
        .collect();
    assert!(
        highlighted.iter().any(|text| text.contains("changed")),
        "{highlighted:?}"
    );

    let binary = server
        .ok(
            "{ fileDiff(project: \"files\", left: 1, right: 2, path: \"checkpoints/model.pt\") { binary left { hash size } right { hash } } }",
            json!({}),
        )
        .await;
    assert_eq!(binary["fileDiff"]["binary"], true);
    assert_eq!(binary["fileDiff"]["left"]["hash"], sha(&weights));
    assert_eq!(binary["fileDiff"]["right"]["hash"], sha(&new_weights));

    let tar = server
        .client
        .get(format!("{}/api/v1/experiments/{}/tree.tar", server.url, child.id))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("bytes");
    let entries = ingest::files::read_tar(&tar, &ingest::files::ArchiveLimits::default()).expect("a tar");
    let paths: Vec<&str> = entries.iter().map(|entry| entry.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["README.md", "checkpoints/model.pt", "configs/train.yaml"]
    );
    assert_eq!(entries[1].bytes, new_weights);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_uploads_version_a_path_and_deletions_show_against_the_parent() {
    let server = support::start().await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    upload(&server, &root, &[("a.txt", b"one\n"), ("b.txt", b"bee\n")]).await;
    let (lacking, _) = upload(&server, &root, &[("a.txt", b"two\n")]).await;
    assert_eq!(
        lacking,
        vec!["a.txt"],
        "an incremental upload sends only what changed"
    );
    let history = server
        .ok(
            "{ fileHistory(project: \"files\", number: 1, path: \"a.txt\") { version hash } }",
            json!({}),
        )
        .await;
    let versions: Vec<i64> = history["fileHistory"]
        .as_array()
        .expect("history")
        .iter()
        .map(|version| version["version"].as_i64().expect("a version"))
        .collect();
    assert_eq!(versions, vec![1, 2]);

    let child = run(&server, "2", Some(1)).await;
    upload(&server, &child, &[("a.txt", b"two\n"), ("b.txt", b"bee\n")]).await;
    let (status, _) = post(
        &server,
        &child,
        "commit",
        &json!({ "files": [], "deleted": ["b.txt"] }),
    )
    .await;
    assert_eq!(status, 200);
    let tree = server.ok(TREE, json!({ "n": 2 })).await;
    assert_eq!(
        statuses(&tree),
        vec![
            ("a.txt".to_owned(), "UNCHANGED".to_owned()),
            ("b.txt".to_owned(), "DELETED".to_owned())
        ]
    );
    let gone = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/tree/b.txt",
            server.url, child.id
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(gone.status(), 404, "a deleted file is not served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_with_the_field_and_store_nothing() {
    let server = support::start().await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    for (path, field) in [
        ("../escape.txt", "files[0].path"),
        ("/etc/passwd", "files[0].path"),
        ("C:/windows/x", "files[0].path"),
        ("a\u{0}b", "files[0].path"),
        ("cache/blob.bin", "files[0].path"),
        ("x/y.tmp", "files[0].path"),
    ] {
        let (status, body) = post(
            &server,
            &root,
            "plan",
            &json!({ "files": [entry(path, b"x", "text/plain")] }),
        )
        .await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
    }
    let bad_hash = json!({ "files": [{ "path": "a.txt", "size": 1, "hash": "abc" }] });
    let (status, body) = post(&server, &root, "plan", &bad_hash).await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("files[0].hash")),
        "{body}"
    );

    let (status, body) = put(&server, &root, "a.txt", b"actual bytes", &sha(b"other bytes")).await;
    assert_eq!(status, 422, "a hash mismatch is refused: {body}");
    let (status, body) = post(
        &server,
        &root,
        "commit",
        &json!({ "files": [entry("a.txt", b"actual bytes", "text/plain")] }),
    )
    .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("files[0].hash")),
        "nothing was stored: {body}"
    );

    let policy = "mutation { setCapturePolicy(project: \"files\", policy: {name: \"small\", include: [\"configs/**/*.yaml\"], \
                  exclude: [], maxFileBytes: 10, maxExperimentBytes: 15}) { name } }";
    server.ok(policy, json!({})).await;
    let small = |files: Vec<Value>| json!({ "policy": "small", "files": files });
    let (status, body) = post(
        &server,
        &root,
        "plan",
        &small(vec![entry("configs/a/b.yaml", &[b'x'; 11], "text/yaml")]),
    )
    .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("files[0].path")),
        "{body}"
    );
    assert!(
        body["message"].as_str().expect("message").contains("10"),
        "names the limit: {body}"
    );
    let (status, body) = post(
        &server,
        &root,
        "plan",
        &small(vec![entry("checkpoints/a.pt", b"x", "application/octet-stream")]),
    )
    .await;
    assert_eq!(status, 422, "not included by the policy: {body}");
    let (status, body) = post(
        &server,
        &root,
        "plan",
        &small(vec![
            entry("configs/a.yaml", &[b'x'; 8], "text/yaml"),
            entry("configs/b.yaml", &[b'y'; 8], "text/yaml"),
        ]),
    )
    .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("files")),
        "over the experiment limit: {body}"
    );
    let (status, body) = post(&server, &root, "plan", &json!({ "policy": "nope", "files": [] })).await;
    assert_eq!((status, body["field"].clone()), (422, json!("policy")), "{body}");
    let tree = server.ok(TREE, json!({ "n": 1 })).await;
    assert!(statuses(&tree).is_empty(), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_collection_deletes_only_contents_no_experiment_uses() {
    let server = support::start().await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    upload(&server, &root, &[("kept.txt", b"kept\n")]).await;
    let (status, _) = put(
        &server,
        &root,
        "abandoned.txt",
        b"never committed",
        &sha(b"never committed"),
    )
    .await;
    assert_eq!(status, 201);
    let young = server
        .ok("mutation { collectFileGarbage { deleted kept } }", json!({}))
        .await;
    assert_eq!(
        young["collectFileGarbage"]["deleted"], 0,
        "an upload within the grace period stays"
    );
    let collected = server
        .ok(
            "mutation { collectFileGarbage(graceSeconds: 0) { deleted kept } }",
            json!({}),
        )
        .await;
    assert_eq!(
        collected["collectFileGarbage"],
        json!({ "deleted": 1, "kept": 1 })
    );
    let (status, body) = post(
        &server,
        &root,
        "commit",
        &json!({ "files": [entry("abandoned.txt", b"never committed", "text/plain")] }),
    )
    .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("files[0].hash")),
        "its content is gone: {body}"
    );
    let kept = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/tree/kept.txt",
            server.url, root.id
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.bytes().await.expect("bytes").as_ref(), b"kept\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_collection_deletes_abandoned_uploads_by_itself() {
    let server = support::start_with(|config| {
        config.file_gc_interval_seconds = 1;
        config.file_gc_grace_seconds = 0;
    })
    .await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    upload(&server, &root, &[("kept.txt", b"kept\n")]).await;
    let abandoned = entry("abandoned.txt", b"never committed", "text/plain");
    let (status, _) = put(
        &server,
        &root,
        "abandoned.txt",
        b"never committed",
        &sha(b"never committed"),
    )
    .await;
    assert_eq!(status, 201);
    let plan = json!({ "files": [abandoned, entry("kept.txt", b"kept\n", "text/plain")] });
    let mut lacking = Value::Null;
    for _ in 0..100 {
        (_, lacking) = post(&server, &root, "plan", &plan).await;
        if lacking["lacking"] == json!(["abandoned.txt"]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        lacking["lacking"],
        json!(["abandoned.txt"]),
        "the scheduled job deleted the abandoned content and kept the committed one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_content_is_streamed_and_its_hash_verified() {
    let server = support::start().await;
    server.create_project("files").await;
    let root = run(&server, "1", None).await;
    // Over the 16 MiB delta limit: streamed to the blob store, never held whole.
    let checkpoint: Vec<u8> = (0..17 * 1024 * 1024u32)
        .map(|index| (index % 251) as u8)
        .collect();
    let (status, body) = put(&server, &root, "model.ckpt", &checkpoint, &sha(b"something else")).await;
    assert_eq!((status, &body["code"]), (422, &json!("VALIDATION")), "{body}");
    let plan = json!({ "files": [entry("model.ckpt", &checkpoint, "application/octet-stream")] });
    let (_, lacking) = post(&server, &root, "plan", &plan).await;
    assert_eq!(
        lacking["lacking"],
        json!(["model.ckpt"]),
        "nothing was kept of the bad upload"
    );

    let (status, body) = put(&server, &root, "model.ckpt", &checkpoint, &sha(&checkpoint)).await;
    assert_eq!((status, &body["storage"]), (201, &json!("full")), "{body}");
    let (status, body) = post(&server, &root, "commit", &plan).await;
    assert_eq!(status, 200, "{body}");
    let downloaded = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/tree/model.ckpt",
            server.url, root.id
        ))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        downloaded.as_ref() == checkpoint.as_slice(),
        "the download is the upload"
    );
    let files = server
        .ok(
            "{ files(project: \"files\", number: 1) { entries { current { size text } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        files["files"]["entries"][0]["current"],
        json!({ "size": checkpoint.len(), "text": false })
    );
}
