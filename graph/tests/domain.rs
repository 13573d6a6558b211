//! Domain behaviour, the same on every engine: each test below runs on graphdblite, on
//! FalkorDB and (with `RSDK_TEST_NEO4J`) on Neo4j.

mod support;

support::on_every_engine!(
    numbers_come_from_the_name_or_the_next_free_number,
    a_number_already_used_is_a_conflict_and_stores_nothing,
    parent_comes_from_the_name_unless_given_explicitly,
    a_name_naming_a_missing_parent_is_refused_or_made_root_by_setting,
    features_are_stored_as_a_diff_against_the_parent,
    ignored_feature_paths_are_stored_but_not_recorded_as_changes,
    feature_diff_explains_any_two_experiments_leaf_by_leaf,
    reparent_keeps_own_features_and_recomputes_the_diff,
    reparent_refuses_a_cycle_and_names_it,
    a_features_correction_reaches_descendants_that_keep_their_own_changes,
    merge_parents_are_added_removed_and_checked_for_cycles,
    merge_preview_merges_against_the_common_ancestor_and_lists_conflicts,
    lifecycle_updates_set_timestamps_and_validate_fields,
    bad_input_is_refused_with_field_and_reason_and_stores_nothing,
    a_large_features_document_is_parsed_whole_and_its_errors_keep_their_line,
    projects_are_unique_and_their_settings_are_validated_on_write,
    experiments_page_by_number_and_filter_by_status,
    dag_and_kanban_show_the_whole_project,
    the_kept_dag_follows_every_change_it_shows_from_any_process,
    reopening_the_graph_keeps_everything_and_does_not_migrate_twice,
    every_named_query_runs_on_the_engine,
    cypher_in_user_values_is_stored_verbatim_and_changes_nothing_else,
    concurrent_creations_get_distinct_consecutive_numbers,
    a_graph_from_a_newer_rsdk_is_refused_with_advice,
);

use graph::model::{
    ExperimentUpdate, NewExperiment, NewProject, ParentRef, ProjectSettings, ProjectUpdate, Status,
};
use graph::queries;
use serde_json::json;
use support::{experiment, naive_full_features, project, project_with, TestGraph};

const BASE_FEATURES: &str = "optimizer:\n  name: sgd\n  lr: 0.1\nmodel:\n  depth: 12\nseed: 1\n";

async fn numbers_come_from_the_name_or_the_next_free_number(t: TestGraph) {
    project(&t.graph, "vit").await;
    let baseline = t
        .graph
        .create_experiment(experiment("vit", "baseline", None))
        .await
        .expect("created");
    assert_eq!(baseline.number, 1);
    let eight = t
        .graph
        .create_experiment(experiment("vit", "8_wide", None))
        .await
        .expect("created");
    assert_eq!(eight.number, 8);
    let next = t
        .graph
        .create_experiment(experiment("vit", "another", None))
        .await
        .expect("created");
    assert_eq!(
        next.number, 9,
        "the next free number follows the largest one used"
    );
}

async fn a_number_already_used_is_a_conflict_and_stores_nothing(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "3_a", None))
        .await
        .expect("created");
    let error = t
        .graph
        .create_experiment(experiment("vit", "3_b", None))
        .await
        .expect_err("clash");
    assert_eq!(error.code(), "CONFLICT");
    assert!(
        error.to_string().contains("experiment number 3 already exists"),
        "{error}"
    );
    let page = t.graph.experiments("vit", None, 100, None).await.expect("list");
    assert_eq!(page.experiments.len(), 1);
}

async fn parent_comes_from_the_name_unless_given_explicitly(t: TestGraph) {
    project(&t.graph, "vit").await;
    for name in ["1_root", "2_other"] {
        t.graph
            .create_experiment(experiment("vit", name, None))
            .await
            .expect("created");
    }
    let from_name = t
        .graph
        .create_experiment(experiment("vit", "12_from_1_lr", None))
        .await
        .expect("created");
    let parent = t
        .graph
        .primary_parent(&from_name)
        .await
        .expect("query")
        .expect("has parent");
    assert_eq!(parent.number, 1);

    let explicit = NewExperiment {
        parent: Some(ParentRef::Number(2)),
        ..experiment("vit", "13_from_1_lr", None)
    };
    let explicit = t.graph.create_experiment(explicit).await.expect("created");
    let parent = t
        .graph
        .primary_parent(&explicit)
        .await
        .expect("query")
        .expect("has parent");
    assert_eq!(parent.number, 2, "an explicit parent wins over the name");

    let root = t
        .graph
        .create_experiment(experiment("vit", "fresh", None))
        .await
        .expect("created");
    assert!(t.graph.primary_parent(&root).await.expect("query").is_none());
}

async fn a_name_naming_a_missing_parent_is_refused_or_made_root_by_setting(t: TestGraph) {
    project(&t.graph, "strict").await;
    let error = t
        .graph
        .create_experiment(experiment("strict", "5_from_4", None))
        .await
        .expect_err("missing");
    assert_eq!(error.code(), "VALIDATION");
    assert!(error.to_string().contains("#4"), "{error}");

    let mut lenient = ProjectSettings::default();
    lenient.parent_detection.missing_parent_makes_root = true;
    project_with(&t.graph, "lenient", lenient).await;
    let orphan = t
        .graph
        .create_experiment(experiment("lenient", "5_from_4", None))
        .await
        .expect("created");
    assert!(t.graph.primary_parent(&orphan).await.expect("query").is_none());
}

async fn features_are_stored_as_a_diff_against_the_parent(t: TestGraph) {
    project(&t.graph, "vit").await;
    let root = t
        .graph
        .create_experiment(experiment("vit", "1_base", Some(BASE_FEATURES)))
        .await
        .expect("created");
    let child_features = "optimizer:\n  name: adamw\n  lr: 0.0001\nmodel:\n  depth: 12\nseed: 1\n";
    let child = t
        .graph
        .create_experiment(experiment("vit", "2_from_1_adamw", Some(child_features)))
        .await
        .expect("created");

    let root_features = t.graph.features(&root).await.expect("features");
    assert_eq!(root_features.full["optimizer"]["lr"], json!(0.1));
    let child_stored = t.graph.features(&child).await.expect("features");
    assert_eq!(
        child_stored.diff,
        json!([
            {"op": "replace", "path": "/optimizer/lr", "value": 0.0001},
            {"op": "replace", "path": "/optimizer/name", "value": "adamw"}
        ])
    );
    assert_eq!(child_stored.full["optimizer"]["name"], json!("adamw"));
    assert_eq!(child_stored.full["model"]["depth"], json!(12));

    let sets = t.graph.feature_sets(&child).await.expect("sets");
    let paths: Vec<_> = sets.iter().map(|s| (s.path.as_str(), s.op.as_str())).collect();
    assert_eq!(
        paths,
        vec![("optimizer.lr", "replace"), ("optimizer.name", "replace")]
    );
    assert_eq!(sets[1].value, Some(json!("adamw")));

    let inherits = t
        .graph
        .create_experiment(experiment("vit", "3_from_2", None))
        .await
        .expect("created");
    assert_eq!(
        t.graph.features(&inherits).await.expect("features").full,
        child_stored.full
    );
    assert_eq!(
        t.graph.features(&inherits).await.expect("features").diff,
        json!([])
    );
}

async fn ignored_feature_paths_are_stored_but_not_recorded_as_changes(t: TestGraph) {
    let mut settings = ProjectSettings::default();
    settings.feature_diff.ignored_paths = vec!["seed".into()];
    project_with(&t.graph, "p", settings).await;
    t.graph
        .create_experiment(experiment("p", "1", Some(BASE_FEATURES)))
        .await
        .expect("created");
    let child = t
        .graph
        .create_experiment(experiment(
            "p",
            "2_from_1",
            Some(&BASE_FEATURES.replace("seed: 1", "seed: 2")),
        ))
        .await
        .expect("created");
    assert!(t.graph.feature_sets(&child).await.expect("sets").is_empty());
    assert_eq!(
        t.graph.features(&child).await.expect("features").full["seed"],
        json!(2)
    );
    assert!(t.graph.feature_diff("p", 1, 2).await.expect("diff").is_empty());
}

async fn feature_diff_explains_any_two_experiments_leaf_by_leaf(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", Some(BASE_FEATURES)))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment(
            "vit",
            "2",
            Some("optimizer:\n  name: sgd\n  lr: 0.2\nmodel:\n  depth: 12\ndropout: 0.1\n"),
        ))
        .await
        .expect("created");
    let changes = t.graph.feature_diff("vit", 1, 2).await.expect("diff");
    let summary: Vec<_> = changes
        .iter()
        .map(|c| (c.path.as_str(), c.op.as_str(), c.before.clone(), c.after.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("dropout", "add", None, Some(json!(0.1))),
            ("optimizer.lr", "replace", Some(json!(0.1)), Some(json!(0.2))),
            ("seed", "remove", Some(json!(1)), None),
        ]
    );
}

async fn reparent_keeps_own_features_and_recomputes_the_diff(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", Some(BASE_FEATURES)))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment("vit", "2", Some("optimizer:\n  name: adam\n")))
        .await
        .expect("created");
    let moved = t
        .graph
        .create_experiment(experiment(
            "vit",
            "3_from_1",
            Some(&BASE_FEATURES.replace("depth: 12", "depth: 24")),
        ))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment("vit", "4_from_3", None))
        .await
        .expect("created");
    let before = t.graph.features(&moved).await.expect("features").full;

    t.graph.reparent("vit", 3, Some(2)).await.expect("reparented");
    let after = t.graph.features(&moved).await.expect("features");
    assert_eq!(after.full, before, "own full features stay the same");
    let parent = t
        .graph
        .primary_parent(&moved)
        .await
        .expect("query")
        .expect("parent");
    assert_eq!(parent.number, 2);
    assert_eq!(naive_full_features(&t.graph, "vit", 3).await, before);
    assert_eq!(naive_full_features(&t.graph, "vit", 4).await, before);
    let sets = t.graph.feature_sets(&moved).await.expect("sets");
    assert!(
        sets.iter().any(|s| s.path == "model.depth" && s.op == "add"),
        "{sets:?}"
    );

    t.graph.reparent("vit", 3, None).await.expect("made root");
    assert!(t.graph.primary_parent(&moved).await.expect("query").is_none());
    assert_eq!(t.graph.features(&moved).await.expect("features").full, before);
}

async fn reparent_refuses_a_cycle_and_names_it(t: TestGraph) {
    project(&t.graph, "vit").await;
    for name in ["1", "2_from_1", "3_from_2", "4_from_3"] {
        t.graph
            .create_experiment(experiment("vit", name, None))
            .await
            .expect("created");
    }
    let error = t.graph.reparent("vit", 1, Some(4)).await.expect_err("cycle");
    assert_eq!(error.code(), "CYCLE");
    assert!(
        matches!(&error, graph::Error::Cycle { path } if path == &vec![1, 4, 3, 2, 1]),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "this parent would make a cycle: #1 -> #4 -> #3 -> #2 -> #1"
    );
    let root = t.graph.experiment("vit", 1).await.expect("exists");
    assert!(
        t.graph.primary_parent(&root).await.expect("query").is_none(),
        "nothing changed"
    );

    let error = t.graph.reparent("vit", 2, Some(2)).await.expect_err("self");
    assert_eq!(error.code(), "CYCLE");
}

async fn a_features_correction_reaches_descendants_that_keep_their_own_changes(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", Some("lr: 0.1\nbatch: 32\n")))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment("vit", "2_from_1", Some("lr: 0.2\nbatch: 32\n")))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment("vit", "3_from_2", Some("lr: 0.2\nbatch: 64\n")))
        .await
        .expect("created");

    t.graph
        .update_features("vit", 1, "lr: 0.1\nbatch: 32\nwarmup: 5\n")
        .await
        .expect("corrected");
    let three = t.graph.experiment("vit", 3).await.expect("exists");
    let full = t.graph.features(&three).await.expect("features").full;
    assert_eq!(full, json!({"lr": 0.2, "batch": 64, "warmup": 5}));
    assert_eq!(naive_full_features(&t.graph, "vit", 3).await, full);

    let error = t
        .graph
        .update_features("vit", 2, "lr: 0.2\n")
        .await
        .expect_err("3 replaces batch");
    assert_eq!(error.code(), "CONFLICT");
    assert!(error.to_string().contains("#3"), "{error}");
    let two = t.graph.experiment("vit", 2).await.expect("exists");
    assert_eq!(
        t.graph.features(&two).await.expect("features").full["batch"],
        json!(32),
        "nothing changed"
    );
}

async fn merge_parents_are_added_removed_and_checked_for_cycles(t: TestGraph) {
    project(&t.graph, "vit").await;
    for name in ["1", "2_from_1", "3_from_1", "4_from_2"] {
        t.graph
            .create_experiment(experiment("vit", name, None))
            .await
            .expect("created");
    }
    let four = t.graph.add_merge_parent("vit", 4, 3).await.expect("merged");
    let parents: Vec<_> = t
        .graph
        .parents(&four)
        .await
        .expect("parents")
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(parents, vec![2, 3], "primary parent first");
    let ancestors: Vec<_> = t
        .graph
        .ancestors(&four)
        .await
        .expect("ancestors")
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(ancestors, vec![1, 2, 3]);
    let one = t.graph.experiment("vit", 1).await.expect("exists");
    let descendants: Vec<_> = t
        .graph
        .descendants(&one)
        .await
        .expect("descendants")
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(
        descendants,
        vec![2, 3, 4],
        "each descendant once despite two paths"
    );

    let duplicate = t
        .graph
        .add_merge_parent("vit", 4, 3)
        .await
        .expect_err("already a parent");
    assert_eq!(duplicate.code(), "CONFLICT");
    let cycle = t.graph.add_merge_parent("vit", 3, 4).await.expect_err("cycle");
    assert!(
        matches!(&cycle, graph::Error::Cycle { path } if path == &vec![3, 4, 3]),
        "{cycle:?}"
    );

    t.graph.remove_merge_parent("vit", 4, 3).await.expect("removed");
    let parents: Vec<_> = t
        .graph
        .parents(&four)
        .await
        .expect("parents")
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(parents, vec![2]);
    let missing = t.graph.remove_merge_parent("vit", 4, 3).await.expect_err("gone");
    assert_eq!(missing.code(), "NOT_FOUND");
}

async fn merge_preview_merges_against_the_common_ancestor_and_lists_conflicts(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", Some("lr: 0.1\ndepth: 12\nwidth: 256\n")))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment(
            "vit",
            "2_from_1",
            Some("lr: 0.2\ndepth: 24\nwidth: 256\n"),
        ))
        .await
        .expect("created");
    t.graph
        .create_experiment(experiment(
            "vit",
            "3_from_1",
            Some("lr: 0.3\ndepth: 12\nwidth: 512\n"),
        ))
        .await
        .expect("created");
    let result = t.graph.merge_preview("vit", 2, 3).await.expect("preview");
    assert_eq!(result.base, Some(1));
    assert_eq!(
        result.preview.merged,
        json!({"lr": 0.2, "depth": 24, "width": 512})
    );
    assert_eq!(result.preview.conflicts.len(), 1);
    let conflict = &result.preview.conflicts[0];
    assert_eq!(
        (
            conflict.path.as_str(),
            conflict.ours.clone(),
            conflict.theirs.clone()
        ),
        ("lr", Some(json!(0.2)), Some(json!(0.3)))
    );
}

async fn lifecycle_updates_set_timestamps_and_validate_fields(t: TestGraph) {
    project(&t.graph, "vit").await;
    let created = t
        .graph
        .create_experiment(experiment("vit", "1", None))
        .await
        .expect("created");
    assert_eq!(created.status, Status::Planned);
    assert!(created.started_at.is_none());

    let running = ExperimentUpdate {
        status: Some(Status::Running),
        progress: Some(40),
        ..Default::default()
    };
    let running = t
        .graph
        .update_experiment("vit", 1, running)
        .await
        .expect("updated");
    assert!(running.started_at.is_some());
    let done = ExperimentUpdate {
        status: Some(Status::Complete),
        notes: Some("converged".into()),
        tags: Some(vec!["best".into()]),
        ..Default::default()
    };
    let done = t.graph.update_experiment("vit", 1, done).await.expect("updated");
    assert_eq!(
        (done.progress, done.started_at, done.notes.as_str()),
        (100, running.started_at, "converged")
    );
    assert!(done.ended_at.is_some());
    assert_eq!(t.graph.experiment("vit", 1).await.expect("read back"), done);

    let error = t
        .graph
        .update_experiment(
            "vit",
            1,
            ExperimentUpdate {
                progress: Some(101),
                ..Default::default()
            },
        )
        .await
        .expect_err("out of range");
    assert!(error.to_string().starts_with("progress:"), "{error}");
}

async fn bad_input_is_refused_with_field_and_reason_and_stores_nothing(t: TestGraph) {
    project(&t.graph, "vit").await;
    let bad_yaml = t
        .graph
        .create_experiment(experiment("vit", "1", Some("a: 1\nb: [unclosed\n")))
        .await
        .expect_err("invalid yaml");
    assert!(bad_yaml.to_string().contains("line"), "{bad_yaml}");
    assert!(bad_yaml.to_string().starts_with("features:"), "{bad_yaml}");

    let bad_json = t
        .graph
        .create_experiment(experiment("vit", "1", Some("{\"a\": 1,\n \"b\": }")))
        .await
        .expect_err("invalid json");
    assert!(bad_json.to_string().contains("line 2"), "{bad_json}");

    let huge = format!("blob: \"{}\"\n", "x".repeat(1024 * 1024 + 1));
    let too_big = t
        .graph
        .create_experiment(experiment("vit", "1", Some(&huge)))
        .await
        .expect_err("too big");
    assert!(too_big.to_string().contains("1 MiB"), "{too_big}");

    let unknown = t
        .graph
        .create_experiment(experiment("nope", "1", None))
        .await
        .expect_err("no project");
    assert_eq!(unknown.code(), "NOT_FOUND");

    let strict = ProjectSettings {
        naming_pattern: r"^\d+_.+$".into(),
        ..Default::default()
    };
    project_with(&t.graph, "strict", strict).await;
    let off_pattern = t
        .graph
        .create_experiment(experiment("strict", "baseline", None))
        .await
        .expect_err("pattern");
    assert!(off_pattern.to_string().contains(r"^\d+_.+$"), "{off_pattern}");

    let page = t.graph.experiments("vit", None, 10, None).await.expect("list");
    assert!(page.experiments.is_empty(), "nothing was stored");
    assert_eq!(t.graph.project("vit").await.expect("project").next_number, 1);
}

/// A document past 16 KiB is parsed on the blocking pool rather than on the async runtime;
/// it must come out the same, and its errors must still point into it.
async fn a_large_features_document_is_parsed_whole_and_its_errors_keep_their_line(t: TestGraph) {
    project(&t.graph, "vit").await;
    let mut yaml = String::new();
    let mut expected = serde_json::Map::new();
    for section in 0..200 {
        let note = format!("{section:03}").repeat(340);
        yaml.push_str(&format!(
            "s{section:03}:\n  note: \"{note}\"\n  width: {section}\n"
        ));
        expected.insert(format!("s{section:03}"), json!({"note": note, "width": section}));
    }
    assert!(yaml.len() > 200 * 1024, "{} bytes", yaml.len());
    let root = t
        .graph
        .create_experiment(experiment("vit", "1_large", Some(&yaml)))
        .await
        .expect("created");
    let stored = t.graph.features(&root).await.expect("features");
    assert_eq!(stored.full, serde_json::Value::Object(expected));

    let broken = format!("{yaml}s200: [unclosed\n");
    let error = t
        .graph
        .create_experiment(experiment("vit", "2_from_1", Some(&broken)))
        .await
        .expect_err("invalid yaml");
    assert!(error.to_string().starts_with("features:"), "{error}");
    assert!(error.to_string().contains("line 602"), "{error}");

    let corrected = yaml.replace("  width: 7\n", "  width: 8\n");
    t.graph
        .update_features("vit", 1, &corrected)
        .await
        .expect("corrected");
    let stored = t.graph.features(&root).await.expect("features");
    assert_eq!(stored.full["s007"]["width"], json!(8));
    assert_eq!(stored.full["s008"]["width"], json!(8));
    let page = t.graph.experiments("vit", None, 10, None).await.expect("list");
    assert_eq!(page.experiments.len(), 1, "the broken document stored nothing");
}

async fn projects_are_unique_and_their_settings_are_validated_on_write(t: TestGraph) {
    project(&t.graph, "vit").await;
    let clash = t
        .graph
        .create_project(NewProject {
            name: "vit".into(),
            ..Default::default()
        })
        .await
        .expect_err("clash");
    assert_eq!(clash.code(), "CONFLICT");
    let broken = ProjectUpdate {
        naming_pattern: Some("(".into()),
        ..Default::default()
    };
    let error = t
        .graph
        .update_project("vit", broken)
        .await
        .expect_err("bad regex");
    assert!(error.to_string().starts_with("namingPattern:"), "{error}");
    assert_eq!(
        t.graph.project("vit").await.expect("project").settings,
        ProjectSettings::default()
    );
    let names: Vec<_> = t
        .graph
        .projects()
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["vit"]);
}

async fn experiments_page_by_number_and_filter_by_status(t: TestGraph) {
    project(&t.graph, "vit").await;
    for number in 1..=5 {
        let status = if number % 2 == 0 {
            Status::Failed
        } else {
            Status::Complete
        };
        let input = NewExperiment {
            status: Some(status),
            ..experiment("vit", &number.to_string(), None)
        };
        t.graph.create_experiment(input).await.expect("created");
    }
    let first = t.graph.experiments("vit", None, 2, None).await.expect("page");
    assert_eq!(
        first.experiments.iter().map(|e| e.number).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(first.has_more);
    let last = t.graph.experiments("vit", None, 2, Some(4)).await.expect("page");
    assert_eq!(
        last.experiments.iter().map(|e| e.number).collect::<Vec<_>>(),
        vec![5]
    );
    assert!(!last.has_more);
    let failed = t
        .graph
        .experiments("vit", Some(Status::Failed), 10, None)
        .await
        .expect("page");
    assert_eq!(
        failed.experiments.iter().map(|e| e.number).collect::<Vec<_>>(),
        vec![2, 4]
    );
    let too_many = t
        .graph
        .experiments("vit", None, 1001, None)
        .await
        .expect_err("cap");
    assert!(too_many.to_string().starts_with("first:"), "{too_many}");
}

async fn dag_and_kanban_show_the_whole_project(t: TestGraph) {
    project(&t.graph, "vit").await;
    for name in ["1", "2_from_1", "3_from_1"] {
        t.graph
            .create_experiment(experiment("vit", name, None))
            .await
            .expect("created");
    }
    t.graph.add_merge_parent("vit", 3, 2).await.expect("merged");
    t.graph
        .update_experiment(
            "vit",
            2,
            ExperimentUpdate {
                status: Some(Status::Running),
                ..Default::default()
            },
        )
        .await
        .expect("updated");
    let dag = t.graph.dag("vit").await.expect("dag");
    assert_eq!(
        dag.nodes.iter().map(|n| n.number).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let edges: Vec<_> = dag.edges.iter().map(|e| (e.from, e.to, e.kind)).collect();
    use graph::model::EdgeKind::{ChildOf, MergedFrom};
    assert_eq!(edges, vec![(1, 2, ChildOf), (1, 3, ChildOf), (2, 3, MergedFrom)]);

    let kanban = t.graph.kanban("vit").await.expect("kanban");
    let columns: Vec<_> = kanban
        .iter()
        .map(|c| {
            (
                c.status,
                c.experiments.iter().map(|e| e.number).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        vec![
            (Status::Planned, vec![1, 3]),
            (Status::Running, vec![2]),
            (Status::Complete, vec![]),
            (Status::Failed, vec![])
        ]
    );
}

/// `dag` keeps a project's DAG between reads; every change to what it shows (creations,
/// status, progress, primary and merge parents), made by this process or by another one on
/// the same data, is in the next read.
async fn the_kept_dag_follows_every_change_it_shows_from_any_process(t: TestGraph) {
    use graph::model::EdgeKind::{ChildOf, MergedFrom};
    project(&t.graph, "vit").await;
    let other = graph::Graph::open(t.open_engine().await)
        .await
        .expect("a second process on the same data");
    let shown = |dag: graph::model::Dag| {
        (
            dag.nodes
                .iter()
                .map(|n| (n.number, n.status, n.progress))
                .collect::<Vec<_>>(),
            dag.edges
                .iter()
                .map(|e| (e.from, e.to, e.kind))
                .collect::<Vec<_>>(),
        )
    };
    for name in ["1", "2_from_1"] {
        t.graph
            .create_experiment(experiment("vit", name, None))
            .await
            .expect("created");
    }
    let planned = (Status::Planned, 0);
    let first = shown(t.graph.dag("vit").await.expect("dag"));
    assert_eq!(first.1, vec![(1, 2, ChildOf)]);
    assert_eq!(shown(t.graph.dag("vit").await.expect("kept")), first);

    other
        .create_experiment(experiment("vit", "3_from_1", None))
        .await
        .expect("created elsewhere");
    let update = |status, progress| ExperimentUpdate {
        status,
        progress,
        ..Default::default()
    };
    other
        .update_experiment("vit", 2, update(Some(Status::Running), None))
        .await
        .expect("status");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")),
        (
            vec![
                (1, planned.0, planned.1),
                (2, Status::Running, 0),
                (3, planned.0, planned.1)
            ],
            vec![(1, 2, ChildOf), (1, 3, ChildOf)]
        )
    );
    other
        .update_experiment("vit", 2, update(None, Some(40)))
        .await
        .expect("progress");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")).0[1],
        (2, Status::Running, 40)
    );
    other.add_merge_parent("vit", 3, 2).await.expect("merged");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")).1,
        vec![(1, 2, ChildOf), (1, 3, ChildOf), (2, 3, MergedFrom)]
    );
    other.remove_merge_parent("vit", 3, 2).await.expect("unmerged");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")).1,
        vec![(1, 2, ChildOf), (1, 3, ChildOf)]
    );
    other.reparent("vit", 3, Some(2)).await.expect("reparented");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")).1,
        vec![(1, 2, ChildOf), (2, 3, ChildOf)]
    );
    other.reparent("vit", 3, None).await.expect("made a root");
    assert_eq!(
        shown(t.graph.dag("vit").await.expect("dag")).1,
        vec![(1, 2, ChildOf)]
    );
}

async fn reopening_the_graph_keeps_everything_and_does_not_migrate_twice(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", Some(BASE_FEATURES)))
        .await
        .expect("created");
    let engine = t.open_engine().await;
    drop(t.graph);
    let reopened = graph::Graph::open(engine).await.expect("migrates");
    let stored = reopened.experiment("vit", 1).await.expect("still there");
    assert_eq!(
        reopened.features(&stored).await.expect("features").full["optimizer"]["lr"],
        json!(0.1)
    );
}

/// Runs every operation once, then checks that each named query in `cypher/` ran on this engine.
async fn every_named_query_runs_on_the_engine(t: TestGraph) {
    project(&t.graph, "vit").await;
    let described = ProjectUpdate {
        description: Some("vision".into()),
        ..Default::default()
    };
    t.graph.update_project("vit", described).await.expect("updated");
    t.graph.projects().await.expect("list");
    t.graph
        .create_experiment(experiment("vit", "1", Some(BASE_FEATURES)))
        .await
        .expect("created");
    let two = t
        .graph
        .create_experiment(experiment("vit", "2_from_1", Some("lr: 1\n")))
        .await
        .expect("created");
    let three = t
        .graph
        .create_experiment(experiment("vit", "3_from_2", Some("lr: 2\n")))
        .await
        .expect("created");
    t.graph
        .create_experiment(NewExperiment {
            parent: Some(ParentRef::Id(two.id.clone())),
            ..experiment("vit", "4", None)
        })
        .await
        .expect("created");
    t.graph
        .update_experiment("vit", 2, ExperimentUpdate::default())
        .await
        .expect("updated");
    t.graph.experiments("vit", None, 10, None).await.expect("list");
    t.graph.feature_sets(&three).await.expect("sets");
    let (owner, found) = t.graph.experiment_by_id(&three.id).await.expect("by id");
    assert_eq!((owner.name.as_str(), found.number), ("vit", 3));
    t.graph.children(&two).await.expect("children");
    t.graph.ancestors(&three).await.expect("ancestors");
    t.graph.descendants(&two).await.expect("descendants");
    t.graph.add_merge_parent("vit", 4, 3).await.expect("merge");
    t.graph.remove_merge_parent("vit", 4, 3).await.expect("unmerge");
    t.graph.reparent("vit", 2, None).await.expect("reparent");
    t.graph.reparent("vit", 2, Some(1)).await.expect("reparent");
    t.graph
        .update_features("vit", 2, "lr: 5\nnew: true\n")
        .await
        .expect("features edited");
    t.graph.merge_preview("vit", 3, 4).await.expect("preview");
    t.graph.feature_diff("vit", 1, 3).await.expect("diff");
    t.graph.dag("vit").await.expect("dag");
    let rerun = t
        .graph
        .create_experiment(NewExperiment {
            rerun_of: Some(3),
            ..experiment("vit", "3_from_2", None)
        })
        .await
        .expect("rerun");
    t.graph.rerun_of(&rerun).await.expect("rerun of");
    t.graph.reruns(&three).await.expect("reruns");
    t.graph.check_ready().await.expect("ready");
    support::jobs::exercise_job_queries(&t.graph).await;
    support::auth::exercise_auth_queries(&t.graph).await;
    support::metrics::exercise_metric_queries(&t.graph).await;
    support::files::exercise_file_queries(&t.graph).await;
    support::environment::exercise_environment_queries(&t.graph).await;
    support::hypotheses::exercise_hypothesis_queries(&t.graph).await;
    support::evidence::exercise_evidence_queries(&t.graph).await;
    support::knowledge::exercise_knowledge_queries(&t.graph).await;

    let ran = t.recorder.ran.lock().expect("lock").clone();
    let never_ran: Vec<_> = queries::ALL
        .iter()
        .map(|q| q.name)
        .filter(|name| !ran.contains(name))
        .collect();
    assert!(
        never_ran.is_empty(),
        "queries never run on this engine: {never_ran:?}"
    );
}

async fn concurrent_creations_get_distinct_consecutive_numbers(t: TestGraph) {
    project(&t.graph, "vit").await;
    let mut numbers: Vec<i64> = support::create_concurrently(std::slice::from_ref(&t.graph), "vit", 40)
        .await
        .into_iter()
        .map(|created| created.expect("created").number)
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
}

async fn cypher_in_user_values_is_stored_verbatim_and_changes_nothing_else(t: TestGraph) {
    let corpus = [
        "'}) MATCH (n) DETACH DELETE n //",
        "\" OR 1=1 RETURN n //",
        "x\\' SET n.name = 'pwned",
        "line\nbreak\ttab \u{0}? no: unicode ✓ 名前",
        "$id }) CREATE (:Evil) //",
        "MATCH (n) RETURN n",
    ];
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", None))
        .await
        .expect("created");
    for (position, payload) in corpus.iter().enumerate() {
        let notes = payload.replace('\u{0}', "");
        let update = ExperimentUpdate {
            notes: Some(notes.clone()),
            tags: Some(vec![notes.replace(['\n', '\t'], " ")]),
            ..Default::default()
        };
        let stored = t.graph.update_experiment("vit", 1, update).await.expect("stored");
        assert_eq!(
            t.graph.experiment("vit", 1).await.expect("read back").notes,
            notes,
            "payload {position}"
        );
        assert_eq!(stored.notes, notes);
        let features = serde_json::json!({ "payload": payload }).to_string();
        let name = format!("{} {position}", payload.replace(['\n', '\t', '\u{0}'], " "));
        let created = t
            .graph
            .create_experiment(experiment("vit", &name, Some(&features)))
            .await
            .expect("created");
        assert_eq!(created.name, name);
        assert_eq!(
            t.graph.features(&created).await.expect("features").full["payload"],
            serde_json::json!(payload)
        );
    }
    let page = t.graph.experiments("vit", None, 100, None).await.expect("list");
    assert_eq!(
        page.experiments.len(),
        corpus.len() + 1,
        "nothing deleted, nothing extra"
    );
    assert_eq!(t.graph.projects().await.expect("projects").len(), 1);
}

async fn a_graph_from_a_newer_rsdk_is_refused_with_advice(t: TestGraph) {
    let newer = graph::value::Params::new().with("version", graph::schema::current_version() + 1);
    t.graph
        .executor()
        .execute(&queries::SET_SCHEMA_VERSION, newer)
        .await
        .expect("version written");
    let error = graph::Graph::open(t.graph.executor().clone())
        .await
        .expect_err("refused");
    assert_eq!(error.code(), "UNAVAILABLE");
    assert!(error.to_string().contains("upgrade rsdk"), "{error}");
}
