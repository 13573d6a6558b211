//! Evidence test helpers (runs with a status, features and measured values), and a run of
//! every evidence method, so the every-query-runs test covers `cypher/evidence/`.

use std::sync::atomic::{AtomicUsize, Ordering};

use graph::model::{
    Aggregation, Direction, Experiment, HypothesisBaseline, MetricConfig, MetricSource, NewExperiment,
    NewHypothesis, Status, TargetInput,
};
use graph::Graph;

use super::metrics::{chunk, summary};

/// Configures metric `name` of `project` with `direction` (aggregation last).
pub async fn configure_direction(graph: &Graph, project: &str, name: &str, direction: Direction) {
    let config = MetricConfig {
        name: name.into(),
        direction,
        aggregation: Aggregation::Last,
        source: MetricSource::Scalar,
    };
    graph
        .set_metric_config(project, config)
        .await
        .expect("configured");
}

/// Creates experiment `name` (e.g. `2_from_1`) of `project` with `features` and `status`.
pub async fn run(graph: &Graph, project: &str, name: &str, features: &str, status: Status) -> Experiment {
    graph
        .create_experiment(NewExperiment {
            project: project.into(),
            name: name.into(),
            features: Some(features.into()),
            status: Some(status),
            ..NewExperiment::default()
        })
        .await
        .expect("experiment created")
}

/// Records `value` as the (one-point) summary of `metric` for `experiment`.
pub async fn measure(graph: &Graph, experiment: &Experiment, metric: &str, value: f64) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let chunk_id = format!("evidence-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    graph
        .record_chunk(
            &experiment.id,
            chunk(&chunk_id, &[metric]),
            vec![summary(metric, value, 0)],
        )
        .await
        .expect("summary recorded");
}

/// A hypothesis of `project` targeting `targets` (name, weight) against `baseline`, linked to
/// `linked` (numbers, may be empty).
pub async fn hypothesis(
    graph: &Graph,
    project: &str,
    targets: &[(&str, f64)],
    baseline: HypothesisBaseline,
    linked: &[i64],
) -> graph::ids::HypothesisId {
    let created = graph
        .create_hypothesis(NewHypothesis {
            project: project.into(),
            title: "evidence".into(),
            description: String::new(),
            author: graph::ids::UserId("author-1".into()),
            targets: targets
                .iter()
                .map(|(metric, weight)| TargetInput {
                    metric: (*metric).into(),
                    weight: *weight,
                })
                .collect(),
            about: Vec::new(),
            baseline,
        })
        .await
        .expect("hypothesis created");
    if !linked.is_empty() {
        graph.link_experiments(&created.id, linked).await.expect("linked");
    }
    created.id
}

/// Computes, reads and lists evidence in a project of its own, with a seed sibling and a
/// rerun: every evidence query runs at least once. Panics when a step misbehaves.
pub async fn exercise_evidence_queries(graph: &Graph) {
    let project = "evidence-exercise";
    super::project(graph, project).await;
    configure_direction(graph, project, "acc", Direction::Maximize).await;
    let root = run(graph, project, "1", "lr: 0.1\nseed: 1\n", Status::Complete).await;
    let child = run(graph, project, "2_from_1", "lr: 0.2\nseed: 1\n", Status::Complete).await;
    let sibling = run(graph, project, "3_from_1", "lr: 0.2\nseed: 2\n", Status::Complete).await;
    let rerun = graph
        .create_experiment(NewExperiment {
            project: project.into(),
            name: "again".into(),
            features: Some("lr: 0.2\nseed: 1\n".into()),
            status: Some(Status::Running),
            rerun_of: Some(2),
            ..NewExperiment::default()
        })
        .await
        .expect("rerun created");
    for (experiment, value) in [(&root, 0.5), (&child, 0.7), (&sibling, 0.6), (&rerun, 0.65)] {
        measure(graph, experiment, "acc", value).await;
    }
    let id = hypothesis(
        graph,
        project,
        &[("acc", 1.0)],
        HypothesisBaseline::Parent,
        &[2, 3],
    )
    .await;
    graph.recompute_evidence(&id).await.expect("recomputed");
    graph
        .record_restore_check(project, 2, true, "verified 2 files against the manifest: 2 match")
        .await
        .expect("restore check");
    graph
        .restore_check(&child.id)
        .await
        .expect("read the restore check");
    // A changed unit rewrites its experiment's edges only (#3's stay).
    measure(graph, &child, "acc", 0.75).await;
    graph.recompute_evidence(&id).await.expect("recomputed again");
    // A run created after the project's values were kept, then linked, is read in alone.
    run(graph, project, "5_from_1", "lr: 0.3\nseed: 1\n", Status::Running).await;
    graph.link_experiments(&id, &[5]).await.expect("linked");
    let with_new = graph.recompute_evidence(&id).await.expect("recomputed with #5");
    assert_eq!(
        with_new.inputs.linked, 3,
        "#5 counts as linked (it has no value yet)"
    );
    graph.hypothesis_evidence(&id).await.expect("evidence");
    graph.evidence_history(&id).await.expect("history");
    graph
        .experiment_evidence(&child.id)
        .await
        .expect("experiment evidence");
    graph.hypotheses_affected_by(&child.id).await.expect("affected");
    graph
        .project_hypotheses(project)
        .await
        .expect("project hypotheses");
}
