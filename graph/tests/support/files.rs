//! Runs every file and code snapshot query once, so the every-query-runs test covers
//! `cypher/file/` and `cypher/code/`.

use graph::model::{
    CodeCounts, CodeFormat, ContentStorage, FileChange, GitReference, NewCodeSnapshot, StoredContent,
};
use graph::Graph;

/// A whole-blob content record for `hash` (the blob digest is made up: the graph never reads
/// blobs).
pub fn content(hash: &str, size: i64) -> StoredContent {
    StoredContent {
        hash: hash.into(),
        size,
        mime: "text/plain".into(),
        text: true,
        storage: ContentStorage::Full,
        blob: format!("blob-of-{hash}"),
        base: None,
        chain: 0,
    }
}

/// A change of `path` to content `hash`.
pub fn change(path: &str, hash: &str) -> FileChange {
    FileChange {
        path: path.into(),
        hash: hash.into(),
    }
}

/// Records contents, commits, lists, deletes, sets and removes policies, records and replaces
/// a code snapshot and collects unused contents of a project of its own. Panics when a step misbehaves.
pub async fn exercise_file_queries(graph: &Graph) {
    let project = "file-exercise";
    super::project(graph, project).await;
    let experiment = graph
        .create_experiment(super::experiment(project, "1", None))
        .await
        .expect("experiment");
    graph
        .record_file_content(content("aa", 1))
        .await
        .expect("recorded");
    graph.file_content("aa").await.expect("read");
    graph
        .commit_files(&experiment, vec![change("a.txt", "aa")], Vec::new())
        .await
        .expect("committed");
    let artifacts = graph.project_artifacts(project).await.expect("artifacts");
    let paths: Vec<&str> = artifacts.iter().map(|artifact| artifact.path.as_str()).collect();
    assert_eq!(paths, vec!["a.txt"], "the current file is listed");
    graph
        .commit_files(&experiment, Vec::new(), vec!["a.txt".into()])
        .await
        .expect("deleted");
    assert!(
        graph
            .project_artifacts(project)
            .await
            .expect("artifacts")
            .is_empty(),
        "a deleted file is not listed"
    );
    graph
        .file_history(&experiment.id, "a.txt")
        .await
        .expect("history");
    graph
        .set_capture_policy(project, "p", "{}".into())
        .await
        .expect("policy set");
    graph.capture_policies(project).await.expect("policies");
    graph
        .remove_capture_policy(project, "p")
        .await
        .expect("policy removed");
    let snapshot = NewCodeSnapshot {
        format: CodeFormat::Tarball,
        git: GitReference::default(),
        patch: None,
        manifest: "aa".into(),
        counts: CodeCounts::default(),
        contents: vec![change(".rsdk/manifest.json", "aa")],
    };
    graph
        .record_code_snapshot(&experiment, snapshot.clone())
        .await
        .expect("snapshot");
    graph
        .record_code_snapshot(&experiment, snapshot)
        .await
        .expect("snapshot replaced");
    graph.code_contents(&experiment.id).await.expect("code contents");
    graph.file_content_uses().await.expect("uses");
    graph
        .delete_file_content_if_unused("aa", Vec::new())
        .await
        .expect("collect");
}
