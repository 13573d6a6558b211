//! Runs the whole-project reads once, so the every-query-runs test covers `cypher/knowledge/`,
//! and checks them (and the read-only view questions run on) on every engine.

use graph::model::{NewExperiment, ParentRef};
use graph::value::Params;
use graph::Graph;
use serde_json::json;

/// A root and a child that changes one feature: both reads return them, and a read-only view
/// records what it ran and refuses a write. Panics when a step misbehaves.
pub async fn exercise_knowledge_queries(graph: &Graph) {
    let project = "knowledge-exercise";
    super::project(graph, project).await;
    graph
        .create_experiment(super::experiment(
            project,
            "1",
            Some(r#"{"lr": 0.1, "optimizer": "sgd"}"#),
        ))
        .await
        .expect("root created");
    graph
        .create_experiment(NewExperiment {
            parent: Some(ParentRef::Number(1)),
            ..super::experiment(project, "2", Some(r#"{"lr": 0.1, "optimizer": "adamw"}"#))
        })
        .await
        .expect("child created");

    let (read_only, trace) = graph.read_only();
    let experiments = read_only
        .experiments_with_features(project)
        .await
        .expect("experiments");
    let numbers: Vec<i64> = experiments.iter().map(|entry| entry.experiment.number).collect();
    assert_eq!(numbers, vec![1, 2]);
    assert_eq!(experiments[1].features, json!({"lr": 0.1, "optimizer": "adamw"}));

    let changes = read_only.project_feature_changes(project).await.expect("changes");
    let child: Vec<_> = changes.iter().filter(|change| change.number == 2).collect();
    assert_eq!(child.len(), 1, "{changes:?}");
    assert_eq!(child[0].path, "optimizer");
    assert_eq!(child[0].value, Some(json!("adamw")));
    assert_eq!(child[0].parent, Some(1));
    assert!(
        changes
            .iter()
            .filter(|change| change.number == 1)
            .all(|change| change.parent.is_none()),
        "a root's changes have no parent: {changes:?}"
    );

    let project_id = graph.project(project).await.expect("project").id;
    let generated = read_only
        .run_generated(
            "MATCH (e:Experiment {project_id: $project_id}) RETURN e.number AS number ORDER BY number LIMIT 10",
            Params::new().with("project_id", project_id.as_str()),
        )
        .await
        .expect("a generated read runs");
    assert_eq!(generated.len(), 2);
    let write = graph
        .run_generated(
            "MATCH (e:Experiment {project_id: $project_id}) SET e.name = 'hijacked' RETURN e.number AS number",
            Params::new().with("project_id", project_id.as_str()),
        )
        .await
        .expect_err("the engine refuses a write in a generated statement");
    assert_eq!(write.code(), "VALIDATION", "{write}");
    assert_eq!(
        graph.experiment(project, 1).await.expect("run 1").name,
        "1",
        "nothing was written"
    );

    let traced = trace.queries();
    let ran: Vec<&str> = traced.iter().map(|query| query.name.as_str()).collect();
    assert!(ran.contains(&"generated"), "{ran:?}");
    assert!(ran.contains(&"knowledge/experiments"), "{ran:?}");
    assert!(ran.contains(&"knowledge/feature_sets"), "{ran:?}");
    let refused = read_only
        .create_experiment(super::experiment(project, "3", None))
        .await
        .expect_err("the read-only view refuses writes");
    assert_eq!(refused.code(), "FORBIDDEN", "{refused}");
    assert_eq!(
        graph
            .experiments_with_features(project)
            .await
            .expect("read")
            .len(),
        2,
        "nothing was written"
    );

    assert!(graph
        .dismissed_suggestions(project)
        .await
        .expect("none yet")
        .is_empty());
    graph
        .dismiss_suggestion(project, "val_acc|optimizer|adamw")
        .await
        .expect("dismissed");
    graph
        .dismiss_suggestion(project, "val_acc|optimizer|adamw")
        .await
        .expect("dismissing twice is fine");
    let dismissed = graph.dismissed_suggestions(project).await.expect("read");
    assert_eq!(
        dismissed.into_iter().collect::<Vec<_>>(),
        vec!["val_acc|optimizer|adamw".to_owned()]
    );
    let refused = graph
        .dismiss_suggestion(project, " ")
        .await
        .expect_err("blank key");
    assert_eq!(refused.code(), "VALIDATION");
}
