//! Code snapshots in the graph, the same on every engine: one snapshot per experiment,
//! replaced atomically, holding the contents it names so garbage collection keeps them.

mod support;

support::on_every_engine!(
    a_snapshot_is_recorded_read_and_replaced,
    a_snapshot_naming_an_unknown_content_stores_nothing,
    contents_a_snapshot_holds_are_not_collected,
);

use graph::model::{CodeCounts, CodeFormat, GitReference, NewCodeSnapshot};
use graph::Error;
use support::files::{change, content};
use support::{experiment, project, TestGraph};

fn snapshot(commit: &str, contents: &[(&str, &str)]) -> NewCodeSnapshot {
    NewCodeSnapshot {
        format: CodeFormat::Git,
        git: GitReference {
            repository: Some("vision".into()),
            remote_url: Some("git@example.com:lab/vision.git".into()),
            branch: Some("main".into()),
            commit: Some(commit.into()),
        },
        patch: Some("patch".into()),
        manifest: "manifest".into(),
        counts: CodeCounts {
            files: 3,
            stored: contents.len() as i64 - 2,
            untracked: 1,
            total_size: 30,
        },
        contents: contents.iter().map(|(path, hash)| change(path, hash)).collect(),
    }
}

async fn recorded(t: &TestGraph, hashes: &[&str]) {
    for hash in hashes {
        t.graph
            .record_file_content(content(hash, 10))
            .await
            .expect("content");
    }
}

const CONTENTS: [(&str, &str); 3] = [
    ("train.py", "train"),
    (".rsdk/patch.diff", "patch"),
    (".rsdk/manifest.json", "manifest"),
];

async fn a_snapshot_is_recorded_read_and_replaced(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    assert_eq!(t.graph.code_snapshot(&run.id).await.expect("read"), None);
    recorded(&t, &["train", "patch", "manifest", "other"]).await;

    let first = t
        .graph
        .record_code_snapshot(&run, snapshot("abc1234", &CONTENTS))
        .await
        .expect("recorded");
    assert_eq!(first.format, CodeFormat::Git);
    assert_eq!(first.git.commit.as_deref(), Some("abc1234"));
    assert_eq!(first.git.branch.as_deref(), Some("main"));
    assert_eq!(first.patch.as_deref(), Some("patch"));
    assert_eq!(first.counts.stored, 1);
    assert_eq!(t.graph.code_snapshot(&run.id).await.expect("read"), Some(first));
    let paths: Vec<String> = t
        .graph
        .code_contents(&run.id)
        .await
        .expect("contents")
        .into_iter()
        .map(|content| content.path)
        .collect();
    assert_eq!(paths, [".rsdk/manifest.json", ".rsdk/patch.diff", "train.py"]);

    let mut replacement = snapshot(
        "def5678",
        &[("train.py", "other"), (".rsdk/manifest.json", "manifest")],
    );
    replacement.patch = None;
    replacement.git.remote_url = None;
    let second = t
        .graph
        .record_code_snapshot(&run, replacement)
        .await
        .expect("replaced");
    assert_eq!(second.git.commit.as_deref(), Some("def5678"));
    assert_eq!((second.patch, second.git.remote_url), (None, None));
    let contents = t.graph.code_contents(&run.id).await.expect("contents");
    assert_eq!(
        contents,
        vec![
            change(".rsdk/manifest.json", "manifest"),
            change("train.py", "other")
        ]
    );
}

async fn a_snapshot_naming_an_unknown_content_stores_nothing(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    recorded(&t, &["train", "manifest"]).await;
    let error = t
        .graph
        .record_code_snapshot(&run, snapshot("abc1234", &CONTENTS))
        .await
        .expect_err("the patch was never uploaded");
    match error {
        Error::Invalid { field, .. } => assert_eq!(field, "contents[1].hash"),
        other => panic!("expected an invalid field, got {other:?}"),
    }
    let twice = [("a.py", "train"), ("a.py", "manifest")];
    let error = t
        .graph
        .record_code_snapshot(&run, snapshot("abc1234", &twice))
        .await
        .expect_err("a path twice");
    assert!(matches!(error, Error::Invalid { ref field, .. } if field == "contents[1].path"));
    assert_eq!(t.graph.code_snapshot(&run.id).await.expect("read"), None);
    assert!(t.graph.code_contents(&run.id).await.expect("contents").is_empty());
}

async fn contents_a_snapshot_holds_are_not_collected(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    recorded(&t, &["train", "patch", "manifest", "loose"]).await;
    t.graph
        .record_code_snapshot(&run, snapshot("abc1234", &CONTENTS))
        .await
        .expect("recorded");
    let uses = t.graph.file_content_uses().await.expect("uses");
    let count = |hash: &str| uses.iter().find(|u| u.hash == hash).map(|u| u.uses);
    assert_eq!(
        (count("train"), count("patch"), count("manifest"), count("loose")),
        (Some(1), Some(1), Some(1), Some(0))
    );
    for hash in ["train", "patch", "manifest"] {
        let deleted = t
            .graph
            .delete_file_content_if_unused(hash, Vec::new())
            .await
            .expect("checked");
        assert!(!deleted, "{hash} is held by the snapshot");
    }
    assert!(t
        .graph
        .delete_file_content_if_unused("loose", Vec::new())
        .await
        .expect("deleted"));
}
