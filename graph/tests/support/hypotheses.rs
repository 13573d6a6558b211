//! Runs every hypothesis method once, so the every-query-runs test covers `cypher/hypothesis/`.

use graph::ids::UserId;
use graph::model::{
    Aggregation, Direction, HypothesisBaseline, HypothesisFilter, HypothesisStatus, HypothesisUpdate,
    MetricConfig, MetricSource, NewHypothesis, TargetInput,
};

/// The input of a hypothesis of `project` with `title` and nothing else.
pub fn new_hypothesis(project: &str, title: &str) -> NewHypothesis {
    NewHypothesis {
        project: project.into(),
        title: title.into(),
        description: String::new(),
        author: UserId("author-1".into()),
        targets: Vec::new(),
        about: Vec::new(),
        baseline: HypothesisBaseline::Parent,
    }
}

/// Configures metric `name` of `project` (maximize, last).
pub async fn configure(graph: &graph::Graph, project: &str, name: &str) {
    let config = MetricConfig {
        name: name.into(),
        direction: Direction::Maximize,
        aggregation: Aggregation::Last,
        source: MetricSource::Scalar,
    };
    graph
        .set_metric_config(project, config)
        .await
        .expect("configured");
}

/// Creates, edits, links, overrides, lists and reads a hypothesis of a project of its own:
/// every hypothesis query runs at least once. Panics when a step misbehaves.
pub async fn exercise_hypothesis_queries(graph: &graph::Graph) {
    let project = "hypothesis-exercise";
    super::project(graph, project).await;
    graph
        .create_experiment(super::experiment(project, "1", Some("lr: 0.1\n")))
        .await
        .expect("experiment created");
    let two = graph
        .create_experiment(super::experiment(project, "2_from_1", Some("lr: 0.2\n")))
        .await
        .expect("experiment created");
    configure(graph, project, "accuracy").await;
    let created = graph
        .create_hypothesis(NewHypothesis {
            targets: vec![TargetInput {
                metric: "accuracy".into(),
                weight: 1.0,
            }],
            about: vec!["lr".into()],
            ..new_hypothesis(project, "lr matters")
        })
        .await
        .expect("created");
    let update = HypothesisUpdate {
        title: Some("lr matters a lot".into()),
        targets: Some(Vec::new()),
        about: Some(vec!["lr".into()]),
        ..HypothesisUpdate::default()
    };
    graph
        .update_hypothesis(&created.id, update)
        .await
        .expect("updated");
    graph.link_experiments(&created.id, &[1]).await.expect("linked");
    graph
        .unlink_experiments(&created.id, &[1])
        .await
        .expect("unlinked");
    graph
        .override_hypothesis_status(
            &created.id,
            HypothesisStatus::Supported,
            "checked by hand",
            &UserId("author-1".into()),
        )
        .await
        .expect("overridden");
    graph
        .clear_hypothesis_override(&created.id)
        .await
        .expect("cleared");
    let (_, found) = graph.hypothesis_by_id(&created.id).await.expect("by id");
    graph.hypothesis_targets(&found).await.expect("targets");
    graph.hypothesis_about(&found).await.expect("about");
    graph.hypothesis_experiments(&found).await.expect("experiments");
    graph.hypothesis_suggestions(&found).await.expect("suggestions");
    graph
        .experiment_hypotheses(&two)
        .await
        .expect("hypotheses of an experiment");
    graph
        .hypotheses(project, HypothesisFilter::default(), 10, None)
        .await
        .expect("list");
    let tested_by_two = HypothesisFilter {
        experiment: Some(2),
        ..HypothesisFilter::default()
    };
    graph
        .hypotheses(project, tested_by_two, 10, None)
        .await
        .expect("list by experiment");
}
