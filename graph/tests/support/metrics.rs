//! Runs every metric method once, so the every-query-runs test covers `cypher/metric/`.

use graph::ids::ExperimentId;
use graph::model::{Aggregation, Direction, MeasuredSummary, MetricConfig, MetricSource, NewChunk};

/// A chunk of `metrics` with the given id (one point per metric at step 0).
pub fn chunk(chunk_id: &str, metrics: &[&str]) -> NewChunk {
    NewChunk {
        chunk_id: chunk_id.into(),
        digest: format!("sha256:{chunk_id}"),
        points: metrics.len() as i64,
        min_step: 0,
        max_step: 0,
        metrics: metrics.iter().map(|m| (*m).to_owned()).collect(),
        bytes: 100,
        overview: None,
        audit: None,
    }
}

/// A summary of one point `value` at `step`.
pub fn summary(metric: &str, value: f64, step: i64) -> MeasuredSummary {
    MeasuredSummary {
        metric: metric.into(),
        last: value,
        last_step: step,
        min: value,
        max: value,
        mean: value,
        count: 1,
        finite_count: i64::from(value.is_finite()),
        recent: vec![value],
    }
}

/// Configures, lists and removes metrics of a project of its own, records, lists, compacts and
/// summarizes chunks of `experiment`: every metric query runs at least once. Panics when a
/// step misbehaves.
pub async fn exercise_metric_queries(graph: &graph::Graph) {
    let project = "metric-exercise";
    super::project(graph, project).await;
    let first = graph
        .create_experiment(super::experiment(project, "1", None))
        .await
        .expect("experiment created");
    let experiment: &ExperimentId = &first.id;
    let scalar = MetricConfig {
        name: "exercise/loss".into(),
        direction: Direction::Minimize,
        aggregation: Aggregation::Best,
        source: MetricSource::Scalar,
    };
    graph
        .set_metric_config(project, scalar)
        .await
        .expect("configured");
    let derived = MetricConfig {
        name: "exercise/double".into(),
        direction: Direction::Maximize,
        aggregation: Aggregation::Last,
        source: MetricSource::Derived {
            expression: "2 * `exercise/loss`".into(),
        },
    };
    graph
        .set_metric_config(project, derived)
        .await
        .expect("derived configured");
    graph.metric_configs(project).await.expect("configs");

    graph
        .record_chunk(
            experiment,
            chunk("exercise-1", &["exercise/loss"]),
            vec![summary("exercise/loss", 1.0, 0)],
        )
        .await
        .expect("recorded");
    let summaries = graph
        .measured_in_project(project)
        .await
        .expect("project summaries");
    assert_eq!(summaries[&first.number][0].last, 1.0);
    graph
        .record_chunk(
            experiment,
            chunk("exercise-2", &["exercise/loss"]),
            vec![summary("exercise/loss", 0.5, 1)],
        )
        .await
        .expect("recorded");
    graph
        .record_chunk(
            experiment,
            chunk("exercise-2", &["exercise/loss"]),
            vec![summary("exercise/loss", 0.5, 1)],
        )
        .await
        .expect("retry answered");
    let old = vec!["exercise-1".to_owned(), "exercise-2".to_owned()];
    graph
        .replace_chunks(
            experiment,
            &old,
            NewChunk {
                overview: Some("sha256:exercise-overview".into()),
                ..chunk("exercise-c", &["exercise/loss"])
            },
            vec![summary("exercise/loss", 0.5, 1)],
        )
        .await
        .expect("compacted");
    assert!(
        graph
            .blob_in_use("sha256:exercise-overview")
            .await
            .expect("in use"),
        "the compacted chunk's overview blob is named by a live chunk"
    );
    assert!(
        graph.blob_in_use("sha256:exercise-c").await.expect("in use"),
        "the compacted chunk's blob is named by a live chunk"
    );
    assert!(
        !graph.blob_in_use("sha256:exercise-1").await.expect("in use"),
        "a replaced chunk's blob is not"
    );
    let referenced = graph.referenced_blobs().await.expect("referenced");
    assert!(
        referenced.contains("sha256:exercise-c") && referenced.contains("sha256:exercise-overview"),
        "live chunks and overviews are referenced: {referenced:?}"
    );
    assert!(
        !referenced.contains("sha256:exercise-1"),
        "a replaced chunk's blob is not"
    );
    graph.chunks(experiment).await.expect("chunks");
    graph.measured(experiment).await.expect("measured");
    // This process keeps neither the project's DAG nor its summaries of now (later chunks
    // moved the values version): one read of both.
    let table = graph
        .metrics_table(
            project,
            graph::TableQuery {
                metrics: vec!["exercise/loss".into(), "exercise/double".into()],
                status: None,
                name_contains: None,
                baseline: graph::Baseline::Root,
                sort_by: None,
                first: 10,
                offset: 0,
            },
        )
        .await
        .expect("metrics table");
    let cells: Vec<_> = table
        .rows
        .iter()
        .map(|row| {
            (
                row.number,
                row.cells.iter().map(|cell| cell.value).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [(first.number, vec![0.5, 1.0])],
        "the compacted summary and the metric derived from it, in the table"
    );
    graph.project_metrics(project).await.expect("project metrics");

    graph
        .remove_metric_config(project, "exercise/loss")
        .await
        .expect("measured config removed");
    graph
        .remove_metric_config(project, "exercise/double")
        .await
        .expect("unmeasured config removed");
}
