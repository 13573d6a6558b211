//! Experiment files in the graph, the same on every engine: contents recorded once by hash,
//! versions per path with the ancestor that introduced each content, deletions, capture
//! policies and the bookkeeping of garbage collection.

mod support;

support::on_every_engine!(
    a_content_is_recorded_once_by_hash,
    a_commit_versions_changed_paths_only_and_keeps_their_history,
    a_child_keeps_the_introducer_of_files_it_inherits_unchanged,
    a_bad_commit_names_the_field_and_stores_nothing,
    capture_policies_are_set_listed_and_removed,
    only_contents_nothing_uses_are_deleted,
);

use graph::model::{Experiment, NewExperiment, ParentRef};
use graph::Error;
use support::files::{change, content};
use support::{experiment, project, TestGraph};

async fn run(t: &TestGraph, name: &str, parent: Option<i64>) -> Experiment {
    t.graph
        .create_experiment(NewExperiment {
            parent: parent.map(ParentRef::Number),
            ..experiment("p", name, None)
        })
        .await
        .expect("experiment")
}

fn invalid_field(error: Error) -> String {
    match error {
        Error::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

async fn a_content_is_recorded_once_by_hash(t: TestGraph) {
    let first = t
        .graph
        .record_file_content(content("h1", 10))
        .await
        .expect("recorded");
    let again = t
        .graph
        .record_file_content(graph::model::StoredContent {
            blob: "another-blob".into(),
            ..content("h1", 10)
        })
        .await
        .expect("recorded again");
    assert_eq!(again, first, "the first record stays");
    assert_eq!(t.graph.file_content("h1").await.expect("read"), Some(first));
    assert_eq!(t.graph.file_content("nope").await.expect("read"), None);
}

async fn a_commit_versions_changed_paths_only_and_keeps_their_history(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = run(&t, "1", None).await;
    for hash in ["a1", "a2", "b1"] {
        t.graph
            .record_file_content(content(hash, 1))
            .await
            .expect("recorded");
    }
    let files = t
        .graph
        .commit_files(
            &run,
            vec![change("cfg/a.yaml", "a1"), change("b.pt", "b1")],
            Vec::new(),
        )
        .await
        .expect("first commit");
    let listed: Vec<(&str, i64)> = files.iter().map(|f| (f.path.as_str(), f.version)).collect();
    assert_eq!(listed, vec![("b.pt", 1), ("cfg/a.yaml", 1)]);

    let files = t
        .graph
        .commit_files(
            &run,
            vec![change("cfg/a.yaml", "a2"), change("b.pt", "b1")],
            Vec::new(),
        )
        .await
        .expect("second commit");
    let listed: Vec<(&str, i64, &str)> = files
        .iter()
        .map(|f| (f.path.as_str(), f.version, f.hash.as_str()))
        .collect();
    assert_eq!(
        listed,
        vec![("b.pt", 1, "b1"), ("cfg/a.yaml", 2, "a2")],
        "unchanged b.pt keeps version 1"
    );
    assert_eq!(t.graph.current_files(&run.id).await.expect("read"), files);

    let files = t
        .graph
        .commit_files(&run, Vec::new(), vec!["b.pt".into(), "never-there".into()])
        .await
        .expect("deletion");
    let b = files.iter().find(|f| f.path == "b.pt").expect("b.pt is listed");
    assert!(b.deleted && b.version == 2 && b.hash == "b1", "{b:?}");
    assert_eq!(files.len(), 2, "deleting an absent path records nothing");
    assert_eq!(
        t.graph.current_files(&run.id).await.expect("read"),
        files,
        "a commit answers exactly what a later read finds"
    );

    let history = t
        .graph
        .file_history(&run.id, "cfg/a.yaml")
        .await
        .expect("history");
    let hashes: Vec<&str> = history.iter().map(|f| f.hash.as_str()).collect();
    assert_eq!(hashes, vec!["a1", "a2"]);
}

async fn a_child_keeps_the_introducer_of_files_it_inherits_unchanged(t: TestGraph) {
    project(&t.graph, "p").await;
    let root = run(&t, "1", None).await;
    let child = run(&t, "2", Some(1)).await;
    let grandchild = run(&t, "3", Some(2)).await;
    for hash in ["same", "old", "new"] {
        t.graph
            .record_file_content(content(hash, 1))
            .await
            .expect("recorded");
    }
    let both = vec![change("keep.txt", "same"), change("edit.txt", "old")];
    t.graph.commit_files(&root, both, Vec::new()).await.expect("root");
    let child_files = vec![change("keep.txt", "same"), change("edit.txt", "new")];
    t.graph
        .commit_files(&child, child_files, Vec::new())
        .await
        .expect("child");
    let files = t
        .graph
        .commit_files(
            &grandchild,
            vec![change("keep.txt", "same"), change("edit.txt", "new")],
            Vec::new(),
        )
        .await
        .expect("grandchild");
    let introducers: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.path.as_str(), f.introduced_by.as_str()))
        .collect();
    assert_eq!(
        introducers,
        vec![("edit.txt", child.id.as_str()), ("keep.txt", root.id.as_str())]
    );
}

async fn a_bad_commit_names_the_field_and_stores_nothing(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = run(&t, "1", None).await;
    t.graph
        .record_file_content(content("known", 1))
        .await
        .expect("recorded");
    let unknown = t
        .graph
        .commit_files(
            &run,
            vec![change("a", "known"), change("b", "missing")],
            Vec::new(),
        )
        .await
        .expect_err("unknown content");
    assert_eq!(invalid_field(unknown), "files[1].hash");
    let twice = t
        .graph
        .commit_files(&run, vec![change("a", "known")], vec!["a".into()])
        .await
        .expect_err("a path twice");
    assert_eq!(invalid_field(twice), "files[1].path");
    assert!(t.graph.current_files(&run.id).await.expect("files").is_empty());
}

async fn capture_policies_are_set_listed_and_removed(t: TestGraph) {
    project(&t.graph, "p").await;
    t.graph
        .set_capture_policy("p", "b", "{\"v\":1}".into())
        .await
        .expect("set");
    t.graph
        .set_capture_policy("p", "a", "{}".into())
        .await
        .expect("set");
    t.graph
        .set_capture_policy("p", "b", "{\"v\":2}".into())
        .await
        .expect("replaced");
    let policies = t.graph.capture_policies("p").await.expect("listed");
    assert_eq!(
        policies,
        vec![("a".into(), "{}".into()), ("b".into(), "{\"v\":2}".into())]
    );
    t.graph.remove_capture_policy("p", "a").await.expect("removed");
    let missing = t.graph.remove_capture_policy("p", "a").await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
    assert_eq!(t.graph.capture_policies("p").await.expect("listed").len(), 1);
}

async fn only_contents_nothing_uses_are_deleted(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = run(&t, "1", None).await;
    for hash in ["used", "unused", "base"] {
        t.graph
            .record_file_content(content(hash, 1))
            .await
            .expect("recorded");
    }
    t.graph
        .commit_files(&run, vec![change("a", "used")], Vec::new())
        .await
        .expect("committed");
    let uses = t.graph.file_content_uses().await.expect("uses");
    let count = |hash: &str| uses.iter().find(|u| u.hash == hash).map(|u| u.uses);
    assert_eq!((count("used"), count("unused")), (Some(1), Some(0)));
    assert!(!t
        .graph
        .delete_file_content_if_unused("used", Vec::new())
        .await
        .expect("kept"));
    assert!(
        !t.graph
            .delete_file_content_if_unused("base", vec!["base".into()])
            .await
            .expect("kept"),
        "a delta base is kept"
    );
    assert!(t
        .graph
        .delete_file_content_if_unused("unused", Vec::new())
        .await
        .expect("deleted"));
    assert_eq!(t.graph.file_content("unused").await.expect("read"), None);
}
