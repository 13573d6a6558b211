//! Hand-computed cases of [`super::evaluate`].

use super::*;
use crate::evidence::confidence::RestoreCheck;

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-9
}

fn maximize(weight: f64, spread: f64) -> TargetMetric {
    TargetMetric {
        direction: Direction::Maximize,
        weight,
        scale: Scale::fixed(spread),
    }
}

fn minimize(weight: f64, spread: f64) -> TargetMetric {
    TargetMetric {
        direction: Direction::Minimize,
        weight,
        scale: Scale::fixed(spread),
    }
}

fn link(number: i64, status: Status, metrics: Vec<MetricInput<'static>>) -> LinkedExperiment<'static> {
    LinkedExperiment {
        number,
        status,
        environment: EnvironmentChecks::COMPLETE,
        metrics,
    }
}

fn one(value: f64, baseline: f64) -> Vec<MetricInput<'static>> {
    vec![MetricInput::new(Some(value), Some(baseline))]
}

fn scores(evidence: &HypothesisEvidence) -> Vec<(i64, f64, f64, f64)> {
    evidence
        .per_experiment
        .iter()
        .map(|experiment| {
            (
                experiment.experiment,
                experiment.score,
                experiment.confidence,
                experiment.contribution,
            )
        })
        .collect()
}

#[test]
fn confident_improvements_add_up_to_support() {
    // spread 0.1: deltas 0.1, 0.2, −0.05 → 1, 2, −0.5; all complete and fully captured → E 2.5
    let targets = [maximize(1.0, 0.1)];
    let mut links = vec![
        link(1, Status::Complete, one(0.6, 0.5)),
        link(2, Status::Complete, one(0.7, 0.5)),
        link(3, Status::Complete, one(0.45, 0.5)),
    ];
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    assert!(close(evidence.score, 2.5), "{}", evidence.score);
    assert!(close(evidence.total_confidence, 3.0));
    assert_eq!(evidence.computed_status, HypothesisStatus::Inconclusive);
    assert_eq!(evidence.units.len(), 3);
    assert!(close(evidence.units[2].delta, -0.05));
    assert!(close(evidence.units[2].normalized_delta, -0.5));

    // a running run with delta 0.15 → 1.5 at confidence 0.5 → +0.75 → E 3.25 ≥ 3
    links.push(link(4, Status::Running, one(0.65, 0.5)));
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    assert!(close(evidence.score, 3.25), "{}", evidence.score);
    assert_eq!(evidence.computed_status, HypothesisStatus::Supported);
    assert_eq!(evidence.effective_status, HypothesisStatus::Supported);
    assert!(!evidence.overridden);
}

#[test]
fn missing_and_nan_values_make_no_unit_but_unfinished_links_keep_it_testing() {
    let targets = [maximize(1.0, 0.1)];
    let links = [
        link(1, Status::Complete, vec![MetricInput::new(None, Some(0.5))]),
        link(
            2,
            Status::Complete,
            vec![MetricInput::new(Some(0.7), Some(f64::NAN))],
        ),
        link(3, Status::Running, vec![]),
    ];
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    assert!(evidence.units.is_empty());
    assert!(evidence.per_experiment.is_empty());
    assert_eq!(evidence.score, 0.0);
    assert_eq!(evidence.linked_experiments, 3);
    assert_eq!(evidence.unfinished_experiments, 1);
    assert_eq!(evidence.computed_status, HypothesisStatus::Testing);

    let finished = evaluate(&targets, &links[..2], &Thresholds::default(), None);
    assert_eq!(finished.computed_status, HypothesisStatus::Inconclusive);
    let unlinked = evaluate(&targets, &[], &Thresholds::default(), None);
    assert_eq!(unlinked.computed_status, HypothesisStatus::Proposed);
}

#[test]
fn weights_are_renormalised_over_the_metrics_a_run_has() {
    // accuracy (weight 3, spread 0.1) and loss (weight 1, spread 0.2, minimize)
    let targets = [maximize(3.0, 0.1), minimize(1.0, 0.2)];
    let links = [
        // accuracy +0.1 → 1; loss 0.5 → 0.3 is +0.2 → 1; weights 0.75 / 0.25 → score 1
        link(
            7,
            Status::Complete,
            vec![
                MetricInput::new(Some(0.6), Some(0.5)),
                MetricInput::new(Some(0.3), Some(0.5)),
            ],
        ),
        // only loss, 0.5 → 0.9 is −0.4 → −2 at full weight
        link(
            8,
            Status::Complete,
            vec![
                MetricInput::new(None, Some(0.5)),
                MetricInput::new(Some(0.9), Some(0.5)),
            ],
        ),
    ];
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    let per_experiment = scores(&evidence);
    assert_eq!(per_experiment.len(), 2);
    assert_eq!(per_experiment[0].0, 7);
    assert!(close(per_experiment[0].1, 1.0));
    assert!(close(per_experiment[1].1, -2.0));
    assert!(close(evidence.units[0].weight, 0.75));
    assert!(close(evidence.units[1].weight, 0.25));
    assert!(close(evidence.units[2].weight, 1.0));
    assert_eq!(evidence.units[2].metric, 1);
    assert!(close(evidence.score, -1.0));
}

#[test]
fn minimize_and_maximize_read_the_same_numbers_oppositely() {
    let links = [link(1, Status::Complete, one(0.3, 0.5))];
    let as_maximize = evaluate(&[maximize(1.0, 0.1)], &links, &Thresholds::default(), None);
    let as_minimize = evaluate(&[minimize(1.0, 0.1)], &links, &Thresholds::default(), None);
    assert!(close(as_maximize.score, -2.0));
    assert!(close(as_minimize.score, 2.0));
    assert!(close(as_minimize.units[0].delta, 0.2));
}

#[test]
fn a_failed_run_counts_a_tenth_and_a_planned_one_nothing() {
    let targets = [maximize(1.0, 0.1)];
    let failed = evaluate(
        &targets,
        &[link(1, Status::Failed, one(0.7, 0.5))],
        &Thresholds::default(),
        None,
    );
    assert!(close(failed.per_experiment[0].confidence, 0.1));
    assert!(close(failed.score, 0.2));
    assert_eq!(failed.computed_status, HypothesisStatus::Inconclusive);

    let planned = evaluate(
        &targets,
        &[link(1, Status::Planned, one(0.7, 0.5))],
        &Thresholds::default(),
        None,
    );
    assert_eq!(planned.units.len(), 1);
    assert_eq!(planned.score, 0.0);
    assert_eq!(planned.computed_status, HypothesisStatus::Testing);
}

#[test]
fn zero_spread_uses_a_tenth_of_the_baseline() {
    // every project run at 0.8: a 0.08 improvement over a 0.8 baseline is one unit
    let targets = [TargetMetric {
        direction: Direction::Maximize,
        weight: 1.0,
        scale: Scale::from_distribution(&[0.8, 0.8, 0.8, 0.8]),
    }];
    let evidence = evaluate(
        &targets,
        &[link(1, Status::Complete, one(0.88, 0.8))],
        &Thresholds::default(),
        None,
    );
    assert!(close(evidence.units[0].normalized_delta, 1.0));
    assert_eq!(evidence.units[0].scale_source, ScaleSource::BaselineRelative);
}

#[test]
fn replicates_and_environment_lower_the_unit_confidence() {
    let seeds = [0.45];
    let reruns = [0.6, 0.7, 0.4];
    let recent = [0.6, 0.6, 0.6];
    let targets = [maximize(1.0, 0.1)];
    let links = [LinkedExperiment {
        number: 1,
        status: Status::Complete,
        environment: EnvironmentChecks {
            code_captured: true,
            environment_captured: false,
            restore: RestoreCheck::NotAttempted,
        },
        metrics: vec![MetricInput {
            value: Some(0.6),
            baseline: Some(0.5),
            recent: &recent,
            seed_siblings: &seeds,
            reruns: &reruns,
        }],
    }];
    // stability 1, seeds 1/2, reruns 3/4, environment 0.5
    // → 0.3 + 0.15 + 0.15 + 0.1 = 0.7
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    assert!(
        close(evidence.units[0].confidence, 0.7),
        "{}",
        evidence.units[0].confidence
    );
    assert!(close(evidence.score, 0.7));
}

#[test]
fn metrics_without_a_usable_weight_are_left_out() {
    let targets = [maximize(0.0, 0.1), maximize(f64::NAN, 0.1), maximize(2.0, 0.1)];
    let evidence = evaluate(
        &targets,
        &[link(
            1,
            Status::Complete,
            vec![MetricInput::new(Some(0.6), Some(0.5)); 3],
        )],
        &Thresholds::default(),
        None,
    );
    assert_eq!(evidence.units.len(), 1);
    assert_eq!(evidence.units[0].metric, 2);
    assert!(close(evidence.units[0].weight, 1.0));
}

#[test]
fn a_manual_override_wins_and_is_shown_as_such() {
    let targets = [maximize(1.0, 0.1)];
    let links = [link(1, Status::Complete, one(1.0, 0.5))];
    let evidence = evaluate(
        &targets,
        &links,
        &Thresholds::default(),
        Some(HypothesisStatus::Refuted),
    );
    assert_eq!(evidence.computed_status, HypothesisStatus::Supported);
    assert_eq!(evidence.effective_status, HypothesisStatus::Refuted);
    assert!(evidence.overridden);
}
