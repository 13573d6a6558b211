//! Exact explanations for a few hypotheses.

use super::*;
use crate::evidence::{
    evaluate, EnvironmentChecks, LinkedExperiment, MetricInput, Scale, TargetMetric, Thresholds,
};
use crate::model::{Direction, HypothesisStatus, Status};

fn target(direction: Direction, spread: f64) -> TargetMetric {
    TargetMetric {
        direction,
        weight: 1.0,
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

/// Five complete runs over a 0.5 baseline with spread 0.1: E = 0.8 + 1 + 1.6 + 1.2 − 0.2.
fn five_runs(override_status: Option<HypothesisStatus>) -> HypothesisEvidence {
    let links: Vec<_> = [(10, 0.58), (11, 0.6), (12, 0.66), (13, 0.62), (14, 0.48)]
        .into_iter()
        .map(|(number, value)| {
            link(
                number,
                Status::Complete,
                vec![MetricInput::new(Some(value), Some(0.5))],
            )
        })
        .collect();
    evaluate(
        &[target(Direction::Maximize, 0.1)],
        &links,
        &Thresholds::default(),
        override_status,
    )
}

#[test]
fn a_supported_hypothesis_names_the_share_the_range_and_the_heaviest_run() {
    assert_eq!(
        explain(&five_runs(None), &["val_acc"]),
        "Supported (E = 4.4): 4 of 5 linked runs improve val_acc over their baseline by 0.08–0.16, \
         1 worsens it by 0.02; run 12 carries most weight."
    );
}

#[test]
fn an_override_is_named_with_the_computed_status() {
    assert_eq!(
        explain(&five_runs(Some(HypothesisStatus::Refuted)), &["val_acc"]),
        "Refuted by manual override (computed: supported, E = 4.4): 4 of 5 linked runs improve val_acc \
         over their baseline by 0.08–0.16, 1 worsens it by 0.02; run 12 carries most weight."
    );
}

#[test]
fn without_links_or_units_it_says_what_is_missing() {
    let targets = [target(Direction::Maximize, 0.1), target(Direction::Minimize, 0.2)];
    let proposed = evaluate(&targets, &[], &Thresholds::default(), None);
    assert_eq!(
        explain(&proposed, &["val_acc", "loss"]),
        "Proposed (E = 0): no experiments linked yet."
    );

    let waiting = evaluate(
        &targets,
        &[link(3, Status::Running, vec![])],
        &Thresholds::default(),
        None,
    );
    assert_eq!(
        explain(&waiting, &["val_acc", "loss"]),
        "Testing (E = 0): no linked run has both a value and a baseline for val_acc or loss yet; \
         1 linked run is still planned or running."
    );
}

#[test]
fn every_target_metric_gets_its_own_clause() {
    let targets = [target(Direction::Maximize, 0.1), target(Direction::Minimize, 0.2)];
    let links = [
        link(
            3,
            Status::Complete,
            vec![
                MetricInput::new(Some(0.6), Some(0.5)),
                MetricInput::new(Some(0.4), Some(0.5)),
            ],
        ),
        link(4, Status::Running, vec![MetricInput::new(Some(0.55), Some(0.5))]),
    ];
    let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
    assert_eq!(
        explain(&evidence, &["acc", "loss"]),
        "Testing (E = 1): 2 of 2 linked runs improve acc over their baseline by 0.05–0.1; \
         1 of 1 linked run improves loss over its baseline by 0.1; run 3 carries most weight; \
         1 linked run is still planned or running."
    );
}

#[test]
fn numbers_keep_three_significant_digits() {
    assert_eq!(format_number(0.8), "0.8");
    assert_eq!(format_number(1.6000000000000003), "1.6");
    assert_eq!(format_number(0.012345), "0.0123");
    assert_eq!(format_number(123.456), "123");
    assert_eq!(format_number(12345.6), "12346");
    assert_eq!(format_number(-2.5), "-2.5");
    assert_eq!(format_number(-1e-300), "0");
    assert_eq!(format_number(0.0), "0");
}
