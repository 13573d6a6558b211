//! Metric configuration, the chunk manifest and the stored summaries, the same on every
//! engine: each test runs on graphdblite, on FalkorDB and (with `RSDK_TEST_NEO4J`) on Neo4j.

mod support;

support::on_every_engine!(
    metric_configs_are_stored_listed_and_removed,
    bad_metric_configs_are_refused_and_name_the_field,
    derived_metrics_may_not_read_themselves_or_form_cycles,
    recording_a_chunk_twice_keeps_one_record_and_the_first_summaries,
    sequences_increase_with_each_recorded_chunk,
    chunks_recorded_at_the_same_time_land_once_each_and_a_refusal_stays_their_own,
    a_chunk_and_its_audit_record_land_together_or_not_at_all,
    nan_and_infinite_summaries_read_back_exactly,
    the_metric_count_limit_refuses_and_stores_nothing,
    measured_in_project_reads_the_project_once_until_a_value_changes,
    replacing_chunks_hides_the_old_ones_and_resets_summaries,
    measured_metrics_are_listed_unconfigured_until_configured,
    a_graph_from_before_the_chunk_counters_gets_them_from_its_live_chunks,
);

use graph::ids::ExperimentId;
use graph::model::metric::MAX_METRICS_PER_EXPERIMENT;
use graph::model::{
    Aggregation, AuditFilter, ChunkOutcome, Direction, MeasuredSummary, MetricConfig, MetricSource,
    NewAuditEntry, NewChunk,
};
use graph::queries;
use graph::Error;
use support::metrics::{chunk, summary};
use support::{experiment, project, TestGraph};

fn scalar(name: &str, direction: Direction) -> MetricConfig {
    MetricConfig {
        name: name.into(),
        direction,
        aggregation: Aggregation::Best,
        source: MetricSource::Scalar,
    }
}

fn derived(name: &str, expression: &str) -> MetricConfig {
    MetricConfig {
        name: name.into(),
        direction: Direction::Maximize,
        aggregation: Aggregation::Last,
        source: MetricSource::Derived {
            expression: expression.into(),
        },
    }
}

fn invalid_field(error: Error) -> String {
    match error {
        Error::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// A project `p` with experiments 1..=count; returns their ids.
async fn experiments(t: &TestGraph, count: usize) -> Vec<ExperimentId> {
    project(&t.graph, "p").await;
    let mut ids = Vec::new();
    for number in 1..=count {
        let created = t
            .graph
            .create_experiment(experiment("p", &number.to_string(), None))
            .await
            .expect("created");
        ids.push(created.id);
    }
    ids
}

fn assert_same(stored: &[MeasuredSummary], expected: &[MeasuredSummary]) {
    assert_eq!(stored.len(), expected.len(), "{stored:?} vs {expected:?}");
    for (stored, expected) in stored.iter().zip(expected) {
        assert!(stored.same_as(expected), "{stored:?} vs {expected:?}");
    }
}

/// The audit record of a metrics request on experiment `id` with `outcome`.
fn audit_entry(id: &ExperimentId, outcome: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: None,
        action: "appendMetrics".into(),
        target: format!("experiment {id}"),
        outcome: outcome.into(),
        summary: "{}".into(),
        request_id: "request-1".into(),
        client: "127.0.0.1".into(),
    }
}

/// The id and sequence of each live chunk of experiment `id`, by sequence.
async fn listed_chunks(t: &TestGraph, id: &ExperimentId) -> Vec<(String, i64)> {
    let chunks = t.graph.chunks(id).await.expect("chunks");
    chunks.into_iter().map(|c| (c.chunk_id, c.sequence)).collect()
}

async fn metric_configs_are_stored_listed_and_removed(t: TestGraph) {
    project(&t.graph, "p").await;
    let loss = scalar("val/loss", Direction::Minimize);
    let accuracy = derived("accuracy gap", "1 - `val/acc` + abs(val/loss)");
    assert_eq!(
        t.graph.set_metric_config("p", loss.clone()).await.expect("set"),
        loss
    );
    t.graph
        .set_metric_config("p", accuracy.clone())
        .await
        .expect("set");
    assert_eq!(
        t.graph.metric_configs("p").await.expect("configs"),
        vec![accuracy.clone(), loss.clone()]
    );

    let reconfigured = MetricConfig {
        aggregation: Aggregation::Average,
        ..loss.clone()
    };
    t.graph
        .set_metric_config("p", reconfigured.clone())
        .await
        .expect("set again");
    t.graph
        .remove_metric_config("p", "accuracy gap")
        .await
        .expect("removed");
    assert_eq!(
        t.graph.metric_configs("p").await.expect("configs"),
        vec![reconfigured]
    );
    let again = t.graph.remove_metric_config("p", "accuracy gap").await;
    assert!(matches!(again, Err(Error::NotFound { .. })), "{again:?}");
    let elsewhere = t.graph.metric_configs("missing").await;
    assert!(matches!(elsewhere, Err(Error::NotFound { .. })), "{elsewhere:?}");
}

async fn bad_metric_configs_are_refused_and_name_the_field(t: TestGraph) {
    project(&t.graph, "p").await;
    for bad_name in ["", "line\nbreak", &"x".repeat(201)] {
        let error = t
            .graph
            .set_metric_config("p", scalar(bad_name, Direction::Minimize))
            .await
            .expect_err("bad name");
        assert_eq!(invalid_field(error), "name");
    }
    for bad_expression in [
        "1 +",
        "loss loss",
        "pow(loss, 2)",
        "((loss)",
        "",
        &"a+".repeat(600),
    ] {
        let error = t
            .graph
            .set_metric_config("p", derived("d", bad_expression))
            .await
            .expect_err("bad expression");
        assert_eq!(invalid_field(error), "expression", "{bad_expression}");
    }
    assert!(t.graph.metric_configs("p").await.expect("configs").is_empty());
}

async fn derived_metrics_may_not_read_themselves_or_form_cycles(t: TestGraph) {
    project(&t.graph, "p").await;
    let error = t
        .graph
        .set_metric_config("p", derived("score", "score * 2"))
        .await
        .expect_err("self reference");
    assert_eq!(invalid_field(error), "expression");

    t.graph
        .set_metric_config("p", derived("a", "b + 1"))
        .await
        .expect("a");
    t.graph
        .set_metric_config("p", derived("b", "c * 2"))
        .await
        .expect("b");
    let error = t
        .graph
        .set_metric_config("p", derived("c", "log(a)"))
        .await
        .expect_err("cycle");
    let Error::Invalid { field, reason } = error else {
        panic!("expected invalid");
    };
    assert_eq!(field, "expression");
    assert!(reason.contains("c -> a -> b -> c"), "{reason}");
    let names: Vec<_> = t
        .graph
        .metric_configs("p")
        .await
        .expect("configs")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["a", "b"]);
    // Reconfiguring `a` so it no longer reads `b` makes `c` acceptable.
    t.graph
        .set_metric_config("p", derived("a", "loss"))
        .await
        .expect("a again");
    t.graph
        .set_metric_config("p", derived("c", "log(a)"))
        .await
        .expect("c");
}

async fn recording_a_chunk_twice_keeps_one_record_and_the_first_summaries(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    let first = vec![summary("loss", 0.25, 3)];
    let recorded = t
        .graph
        .record_chunk(&ids[0], chunk("c1", &["loss"]), first.clone())
        .await
        .expect("recorded");
    assert!(!recorded.duplicate, "expected a new record, got {recorded:?}");
    assert_eq!(recorded.live_chunks, 1);
    let record = recorded.record;
    let retried = t
        .graph
        .record_chunk(&ids[0], chunk("c1", &["loss"]), vec![summary("loss", 9.0, 9)])
        .await
        .expect("retry answered");
    assert_eq!(
        retried,
        ChunkOutcome {
            record: record.clone(),
            duplicate: true,
            live_chunks: 1
        }
    );
    assert_eq!(t.graph.chunks(&ids[0]).await.expect("chunks"), vec![record]);
    assert_same(&t.graph.measured(&ids[0]).await.expect("measured"), &first);

    let unknown = ExperimentId("no-such-experiment".into());
    let missing = t
        .graph
        .record_chunk(&unknown, chunk("c1", &["loss"]), first)
        .await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

async fn a_chunk_and_its_audit_record_land_together_or_not_at_all(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    let audited = NewChunk {
        audit: Some(audit_entry(&ids[0], "ok")),
        ..chunk("c1", &["loss"])
    };
    t.graph
        .record_chunk(&ids[0], audited, vec![summary("loss", 1.0, 0)])
        .await
        .expect("recorded");
    let log = t
        .graph
        .audit_log(AuditFilter {
            action: Some("appendMetrics".into()),
            first: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("the audit log");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (log[0].request_id.as_str(), log[0].outcome.as_str()),
        ("request-1", "ok")
    );

    let bad_audit = NewChunk {
        audit: Some(audit_entry(&ids[0], "maybe")),
        ..chunk("c2", &["loss"])
    };
    let refused = t
        .graph
        .record_chunk(&ids[0], bad_audit, vec![summary("loss", 2.0, 1)])
        .await
        .expect_err("an audit record with an unknown outcome is refused");
    assert_eq!(invalid_field(refused), "outcome");
    assert_eq!(
        listed_chunks(&t, &ids[0]).await,
        vec![("c1".into(), 1)],
        "the refused chunk was not recorded"
    );
}

async fn sequences_increase_with_each_recorded_chunk(t: TestGraph) {
    let ids = experiments(&t, 2).await;
    for (step, chunk_id) in ["a", "b", "c"].into_iter().enumerate() {
        let summaries = vec![summary("loss", step as f64, step as i64)];
        t.graph
            .record_chunk(&ids[0], chunk(chunk_id, &["loss"]), summaries)
            .await
            .expect("recorded");
    }
    let other = t
        .graph
        .record_chunk(&ids[1], chunk("a", &["loss"]), vec![summary("loss", 1.0, 0)])
        .await
        .expect("recorded");
    assert_eq!(other.record.sequence, 1, "sequences are per experiment");
    let expected = vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)];
    assert_eq!(listed_chunks(&t, &ids[0]).await, expected);
    assert_same(
        &t.graph.measured(&ids[0]).await.expect("measured"),
        &[summary("loss", 2.0, 2)],
    );
}

async fn chunks_recorded_at_the_same_time_land_once_each_and_a_refusal_stays_their_own(t: TestGraph) {
    let ids = experiments(&t, 6).await;
    // Every experiment's chunk `a`, three chunks of the first, a retry of the second's `a`
    // and a chunk the third refuses, all waiting for the write lock at once: they are
    // committed in groups (one per experiment per group).
    let mut asked = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        asked.push((
            id.clone(),
            chunk("a", &["loss"]),
            summary("loss", index as f64, 0),
        ));
    }
    asked.push((ids[0].clone(), chunk("b", &["loss"]), summary("loss", 10.0, 1)));
    asked.push((ids[0].clone(), chunk("c", &["loss"]), summary("loss", 20.0, 2)));
    asked.push((ids[1].clone(), chunk("a", &["loss"]), summary("loss", 99.0, 0)));
    let audited = NewChunk {
        audit: Some(audit_entry(&ids[2], "maybe")),
        ..chunk("refused", &["loss"])
    };
    asked.push((ids[2].clone(), audited, summary("loss", 99.0, 5)));
    let outcomes = futures::future::join_all(asked.into_iter().map(|(id, chunk, summary)| {
        let graph = t.graph.clone();
        async move { graph.record_chunk(&id, chunk, vec![summary]).await }
    }))
    .await;

    let sequences: Vec<Option<(i64, bool)>> = outcomes
        .iter()
        .map(|outcome| outcome.as_ref().ok().map(|o| (o.record.sequence, o.duplicate)))
        .collect();
    let mut expected = vec![Some((1, false)); 6];
    expected.extend([Some((2, false)), Some((3, false)), Some((1, true)), None]);
    assert_eq!(sequences, expected, "{outcomes:?}");
    let refusal = outcomes
        .last()
        .expect("ten outcomes")
        .clone()
        .expect_err("refused");
    assert_eq!(invalid_field(refusal), "outcome");

    let expected = vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)];
    assert_eq!(listed_chunks(&t, &ids[0]).await, expected);
    assert_same(
        &t.graph.measured(&ids[0]).await.expect("measured"),
        &[summary("loss", 20.0, 2)],
    );
    for (index, id) in ids.iter().enumerate().skip(1) {
        let chunks = t.graph.chunks(id).await.expect("chunks");
        assert_eq!(chunks.len(), 1, "experiment {index}: {chunks:?}");
        assert_same(
            &t.graph.measured(id).await.expect("measured"),
            &[summary("loss", index as f64, 0)],
        );
    }
    // The runs table's view (this process' snapshot, patched write by write) agrees; it
    // keeps no recent values.
    let in_project = t
        .graph
        .measured_in_project("p")
        .await
        .expect("the runs table's summaries");
    let table = |value: f64, step: i64| MeasuredSummary {
        recent: Vec::new(),
        ..summary("loss", value, step)
    };
    assert_eq!(in_project.len(), 6, "{in_project:?}");
    assert_same(&in_project[&1], &[table(20.0, 2)]);
    for number in 2..=6 {
        assert_same(&in_project[&number], &[table((number - 1) as f64, 0)]);
    }
}

async fn nan_and_infinite_summaries_read_back_exactly(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    let awkward = MeasuredSummary {
        metric: "grad_norm".into(),
        last: f64::NAN,
        last_step: i64::MAX,
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
        mean: 0.1 + 0.2,
        count: 4,
        finite_count: 1,
        recent: vec![f64::NAN, f64::INFINITY, 0.1 + 0.2, f64::NEG_INFINITY],
    };
    let tiny = MeasuredSummary {
        metric: "lr".into(),
        last: 5e-324,
        last_step: 0,
        min: -0.0,
        max: f64::MAX,
        mean: std::f64::consts::PI,
        count: 2,
        finite_count: 2,
        recent: vec![5e-324, -0.0],
    };
    t.graph
        .record_chunk(
            &ids[0],
            chunk("c1", &["grad_norm", "lr"]),
            vec![awkward.clone(), tiny.clone()],
        )
        .await
        .expect("recorded");
    assert_same(
        &t.graph.measured(&ids[0]).await.expect("measured"),
        &[awkward, tiny],
    );
}

async fn the_metric_count_limit_refuses_and_stores_nothing(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    let names: Vec<String> = (0..MAX_METRICS_PER_EXPERIMENT - 1)
        .map(|i| format!("m{i}"))
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    t.graph
        .record_chunk(
            &ids[0],
            chunk("many", &name_refs[..10]),
            vec![summary("m0", 1.0, 0)],
        )
        .await
        .expect("recorded");
    let too_many: Vec<&str> = name_refs.iter().copied().chain(["x", "y"]).collect();
    let error = t
        .graph
        .record_chunk(&ids[0], chunk("too-many", &too_many), vec![summary("x", 1.0, 0)])
        .await
        .expect_err("over the limit");
    let Error::Invalid { field, reason } = error else {
        panic!("expected invalid");
    };
    assert_eq!(field, "points");
    assert!(
        reason.contains(&MAX_METRICS_PER_EXPERIMENT.to_string()),
        "{reason}"
    );
    let chunks = t.graph.chunks(&ids[0]).await.expect("chunks");
    assert_eq!(chunks.len(), 1);
    let measured = t.graph.measured(&ids[0]).await.expect("measured");
    assert_eq!(
        measured.iter().map(|s| s.metric.as_str()).collect::<Vec<_>>(),
        vec!["m0"]
    );
    assert_eq!(t.graph.project_metrics("p").await.expect("metrics").len(), 1);

    let up_to_limit: Vec<&str> = name_refs.iter().copied().chain(["x"]).collect();
    let recorded = t
        .graph
        .record_chunk(
            &ids[0],
            chunk("at-limit", &up_to_limit),
            vec![summary("x", 1.0, 0)],
        )
        .await
        .expect("exactly the limit is allowed");
    assert_eq!(recorded.record.sequence, 2);
}

async fn measured_in_project_reads_the_project_once_until_a_value_changes(t: TestGraph) {
    let ids = experiments(&t, 3).await;
    for (index, id) in ids.iter().enumerate() {
        let value = index as f64;
        t.graph
            .record_chunk(
                id,
                chunk("c1", &["loss", "acc"]),
                vec![summary("loss", value, 10), summary("acc", value / 10.0, 10)],
            )
            .await
            .expect("recorded");
    }
    project(&t.graph, "other").await;
    let outsider = t
        .graph
        .create_experiment(experiment("other", "1", None))
        .await
        .expect("created");
    t.graph
        .record_chunk(
            &outsider.id,
            chunk("c1", &["loss"]),
            vec![summary("loss", 7.0, 1)],
        )
        .await
        .expect("recorded");

    t.recorder.ran.lock().expect("lock").clear();
    let table = t.graph.measured_in_project("p").await.expect("table");
    let ran = t.recorder.ran.lock().expect("lock").clone();
    assert_eq!(
        ran,
        [
            queries::PROJECT_BY_NAME.name,
            queries::EVIDENCE_VALUES_VERSION.name,
            queries::METRIC_MEASURED_IN_PROJECT.name
        ]
        .into(),
    );
    // Unchanged since: the kept answer comes after one read of the values version.
    t.recorder.ran.lock().expect("lock").clear();
    let again = t.graph.measured_in_project("p").await.expect("table");
    let ran = t.recorder.ran.lock().expect("lock").clone();
    assert_eq!(
        ran,
        [
            queries::PROJECT_BY_NAME.name,
            queries::EVIDENCE_VALUES_VERSION.name
        ]
        .into()
    );
    assert_eq!(again, table);
    let rows = |table: &graph::ProjectSummaries| -> Vec<(i64, String, f64)> {
        table
            .iter()
            .flat_map(|(number, summaries)| summaries.iter().map(|s| (*number, s.metric.clone(), s.last)))
            .collect()
    };
    let named = |rows: Vec<(i64, &str, f64)>| -> Vec<(i64, String, f64)> {
        rows.into_iter().map(|(n, m, v)| (n, m.to_owned(), v)).collect()
    };
    assert_eq!(
        rows(&table),
        named(vec![
            (1, "acc", 0.0),
            (1, "loss", 0.0),
            (2, "acc", 0.1),
            (2, "loss", 1.0),
            (3, "acc", 0.2),
            (3, "loss", 2.0),
        ])
    );

    // A new chunk moves the version: the next read sees it.
    t.graph
        .record_chunk(&ids[0], chunk("c2", &["loss"]), vec![summary("loss", 9.0, 11)])
        .await
        .expect("recorded");
    let changed = t.graph.measured_in_project("p").await.expect("table");
    assert_eq!(rows(&changed)[1], (1, "loss".to_owned(), 9.0));
}

async fn replacing_chunks_hides_the_old_ones_and_resets_summaries(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    for (step, chunk_id) in ["a", "b", "c"].into_iter().enumerate() {
        t.graph
            .record_chunk(
                &ids[0],
                chunk(chunk_id, &["loss"]),
                vec![summary("loss", 1.0, step as i64)],
            )
            .await
            .expect("recorded");
    }
    let old = vec!["a".to_owned(), "b".to_owned()];
    let compacted = NewChunk {
        points: 2,
        max_step: 1,
        overview: Some("sha256:ab-overview".into()),
        ..chunk("ab", &["loss", "acc"])
    };
    let merged = vec![summary("acc", 0.5, 1), summary("loss", 0.75, 2)];
    let record = t
        .graph
        .replace_chunks(&ids[0], &old, compacted.clone(), merged.clone())
        .await
        .expect("compacted");
    assert_eq!(
        record.sequence, 2,
        "takes the place of the last chunk it replaces"
    );
    let listed: Vec<_> = t
        .graph
        .chunks(&ids[0])
        .await
        .expect("chunks")
        .into_iter()
        .map(|c| (c.chunk_id, c.sequence))
        .collect();
    assert_eq!(listed, vec![("ab".to_owned(), 2), ("c".to_owned(), 3)]);
    assert_eq!(record.overview.as_deref(), Some("sha256:ab-overview"));
    assert_same(&t.graph.measured(&ids[0]).await.expect("measured"), &merged);

    let retried = t
        .graph
        .replace_chunks(&ids[0], &old, compacted.clone(), merged.clone())
        .await
        .expect("a finished compaction answers again");
    assert_eq!(retried, record);
    let gone = t
        .graph
        .replace_chunks(
            &ids[0],
            &["a".to_owned()],
            chunk("again", &["loss"]),
            merged.clone(),
        )
        .await
        .expect_err("a compacted chunk cannot be replaced twice");
    assert_eq!(invalid_field(gone), "old_chunk_ids[0]");
    let unknown = t
        .graph
        .replace_chunks(
            &ids[0],
            &["c".to_owned(), "nowhere".to_owned()],
            chunk("again", &["loss"]),
            merged,
        )
        .await
        .expect_err("every replaced chunk must be live");
    assert_eq!(invalid_field(unknown), "old_chunk_ids[1]");
    let next = t
        .graph
        .record_chunk(&ids[0], chunk("d", &["loss"]), vec![summary("loss", 1.0, 5)])
        .await
        .expect("recorded");
    assert_eq!(next.record.sequence, 4, "sequences are never reused");
    assert_eq!(
        next.live_chunks, 3,
        "ab, c (untouched by the refused compaction) and d"
    );
}

async fn a_graph_from_before_the_chunk_counters_gets_them_from_its_live_chunks(t: TestGraph) {
    let ids = experiments(&t, 2).await;
    for chunk_id in ["a", "b", "c"] {
        t.graph
            .record_chunk(&ids[0], chunk(chunk_id, &["loss"]), vec![summary("loss", 1.0, 0)])
            .await
            .expect("recorded");
    }
    t.graph
        .replace_chunks(
            &ids[0],
            &["a".to_owned(), "b".to_owned()],
            chunk("ab", &["loss"]),
            vec![summary("loss", 1.0, 0)],
        )
        .await
        .expect("compacted");
    // Schema 12 had no counters on the experiment.
    let executor = t.graph.executor();
    static REMOVE_COUNTERS: queries::Query = queries::Query {
        name: "test/remove_chunk_counters",
        text: "MATCH (e:Experiment) REMOVE e.live_chunks, e.chunk_sequence",
        writes: true,
    };
    executor
        .execute(&REMOVE_COUNTERS, graph::value::Params::new())
        .await
        .expect("counters removed");
    executor
        .execute(
            &queries::SET_SCHEMA_VERSION,
            graph::value::Params::new().with("version", 12),
        )
        .await
        .expect("version written");
    graph::schema::migrate(executor.as_ref())
        .await
        .expect("migrated again");

    let next = t
        .graph
        .record_chunk(&ids[0], chunk("d", &["loss"]), vec![summary("loss", 1.0, 1)])
        .await
        .expect("recorded");
    assert_eq!(
        (next.record.sequence, next.live_chunks),
        (4, 3),
        "after the largest sequence of the live chunks; ab, c and d live"
    );
    let first = t
        .graph
        .record_chunk(&ids[1], chunk("a", &["loss"]), vec![summary("loss", 1.0, 0)])
        .await
        .expect("recorded");
    assert_eq!(
        (first.record.sequence, first.live_chunks),
        (1, 1),
        "no chunks before"
    );
}

async fn measured_metrics_are_listed_unconfigured_until_configured(t: TestGraph) {
    let ids = experiments(&t, 1).await;
    t.graph
        .record_chunk(&ids[0], chunk("c1", &["loss"]), vec![summary("loss", 1.0, 0)])
        .await
        .expect("recorded");
    let listed = t.graph.project_metrics("p").await.expect("metrics");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].direction), ("loss", None));
    assert!(t.graph.metric_configs("p").await.expect("configs").is_empty());

    let loss = scalar("loss", Direction::Minimize);
    t.graph.set_metric_config("p", loss.clone()).await.expect("set");
    let listed = t.graph.project_metrics("p").await.expect("metrics");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].config(), Some(loss));

    t.graph.remove_metric_config("p", "loss").await.expect("removed");
    let listed = t.graph.project_metrics("p").await.expect("metrics");
    assert_eq!((listed.len(), listed[0].direction), (1, None), "still measured");
    assert_same(
        &t.graph.measured(&ids[0]).await.expect("measured"),
        &[summary("loss", 1.0, 0)],
    );
}

/// The runs table's read at scale on graphdblite (the target is 10,000 experiments × 20
/// metrics): `RSDK_SCALE_EXPERIMENTS=10000 cargo test --release --test metrics -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "seconds to minutes: run by hand to time the runs table"]
async fn measured_in_project_at_scale() {
    let count: usize = std::env::var("RSDK_SCALE_EXPERIMENTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000);
    let t = support::test_graph().await;
    let metric_names: Vec<String> = (0..20).map(|i| format!("metric/{i}")).collect();
    let names: Vec<&str> = metric_names.iter().map(String::as_str).collect();
    let ids = experiments(&t, count).await;
    let started = std::time::Instant::now();
    for id in &ids {
        let summaries = names.iter().map(|name| summary(name, 0.5, 100)).collect();
        t.graph
            .record_chunk(id, chunk("c1", &names), summaries)
            .await
            .expect("recorded");
    }
    eprintln!("recorded {count} chunks of 20 metrics in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let table = t.graph.measured_in_project("p").await.expect("table");
    let summaries: usize = table.values().map(|measured| measured.len()).sum();
    eprintln!("read {summaries} summaries in {:?}", started.elapsed());
    assert_eq!(summaries, count * 20);
}
