//! Evidence on the graph, the same on every engine: hand-made projects whose stored units,
//! scores and statuses equal hand-computed expectations (maximize and minimize; parent, root,
//! best and named baselines; missing metrics; failed and running runs; seed siblings, reruns,
//! captured environment and recent values recorded with the summaries), the override, thresholds from the project
//! settings, replacement of old units with a growing history, idempotence, and which
//! hypotheses an experiment's change affects.

mod support;

support::on_every_engine!(
    parent_baseline_units_are_hand_computed_for_a_maximized_metric,
    thresholds_come_from_the_project_settings_and_are_validated,
    root_baseline_with_a_minimized_and_an_unconfigured_metric,
    best_baseline_is_the_best_other_complete_run_per_metric,
    a_named_baseline_is_compared_against_and_never_against_itself,
    seed_siblings_reruns_environment_and_recent_values_set_the_confidence,
    the_override_wins_and_the_computed_status_stays_visible,
    a_recomputation_replaces_the_units_and_appends_to_the_history,
    a_recomputation_rewrites_only_the_units_that_changed,
    links_made_before_the_linked_numbers_were_cached_are_backfilled,
    a_verified_restore_counts_fully_a_failed_one_not_at_all,
    the_same_inputs_store_the_same_result,
    an_experiment_change_affects_linked_children_relatives_and_baseline_users,
);

use graph::evidence::MAD_TO_SIGMA;
use graph::ids::{HypothesisId, UserId};
use graph::model::{
    Direction, ExperimentUpdate, HypothesisBaseline, HypothesisStatus, MeasuredSummary, Status,
    StoredEvidence,
};
use graph::Graph;
use support::evidence::{configure_direction, hypothesis, measure, run};
use support::files::{change, content};
use support::{project, TestGraph};

/// The confidence of a complete run with neutral stability, seeds and reruns, no code, no
/// environment and no restore: `0.3 + 0.3 + 0.2 + 0.2 × (0.2 × 0.5)`.
const PLAIN_CONFIDENCE: f64 = 0.82;

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: {actual} is not {expected}"
    );
}

/// Project `maxi`, metric `acc` (maximize). Complete: #1 0.5 (root), #2 0.6 (from 1), #3 0.7
/// (from 1), #4 0.8 (from 2), #6 no value (from 1); running: #5 0.95 (from 1), #8 0.9 (from
/// 6); failed: #7 0.65 (from 1). Its complete distribution is 0.5, 0.6, 0.7, 0.8: median
/// 0.65, absolute deviations 0.15, 0.05, 0.05, 0.15, MAD 0.1, spread 0.14826.
async fn maxi(graph: &Graph) -> f64 {
    project(graph, "maxi").await;
    configure_direction(graph, "maxi", "acc", Direction::Maximize).await;
    let runs = [
        ("1", Status::Complete, Some(0.5)),
        ("2_from_1", Status::Complete, Some(0.6)),
        ("3_from_1", Status::Complete, Some(0.7)),
        ("4_from_2", Status::Complete, Some(0.8)),
        ("5_from_1", Status::Running, Some(0.95)),
        ("6_from_1", Status::Complete, None),
        ("7_from_1", Status::Failed, Some(0.65)),
        ("8_from_6", Status::Running, Some(0.9)),
    ];
    for (position, (name, status, value)) in runs.into_iter().enumerate() {
        let features = format!("lr: 0.{position}\n");
        let experiment = run(graph, "maxi", name, &features, status).await;
        if let Some(value) = value {
            measure(graph, &experiment, "acc", value).await;
        }
    }
    MAD_TO_SIGMA * 0.1
}

fn unit_experiments(evidence: &StoredEvidence) -> Vec<i64> {
    evidence.units.iter().map(|unit| unit.experiment).collect()
}

async fn recompute(graph: &Graph, id: &HypothesisId) -> StoredEvidence {
    graph.recompute_evidence(id).await.expect("recomputed")
}

async fn parent_baseline_units_are_hand_computed_for_a_maximized_metric(t: TestGraph) {
    let graph = &t.graph;
    let spread = maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Parent,
        &[2, 4, 5, 6, 7, 8],
    )
    .await;
    let evidence = recompute(graph, &id).await;

    // #6 has no value and #8's parent (#6) has none: no unit for either.
    assert_eq!(unit_experiments(&evidence), vec![2, 4, 5, 7]);
    let expected = [
        // (experiment, baseline experiment, baseline, value, confidence)
        (2, 1, 0.5, 0.6, PLAIN_CONFIDENCE),
        (4, 2, 0.6, 0.8, PLAIN_CONFIDENCE),
        (5, 1, 0.5, 0.95, 0.5 * PLAIN_CONFIDENCE),
        (7, 1, 0.5, 0.65, 0.1 * PLAIN_CONFIDENCE),
    ];
    let mut expected_score = 0.0;
    for (unit, (experiment, baseline_experiment, baseline, value, confidence)) in
        evidence.units.iter().zip(expected)
    {
        let what = format!("unit of #{experiment}");
        assert_eq!(unit.experiment, experiment);
        assert_eq!(unit.metric, "acc");
        assert_eq!(unit.baseline_experiment, Some(baseline_experiment), "{what}");
        assert_eq!(unit.direction, Direction::Maximize);
        close(unit.baseline_value, baseline, &what);
        close(unit.experiment_value, value, &what);
        close(unit.delta, value - baseline, &what);
        close(unit.normalized_delta, (value - baseline) / spread, &what);
        close(unit.weight, 1.0, &what);
        close(unit.confidence, confidence, &what);
        close(unit.contribution, confidence * (value - baseline) / spread, &what);
        expected_score += confidence * (value - baseline) / spread;
    }
    // 0.4428 / 0.14826 = 2.987: below the default 3; #5 and #8 still run.
    close(evidence.score, 0.4428 / spread, "score");
    close(evidence.score, expected_score, "score as a sum");
    assert_eq!(evidence.computed_status, HypothesisStatus::Testing);
    assert_eq!(evidence.effective_status, HypothesisStatus::Testing);
    assert_eq!(evidence.contributions.len(), 4);
    close(
        evidence.contributions[2].confidence,
        0.5 * PLAIN_CONFIDENCE,
        "#5 confidence",
    );
    assert_eq!(evidence.inputs.linked, 6);
    assert_eq!(evidence.inputs.with_units, 4);
    assert_eq!(evidence.inputs.thresholds, (3.0, 3.0));
    assert_eq!(evidence.inputs.baseline, "parent");
    assert!(
        evidence.explanation.starts_with("Testing"),
        "{}",
        evidence.explanation
    );

    // The read model answers what was stored, and the hypothesis carries the result.
    let stored = graph
        .hypothesis_evidence(&id)
        .await
        .expect("read")
        .expect("computed");
    assert_eq!(stored, evidence);
    let (_, read) = graph.hypothesis_by_id(&id).await.expect("hypothesis");
    assert_eq!(read.computed_status, HypothesisStatus::Testing);
    assert_eq!(read.evidence_score, Some(evidence.score));
    assert_eq!(read.computed_at, Some(evidence.computed_at));
}

async fn thresholds_come_from_the_project_settings_and_are_validated(t: TestGraph) {
    let graph = &t.graph;
    let spread = maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Parent,
        &[2, 4, 5, 7],
    )
    .await;
    assert_eq!(
        recompute(graph, &id).await.computed_status,
        HypothesisStatus::Testing
    );

    let updated = graph
        .set_evidence_thresholds("maxi", Some(2.5), None)
        .await
        .expect("thresholds set");
    assert_eq!(updated.settings.evidence_support_threshold, 2.5);
    assert_eq!(updated.settings.evidence_refute_threshold, 3.0);
    let evidence = recompute(graph, &id).await;
    close(evidence.score, 0.4428 / spread, "score");
    assert_eq!(evidence.computed_status, HypothesisStatus::Supported);
    assert_eq!(evidence.inputs.thresholds, (2.5, 3.0));

    for (support, refute, field) in [
        (Some(0.0), None, "settings.evidenceSupportThreshold"),
        (None, Some(f64::INFINITY), "settings.evidenceRefuteThreshold"),
        (Some(-1.0), None, "settings.evidenceSupportThreshold"),
    ] {
        let error = graph
            .set_evidence_thresholds("maxi", support, refute)
            .await
            .expect_err("refused");
        assert!(error.to_string().starts_with(field), "{error}");
    }
    let project = graph.project("maxi").await.expect("project");
    assert_eq!(
        project.settings.evidence_support_threshold, 2.5,
        "a refusal stores nothing"
    );
    assert_eq!(graph.project_hypotheses("maxi").await.expect("ids"), vec![id]);
}

async fn root_baseline_with_a_minimized_and_an_unconfigured_metric(t: TestGraph) {
    let graph = &t.graph;
    project(graph, "mini").await;
    configure_direction(graph, "mini", "loss", Direction::Minimize).await;
    // `err` is only measured: unconfigured, so minimized like the metrics table does.
    let runs = [("1", 1.0, 0.30), ("2_from_1", 0.8, 0.20), ("3_from_2", 0.5, 0.25)];
    for (position, (name, loss, err)) in runs.into_iter().enumerate() {
        let experiment = run(
            graph,
            "mini",
            name,
            &format!("depth: {position}\n"),
            Status::Complete,
        )
        .await;
        measure(graph, &experiment, "loss", loss).await;
        measure(graph, &experiment, "err", err).await;
    }
    let id = hypothesis(
        graph,
        "mini",
        &[("loss", 1.0), ("err", 3.0)],
        HypothesisBaseline::Root,
        &[1, 3],
    )
    .await;
    let evidence = recompute(graph, &id).await;

    // loss: 1.0, 0.8, 0.5 → median 0.8, deviations 0.2, 0, 0.3 → MAD 0.2.
    // err: 0.30, 0.20, 0.25 → median 0.25, deviations 0.05, 0.05, 0 → MAD 0.05.
    let loss_spread = MAD_TO_SIGMA * 0.2;
    let err_spread = MAD_TO_SIGMA * 0.05;
    // #1 is its own root: no unit. #3 against #1, targets by name (err, loss).
    assert_eq!(unit_experiments(&evidence), vec![3, 3]);
    let (err, loss) = (&evidence.units[0], &evidence.units[1]);
    assert_eq!((err.metric.as_str(), loss.metric.as_str()), ("err", "loss"));
    assert_eq!(err.direction, Direction::Minimize);
    assert_eq!(loss.baseline_experiment, Some(1));
    close(loss.delta, 1.0 - 0.5, "loss delta");
    close(err.delta, 0.30 - 0.25, "err delta");
    close(loss.normalized_delta, 0.5 / loss_spread, "loss normalized");
    close(err.normalized_delta, 0.05 / err_spread, "err normalized");
    close(loss.weight, 0.25, "loss weight");
    close(err.weight, 0.75, "err weight");
    let experiment_score = 0.25 * 0.5 / loss_spread + 0.75 * 0.05 / err_spread;
    close(evidence.contributions[0].score, experiment_score, "E_experiment");
    close(evidence.score, PLAIN_CONFIDENCE * experiment_score, "score");
    assert_eq!(evidence.computed_status, HypothesisStatus::Inconclusive);
    assert_eq!(evidence.inputs.baseline, "root");
}

async fn best_baseline_is_the_best_other_complete_run_per_metric(t: TestGraph) {
    let graph = &t.graph;
    let spread = maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Best,
        &[3, 4, 5],
    )
    .await;
    let evidence = recompute(graph, &id).await;
    // #3 against #4 (0.8); #4 against #3 (0.7); #5 (running, 0.95: not a candidate) against #4.
    let baselines: Vec<_> = evidence
        .units
        .iter()
        .map(|unit| (unit.experiment, unit.baseline_experiment))
        .collect();
    assert_eq!(baselines, vec![(3, Some(4)), (4, Some(3)), (5, Some(4))]);
    close(evidence.units[0].delta, 0.7 - 0.8, "#3");
    close(evidence.units[1].delta, 0.8 - 0.7, "#4");
    close(evidence.units[2].delta, 0.95 - 0.8, "#5");
    close(
        evidence.score,
        (0.5 * PLAIN_CONFIDENCE * 0.15) / spread,
        "the two complete runs cancel",
    );
    assert_eq!(evidence.computed_status, HypothesisStatus::Testing);
    assert_eq!(evidence.inputs.baseline, "best");
}

async fn a_named_baseline_is_compared_against_and_never_against_itself(t: TestGraph) {
    let graph = &t.graph;
    let spread = maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Experiment(1),
        &[1, 4],
    )
    .await;
    let evidence = recompute(graph, &id).await;
    assert_eq!(unit_experiments(&evidence), vec![4]);
    assert_eq!(evidence.units[0].baseline_experiment, Some(1));
    close(evidence.units[0].normalized_delta, 0.3 / spread, "#4 against #1");
    close(evidence.score, PLAIN_CONFIDENCE * 0.3 / spread, "score");
    assert_eq!(evidence.computed_status, HypothesisStatus::Inconclusive);
    assert_eq!(evidence.inputs.baseline, "experiment #1");
}

async fn seed_siblings_reruns_environment_and_recent_values_set_the_confidence(t: TestGraph) {
    let graph = &t.graph;
    project(graph, "seeds").await;
    configure_direction(graph, "seeds", "acc", Direction::Maximize).await;
    let root = run(graph, "seeds", "1", "lr: 0.1\nseed: 1\n", Status::Complete).await;
    let linked = run(graph, "seeds", "2_from_1", "lr: 0.2\nseed: 1\n", Status::Complete).await;
    // #3 differs from #2 only in its seed (a seed sibling); #4 in its learning rate.
    let seed_sibling = run(graph, "seeds", "3_from_1", "lr: 0.2\nseed: 2\n", Status::Complete).await;
    let other = run(graph, "seeds", "4_from_1", "lr: 0.3\nseed: 1\n", Status::Complete).await;
    let rerun = graph
        .create_experiment(graph::model::NewExperiment {
            project: "seeds".into(),
            name: "rerun of 2".into(),
            features: Some("lr: 0.2\nseed: 1\n".into()),
            status: Some(Status::Running),
            rerun_of: Some(2),
            ..graph::model::NewExperiment::default()
        })
        .await
        .expect("rerun");
    for (experiment, value) in [
        (&root, 0.5),
        (&linked, 0.9),
        (&seed_sibling, 0.4),
        (&other, 0.3),
        (&rerun, 0.85),
    ] {
        measure(graph, experiment, "acc", value).await;
    }
    // Code and environment captured for #2.
    graph
        .record_environment("seeds", 2, support::environment::report())
        .await
        .expect("environment");
    graph
        .record_file_content(content("aa", 1))
        .await
        .expect("content");
    let snapshot = graph::model::NewCodeSnapshot {
        format: graph::model::CodeFormat::Tarball,
        git: graph::model::GitReference::default(),
        patch: None,
        manifest: "aa".into(),
        counts: graph::model::CodeCounts::default(),
        contents: vec![change(".rsdk/manifest.json", "aa")],
    };
    graph
        .record_code_snapshot(&linked, snapshot)
        .await
        .expect("snapshot");

    let id = hypothesis(graph, "seeds", &[("acc", 1.0)], HypothesisBaseline::Parent, &[2]).await;
    // One recorded point is too few to judge stability: neutral.
    let neutral = recompute(graph, &id).await;
    close(
        neutral.units[0].confidence,
        0.3 + 0.3 * 0.5 + 0.2 + 0.2 * 0.9,
        "neutral stability",
    );

    // #2's series ends 0.3, 0.6, 0.9 (its recent values; the last is still 0.9).
    let moving = MeasuredSummary {
        recent: vec![0.3, 0.6, 0.9],
        count: 3,
        ..support::metrics::summary("acc", 0.9, 2)
    };
    graph
        .record_chunk(
            &linked.id,
            support::metrics::chunk("moving", &["acc"]),
            vec![moving],
        )
        .await
        .expect("recorded");
    let evidence = recompute(graph, &id).await;

    // Complete: 0.5, 0.9, 0.4, 0.3 → median 0.45, deviations 0.05, 0.45, 0.05, 0.15 → MAD 0.1.
    let spread = MAD_TO_SIGMA * 0.1;
    // Stability of 0.3, 0.6, 0.9: cv = 0.5 → 1 / (1 + 10 × 0.5) = 1/6. Seeds: #3 worsens (0.4
    // < 0.5) while #2 improves → (1 + 0) / (1 + 1) = 0.5. Rerun: 0.85 improves → 1.
    // Environment: code 0.4 + environment 0.4 + restore not attempted 0.2 × 0.5 = 0.9.
    let confidence = 0.3 / 6.0 + 0.3 * 0.5 + 0.2 * 1.0 + 0.2 * 0.9;
    assert_eq!(unit_experiments(&evidence), vec![2]);
    close(evidence.units[0].confidence, confidence, "confidence");
    close(evidence.units[0].normalized_delta, 0.4 / spread, "normalized");
    close(evidence.score, confidence * 0.4 / spread, "score");
}

async fn the_override_wins_and_the_computed_status_stays_visible(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(graph, "maxi", &[("acc", 1.0)], HypothesisBaseline::Parent, &[2]).await;
    graph
        .override_hypothesis_status(
            &id,
            HypothesisStatus::Refuted,
            "leak in the validation split",
            &UserId("author-1".into()),
        )
        .await
        .expect("overridden");
    let evidence = recompute(graph, &id).await;
    assert_eq!(evidence.computed_status, HypothesisStatus::Inconclusive);
    assert_eq!(evidence.effective_status, HypothesisStatus::Refuted);
    assert!(
        evidence.explanation.contains("override"),
        "{}",
        evidence.explanation
    );
    let history = graph.evidence_history(&id).await.expect("history");
    assert_eq!(
        history[0].status,
        HypothesisStatus::Inconclusive,
        "the history keeps the computed status"
    );

    graph.clear_hypothesis_override(&id).await.expect("cleared");
    let stored = graph
        .hypothesis_evidence(&id)
        .await
        .expect("read")
        .expect("computed");
    assert_eq!(stored.effective_status, HypothesisStatus::Inconclusive);
}

async fn a_recomputation_replaces_the_units_and_appends_to_the_history(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(graph, "maxi", &[("acc", 1.0)], HypothesisBaseline::Parent, &[2]).await;
    assert_eq!(graph.hypothesis_evidence(&id).await.expect("read"), None);
    assert!(graph.evidence_history(&id).await.expect("history").is_empty());
    let first = recompute(graph, &id).await;
    assert_eq!(unit_experiments(&first), vec![2]);
    let two = graph.experiment("maxi", 2).await.expect("#2");
    let four = graph.experiment("maxi", 4).await.expect("#4");
    let overlay = graph.experiment_evidence(&two.id).await.expect("overlay");
    assert_eq!(overlay, vec![(id.clone(), first.contributions[0])]);

    graph.unlink_experiments(&id, &[2]).await.expect("unlinked");
    graph.link_experiments(&id, &[4]).await.expect("linked");
    let second = recompute(graph, &id).await;
    assert_eq!(unit_experiments(&second), vec![4]);
    let stored = graph
        .hypothesis_evidence(&id)
        .await
        .expect("read")
        .expect("computed");
    assert_eq!(unit_experiments(&stored), vec![4], "the old unit is gone");
    assert!(graph
        .experiment_evidence(&two.id)
        .await
        .expect("overlay")
        .is_empty());
    assert_eq!(
        graph.experiment_evidence(&four.id).await.expect("overlay"),
        vec![(id.clone(), second.contributions[0])]
    );

    let history = graph.evidence_history(&id).await.expect("history");
    let scores: Vec<f64> = history.iter().map(|point| point.score).collect();
    assert_eq!(scores, vec![first.score, second.score]);
    assert_eq!(history[1].at, second.computed_at);
    assert!(history[0].at <= history[1].at);
}

async fn a_recomputation_rewrites_only_the_units_that_changed(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Parent,
        &[2, 3, 4],
    )
    .await;
    let first = recompute(graph, &id).await;
    // #4 gets a new value, and two more complete runs at 0.6 move the project spread: the
    // complete values are 0.5, 0.6, 0.6, 0.6, 0.7, 1.5, median 0.6, MAD 0.05.
    let four = graph.experiment("maxi", 4).await.expect("#4");
    measure(graph, &four, "acc", 1.5).await;
    for name in ["9", "10"] {
        let experiment = run(graph, "maxi", name, "lr: 1.0\n", Status::Complete).await;
        measure(graph, &experiment, "acc", 0.6).await;
    }
    let second = recompute(graph, &id).await;
    let spread = MAD_TO_SIGMA * 0.05;
    assert_eq!(unit_experiments(&second), vec![2, 3, 4]);
    for (before, after) in first.units.iter().zip(&second.units).take(2) {
        assert_eq!(
            after.computed_at, before.computed_at,
            "#{} is unchanged and keeps its edge",
            after.experiment
        );
        assert_eq!(after.delta, before.delta);
        close(
            after.normalized_delta,
            after.delta / spread,
            "an unchanged unit is normalised by the new spread",
        );
    }
    assert!(
        second.units[2].computed_at > first.units[2].computed_at,
        "#4's unit is rewritten"
    );
    close(second.units[2].experiment_value, 1.5, "#4's new value");
    let stored = graph
        .hypothesis_evidence(&id)
        .await
        .expect("read")
        .expect("computed");
    assert_eq!(
        stored, second,
        "reads derive the same normalised deltas and contributions"
    );
    let (stored_spread, _) = stored.inputs.scales["acc"]
        .distribution_spread()
        .expect("the project has a spread");
    close(stored_spread, spread, "the stored scale");
}

async fn a_verified_restore_counts_fully_a_failed_one_not_at_all(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(graph, "maxi", &[("acc", 1.0)], HypothesisBaseline::Parent, &[2]).await;
    let never = recompute(graph, &id).await.units[0].confidence;
    close(never, PLAIN_CONFIDENCE, "never restored: the restore counts 0.5");

    let two = graph.experiment("maxi", 2).await.expect("#2");
    assert_eq!(graph.restore_check(&two.id).await.expect("read"), None);
    let recorded = graph
        .record_restore_check("maxi", 2, true, "verified 3 files against the manifest: 3 match")
        .await
        .expect("recorded");
    assert!(recorded.verified);
    assert_eq!(graph.restore_check(&two.id).await.expect("read"), Some(recorded));
    // The restore is 0.2 of the environment factor, which is 0.2 of the quality mean.
    let verified = recompute(graph, &id).await.units[0].confidence;
    close(verified, PLAIN_CONFIDENCE + 0.2 * 0.2 * 0.5, "verified");

    graph
        .record_restore_check("maxi", 2, false, "verified 3 files: 2 match, 1 differ (train.py)")
        .await
        .expect("recorded");
    let failed = recompute(graph, &id).await.units[0].confidence;
    close(failed, PLAIN_CONFIDENCE - 0.2 * 0.2 * 0.5, "failed");

    let long = "x".repeat(2_001);
    let error = graph
        .record_restore_check("maxi", 2, true, &long)
        .await
        .expect_err("too long");
    assert!(error.to_string().contains("detail"), "{error}");
    assert!(
        !graph
            .restore_check(&two.id)
            .await
            .expect("read")
            .expect("kept")
            .verified,
        "nothing changed"
    );
}

/// Forgets the linked numbers cached on every hypothesis, as a graph written before schema 9.
static FORGET_LINKED_NUMBERS: graph::queries::Query = graph::queries::Query {
    name: "test/forget_linked_numbers",
    text: "MATCH (h:Hypothesis) SET h.linked_numbers = null",
    writes: true,
};

async fn links_made_before_the_linked_numbers_were_cached_are_backfilled(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 1.0)],
        HypothesisBaseline::Parent,
        &[2, 3],
    )
    .await;
    let executor = graph.executor();
    executor
        .execute(&FORGET_LINKED_NUMBERS, graph::value::Params::new())
        .await
        .expect("forgotten");
    assert!(unit_experiments(&recompute(graph, &id).await).is_empty());
    executor
        .execute(
            &graph::queries::HYPOTHESIS_BACKFILL_LINKED_NUMBERS,
            graph::value::Params::new(),
        )
        .await
        .expect("the migration's backfill");
    assert_eq!(unit_experiments(&recompute(graph, &id).await), vec![2, 3]);
}

/// `evidence` with every time set to one value, to compare two computations.
fn timeless(mut evidence: StoredEvidence) -> StoredEvidence {
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    evidence.computed_at = epoch;
    for unit in &mut evidence.units {
        unit.computed_at = epoch;
    }
    evidence
}

async fn the_same_inputs_store_the_same_result(t: TestGraph) {
    let graph = &t.graph;
    maxi(graph).await;
    let id = hypothesis(
        graph,
        "maxi",
        &[("acc", 2.0)],
        HypothesisBaseline::Best,
        &[2, 3, 4, 5, 7],
    )
    .await;
    let first = recompute(graph, &id).await;
    let second = recompute(graph, &id).await;
    assert_eq!(timeless(first.clone()), timeless(second.clone()));
    let stored = graph
        .hypothesis_evidence(&id)
        .await
        .expect("read")
        .expect("computed");
    assert_eq!(stored, second);
    assert_eq!(graph.evidence_history(&id).await.expect("history").len(), 2);
}

async fn an_experiment_change_affects_linked_children_relatives_and_baseline_users(t: TestGraph) {
    let graph = &t.graph;
    project(graph, "web").await;
    configure_direction(graph, "web", "acc", Direction::Maximize).await;
    let one = run(graph, "web", "1", "lr: 0.1\n", Status::Running).await;
    let two = run(graph, "web", "2_from_1", "lr: 0.2\n", Status::Running).await;
    run(graph, "web", "3_from_1", "lr: 0.3\n", Status::Complete).await;
    graph
        .create_experiment(graph::model::NewExperiment {
            project: "web".into(),
            name: "rerun of 2".into(),
            features: Some("lr: 0.2\n".into()),
            rerun_of: Some(2),
            ..graph::model::NewExperiment::default()
        })
        .await
        .expect("rerun #4");
    run(graph, "web", "5_from_2", "lr: 0.5\n", Status::Complete).await;
    let acc = [("acc", 1.0)];
    let parent = HypothesisBaseline::Parent;
    let linked_to_two = hypothesis(graph, "web", &acc, parent, &[2]).await;
    let linked_to_child = hypothesis(graph, "web", &acc, parent, &[5]).await;
    let linked_to_sibling = hypothesis(graph, "web", &acc, parent, &[3]).await;
    let linked_to_rerun = hypothesis(graph, "web", &acc, parent, &[4]).await;
    let names_two = hypothesis(graph, "web", &acc, HypothesisBaseline::Experiment(2), &[]).await;
    let best = hypothesis(graph, "web", &acc, HypothesisBaseline::Best, &[]).await;
    let root = hypothesis(graph, "web", &acc, HypothesisBaseline::Root, &[]).await;
    let linked_to_one = hypothesis(graph, "web", &acc, parent, &[1]).await;

    let sorted = |mut ids: Vec<HypothesisId>| {
        ids.sort();
        ids
    };
    let affected = graph.hypotheses_affected_by(&two.id).await.expect("affected");
    assert_eq!(
        affected,
        sorted(vec![
            linked_to_two.clone(),
            linked_to_child.clone(),
            linked_to_sibling.clone(),
            linked_to_rerun.clone(),
            names_two.clone(),
        ]),
        "#2 running and never finished: not in the distribution, no best or root user"
    );

    graph
        .update_experiment(
            "web",
            2,
            ExperimentUpdate {
                status: Some(Status::Complete),
                ..ExperimentUpdate::default()
            },
        )
        .await
        .expect("completed");
    let affected = graph.hypotheses_affected_by(&two.id).await.expect("affected");
    assert_eq!(
        affected,
        sorted(vec![
            linked_to_two.clone(),
            linked_to_child,
            linked_to_sibling.clone(),
            linked_to_rerun,
            names_two,
            best,
            root,
        ])
    );

    // #1 (running, a root): linked to it or to its children #2 and #3.
    let affected = graph.hypotheses_affected_by(&one.id).await.expect("affected");
    assert_eq!(
        affected,
        sorted(vec![linked_to_two, linked_to_sibling, linked_to_one])
    );
    assert_eq!(graph.project_hypotheses("web").await.expect("ids").len(), 8);
}
