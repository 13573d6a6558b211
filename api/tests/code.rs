//! Code snapshots through the real server: the upload plan, content uploads, recording a git
//! snapshot or a tarball, the restore archive in both modes, the source tree and per-file
//! diffs against the parent, and refusals that name the field.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn sha(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

async fn run(server: &support::TestServer, name: &str, parent: Option<i64>) -> String {
    let input = match parent {
        Some(parent) => json!({ "project": "code", "name": name, "parentNumber": parent }),
        None => json!({ "project": "code", "name": name }),
    };
    let created = server
        .ok(
            "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    created["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(server: &support::TestServer, id: &str, suffix: &str, body: &Value) -> (u16, Value) {
    let url = format!("{}/api/v1/experiments/{id}/code{suffix}", server.url);
    answer(server.client.post(url).json(body).send().await.expect("sent")).await
}

async fn put(server: &support::TestServer, id: &str, path: &str, content: &[u8], hash: &str) -> (u16, Value) {
    let url = format!("{}/api/v1/experiments/{id}/code/content", server.url);
    let request = server
        .client
        .put(url)
        .query(&[("path", path)])
        .header("x-rsdk-sha256", hash)
        .body(content.to_vec());
    answer(request.send().await.expect("sent")).await
}

async fn put_tarball(server: &support::TestServer, id: &str, files: &[(&str, &[u8])]) -> (u16, Value) {
    let entries = files
        .iter()
        .map(|(path, content)| ((*path).to_owned(), content.to_vec()));
    let archive = ingest::files::write_tar(Vec::new(), entries).expect("a tar");
    let url = format!("{}/api/v1/experiments/{id}/code.tar", server.url);
    answer(server.client.put(url).body(archive).send().await.expect("sent")).await
}

async fn restore(server: &support::TestServer, id: &str, mode: &str) -> (u16, Vec<u8>) {
    let url = format!("{}/api/v1/experiments/{id}/code/restore", server.url);
    let response = server
        .client
        .get(url)
        .query(&[("mode", mode)])
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("a body").to_vec())
}

fn unpack(archive: &[u8]) -> BTreeMap<String, Vec<u8>> {
    ingest::files::read_tar(archive, &ingest::files::ArchiveLimits::default())
        .expect("a readable tar")
        .into_iter()
        .map(|entry| (entry.path, entry.bytes))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_snapshot_is_planned_uploaded_recorded_and_restored() {
    let server = support::start().await;
    server.create_project("code").await;
    let id = run(&server, "1", None).await;
    let patch = b"diff --git a/train.py b/train.py\n@@ -1 +1 @@\n-lr = 1\n+lr = 2\n";
    let notes = b"an untracked note\n";
    let plan = json!({ "files": [
        { "path": ".rsdk/patch.diff", "size": patch.len(), "hash": sha(patch) },
        { "path": "notes.md", "size": notes.len(), "hash": sha(notes) },
    ]});
    let (status, planned) = post(&server, &id, "/plan", &plan).await;
    assert_eq!(status, 200, "{planned}");
    assert_eq!(planned["lacking"], json!([".rsdk/patch.diff", "notes.md"]));
    for (path, content) in [(".rsdk/patch.diff", &patch[..]), ("notes.md", &notes[..])] {
        let (status, stored) = put(&server, &id, path, content, &sha(content)).await;
        assert_eq!(status, 201, "{stored}");
    }
    let (_, planned) = post(&server, &id, "/plan", &plan).await;
    assert_eq!(planned["lacking"], json!([]), "nothing is sent twice");

    let snapshot = json!({
        "format": "git",
        "git": { "repository": "vision", "remote_url": "git@example.com:lab/vision.git",
                 "branch": "main", "commit": COMMIT },
        "patch": { "hash": sha(patch), "size": patch.len() },
        "files": [
            { "path": "train.py", "size": 7, "hash": sha(b"lr = 2\n") },
            { "path": "notes.md", "size": notes.len(), "hash": sha(notes), "untracked": true, "stored": true },
        ],
    });
    let (status, recorded) = post(&server, &id, "", &snapshot).await;
    assert_eq!(status, 200, "{recorded}");
    assert_eq!(
        (
            &recorded["file_count"],
            &recorded["stored_count"],
            &recorded["self_contained"]
        ),
        (&json!(2), &json!(1), &json!(false))
    );

    let read = server
        .ok(
            "{ codeSnapshot(project: \"code\", number: 1) { format repository remoteUrl branch commit \
             patchHash fileCount storedCount untrackedCount totalSize selfContained } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["codeSnapshot"],
        json!({ "format": "git", "repository": "vision", "remoteUrl": "git@example.com:lab/vision.git",
                "branch": "main", "commit": COMMIT, "patchHash": sha(patch), "fileCount": 2,
                "storedCount": 1, "untrackedCount": 1, "totalSize": 7 + notes.len(),
                "selfContained": false })
    );

    let (status, archive) = restore(&server, &id, "auto").await;
    assert_eq!(status, 200);
    let files = unpack(&archive);
    assert_eq!(files["notes.md"], notes.to_vec());
    assert_eq!(files[".rsdk/patch.diff"], patch.to_vec());
    assert!(
        !files.contains_key("train.py"),
        "tracked files come from the commit"
    );
    let description: Value = serde_json::from_slice(&files[".rsdk/restore.json"]).expect("json");
    assert_eq!(
        (&description["mode"], &description["commit"]),
        (&json!("git"), &json!(COMMIT))
    );

    let (status, body) = restore(&server, &id, "full").await;
    let body: Value = serde_json::from_slice(&body).expect("an error body");
    assert_eq!((status, &body["field"]), (422, &json!("mode")), "{body}");
    let (status, body) = restore(&server, &id, "zip").await;
    let body: Value = serde_json::from_slice(&body).expect("an error body");
    assert_eq!((status, &body["field"]), (422, &json!("mode")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_snapshot_is_compared_with_its_parent_file_by_file() {
    let server = support::start().await;
    server.create_project("code").await;
    let root = run(&server, "1", None).await;
    let child = run(&server, "2", Some(1)).await;
    let train: String = (0..500).map(|line| format!("step = {line} # lr 0.1\n")).collect();
    let changed = train.replace("step = 250 # lr 0.1\n", "step = 250 # lr 0.2\n");
    let (status, body) = put_tarball(
        &server,
        &root,
        &[
            ("train.py", train.as_bytes()),
            ("old.py", b"pass\n"),
            ("weights.bin", &[0, 1, 2]),
        ],
    )
    .await;
    assert_eq!((status, &body["format"]), (200, &json!("tarball")), "{body}");
    let (status, body) = put_tarball(
        &server,
        &child,
        &[
            ("train.py", changed.as_bytes()),
            ("new.py", b"pass\n"),
            ("weights.bin", &[0, 1, 3]),
        ],
    )
    .await;
    assert_eq!((status, &body["self_contained"]), (200, &json!(true)), "{body}");

    let tree = server
        .ok(
            "{ codeTree(project: \"code\", number: 2) { against entries { path status current { stored } } } }",
            json!({}),
        )
        .await;
    assert_eq!(tree["codeTree"]["against"], 1, "the primary parent by default");
    let statuses: Vec<(String, String)> = tree["codeTree"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (entry["path"].to_string(), entry["status"].to_string()))
        .collect();
    let expected = [
        ("new.py", "ADDED"),
        ("old.py", "DELETED"),
        ("train.py", "MODIFIED"),
        ("weights.bin", "MODIFIED"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(path, status)| (json!(path).to_string(), json!(status).to_string()))
        .collect();
    assert_eq!(statuses, expected);

    let diff = server
        .ok(
            "{ codeDiff(project: \"code\", left: 1, right: 2, path: \"train.py\") { text added removed \
             hunks { lines { kind segments { text changed } } } } }",
            json!({}),
        )
        .await;
    let diff = &diff["codeDiff"];
    assert_eq!(
        (&diff["text"], &diff["added"], &diff["removed"]),
        (&json!(true), &json!(1), &json!(1))
    );
    let highlighted: Vec<&str> = diff["hunks"][0]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .flat_map(|line| line["segments"].as_array().expect("segments"))
        .filter(|segment| segment["changed"] == json!(true))
        .filter_map(|segment| segment["text"].as_str())
        .collect();
    assert!(
        highlighted.iter().any(|text| text.contains("0.2")),
        "word highlights: {diff}"
    );
    let binary = server
        .ok(
            "{ codeDiff(project: \"code\", left: 1, right: 2, path: \"weights.bin\") { text reason left { size } right { hash } } }",
            json!({}),
        )
        .await;
    assert_eq!(binary["codeDiff"]["text"], false);
    assert_eq!(binary["codeDiff"]["right"]["hash"], sha(&[0, 1, 3]));

    let (status, archive) = restore(&server, &child, "auto").await;
    assert_eq!(status, 200);
    let files = unpack(&archive);
    assert_eq!(files["train.py"], changed.as_bytes().to_vec());
    assert_eq!(files["weights.bin"], vec![0, 1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_code_uploads_name_the_field_and_store_nothing() {
    let server = support::start().await;
    server.create_project("code").await;
    let id = run(&server, "1", None).await;
    let content = b"print(1)\n";
    let (status, body) = put(&server, &id, "train.py", content, &sha(b"other")).await;
    assert_eq!(status, 422, "a hash mismatch: {body}");
    for (path, field) in [
        ("../train.py", "path"),
        ("/etc/passwd", "path"),
        (".rsdk/manifest.json", "path"),
    ] {
        let (status, body) = put(&server, &id, path, content, &sha(content)).await;
        assert_eq!((status, &body["field"]), (422, &json!(field)), "{path}: {body}");
    }
    let (status, body) = put_tarball(&server, &id, &[]).await;
    assert_eq!(status, 200, "an empty tree is a valid snapshot: {body}");
    let cases = [
        (json!({ "format": "zip", "files": [] }), "format"),
        (json!({ "format": "git", "files": [] }), "git.commit"),
        (
            json!({ "format": "git", "git": { "commit": COMMIT, "remote_url": "https://ghp_token@github.com/x/y" }, "files": [] }),
            "git.remote_url",
        ),
        (
            json!({ "format": "commit", "git": { "commit": COMMIT },
                 "files": [{ "path": "a.py", "size": 9, "hash": sha(content), "stored": true }] }),
            "files[0].hash",
        ),
        (json!({ "format": "git", "files": "none" }), "body"),
    ];
    for (snapshot, field) in cases {
        let (status, body) = post(&server, &id, "", &snapshot).await;
        assert_eq!(
            (status, &body["field"]),
            (422, &json!(field)),
            "{snapshot}: {body}"
        );
    }
    let read = server
        .ok(
            "{ codeSnapshot(project: \"code\", number: 1) { format fileCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["codeSnapshot"],
        json!({ "format": "tarball", "fileCount": 0 }),
        "the refused snapshots left the recorded one alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_source_file_is_streamed_and_restored_exactly() {
    let server = support::start().await;
    server.create_project("code").await;
    let id = run(&server, "1", None).await;
    let data: Vec<u8> = (0..17 * 1024 * 1024u32)
        .map(|index| b'a' + (index % 26) as u8)
        .collect();
    let (status, body) = put(&server, &id, "fixtures/table.txt", &data, &sha(&data)).await;
    assert_eq!((status, &body["storage"]), (201, &json!("full")), "{body}");
    let snapshot = json!({
        "format": "tarball",
        "files": [{ "path": "fixtures/table.txt", "size": data.len(), "hash": sha(&data), "stored": true }],
    });
    let (status, body) = post(&server, &id, "", &snapshot).await;
    assert_eq!(status, 200, "{body}");
    let (status, archive) = restore(&server, &id, "full").await;
    assert_eq!(status, 200);
    assert!(
        unpack(&archive)["fixtures/table.txt"] == data,
        "restored byte for byte"
    );
}
