//! Properties of the evidence model (`graph::evidence`) over generated hypotheses: the score
//! moves the right way with a run's value, is finite, ignores links without units, and keeps
//! confidences and normalised deltas in range. The full-recomputation figures are in
//! `cargo bench -p graph --bench evidence`.

use graph::evidence::{
    evaluate, explain, EnvironmentChecks, HypothesisEvidence, LinkedExperiment, MetricInput, RestoreCheck,
    Scale, TargetMetric, Thresholds, NORMALIZED_DELTA_CLAMP,
};
use graph::model::{Direction, HypothesisStatus, Status};
use proptest::prelude::*;

/// A [`MetricInput`] that owns its slices, so strategies can generate it.
#[derive(Debug, Clone)]
struct OwnedMetric {
    value: Option<f64>,
    baseline: Option<f64>,
    recent: Vec<f64>,
    seed_siblings: Vec<f64>,
    reruns: Vec<f64>,
}

#[derive(Debug, Clone)]
struct OwnedLink {
    number: i64,
    status: Status,
    environment: EnvironmentChecks,
    metrics: Vec<OwnedMetric>,
}

#[derive(Debug, Clone)]
struct Case {
    targets: Vec<TargetMetric>,
    links: Vec<OwnedLink>,
}

impl Case {
    fn evaluate(&self) -> HypothesisEvidence {
        evaluate(&self.targets, &borrow(&self.links), &Thresholds::default(), None)
    }
}

fn borrow(links: &[OwnedLink]) -> Vec<LinkedExperiment<'_>> {
    links
        .iter()
        .map(|link| LinkedExperiment {
            number: link.number,
            status: link.status,
            environment: link.environment,
            metrics: link
                .metrics
                .iter()
                .map(|metric| MetricInput {
                    value: metric.value,
                    baseline: metric.baseline,
                    recent: &metric.recent,
                    seed_siblings: &metric.seed_siblings,
                    reruns: &metric.reruns,
                })
                .collect(),
        })
        .collect()
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

fn environment() -> impl Strategy<Value = EnvironmentChecks> {
    let restore = prop::sample::select(vec![
        RestoreCheck::Verified,
        RestoreCheck::NotAttempted,
        RestoreCheck::Failed,
    ]);
    (any::<bool>(), any::<bool>(), restore).prop_map(|(code_captured, environment_captured, restore)| {
        EnvironmentChecks {
            code_captured,
            environment_captured,
            restore,
        }
    })
}

/// Moderate values, so a raised value stays finite.
fn moderate() -> impl Strategy<Value = f64> {
    -1.0e6..1.0e6
}

/// Anything, NaN and infinities included.
fn wild() -> impl Strategy<Value = f64> {
    prop_oneof![moderate(), any::<f64>(), Just(f64::NAN), Just(0.0)]
}

fn scale(values: BoxedStrategy<f64>) -> impl Strategy<Value = Scale> {
    prop_oneof![
        prop::collection::vec(values, 0..12).prop_map(|values| Scale::from_distribution(&values)),
        (1.0e-6..1.0e3).prop_map(Scale::fixed),
        Just(Scale::without_distribution()),
    ]
}

fn target(values: BoxedStrategy<f64>, weights: BoxedStrategy<f64>) -> impl Strategy<Value = TargetMetric> {
    let direction = prop::sample::select(vec![Direction::Maximize, Direction::Minimize]);
    (direction, weights, scale(values)).prop_map(|(direction, weight, scale)| TargetMetric {
        direction,
        weight,
        scale,
    })
}

fn metric(values: BoxedStrategy<f64>) -> impl Strategy<Value = OwnedMetric> {
    let series = prop::collection::vec(values.clone(), 0..6);
    (
        prop::option::weighted(0.85, values.clone()),
        prop::option::weighted(0.85, values.clone()),
        series.clone(),
        series.clone(),
        series,
    )
        .prop_map(|(value, baseline, recent, seed_siblings, reruns)| OwnedMetric {
            value,
            baseline,
            recent,
            seed_siblings,
            reruns,
        })
}

fn case_with(values: BoxedStrategy<f64>, weights: BoxedStrategy<f64>) -> impl Strategy<Value = Case> {
    prop::collection::vec(target(values.clone(), weights), 1..4).prop_flat_map(move |targets| {
        let metric_count = targets.len();
        let link = (
            status(),
            environment(),
            prop::collection::vec(metric(values.clone()), 0..=metric_count),
        );
        prop::collection::vec(link, 0..8).prop_map(move |links| Case {
            targets: targets.clone(),
            links: links
                .into_iter()
                .enumerate()
                .map(|(index, (status, environment, metrics))| OwnedLink {
                    number: index as i64 + 1,
                    status,
                    environment,
                    metrics,
                })
                .collect(),
        })
    })
}

fn moderate_case() -> impl Strategy<Value = Case> {
    case_with(moderate().boxed(), (0.01..10.0).boxed())
}

fn wild_case() -> impl Strategy<Value = Case> {
    case_with(wild().boxed(), wild().boxed())
}

/// The links and metrics that have a value: where a value can be raised or lowered.
fn measured(case: &Case) -> Vec<(usize, usize)> {
    let mut places = Vec::new();
    for (link_index, link) in case.links.iter().enumerate() {
        for (metric_index, metric) in link.metrics.iter().enumerate() {
            if metric.value.is_some() {
                places.push((link_index, metric_index));
            }
        }
    }
    places
}

/// Moves one experiment's value by `step` in the direction that is better for its metric.
fn improve(case: &Case, pick: prop::sample::Index, step: f64) -> Option<Case> {
    let places = measured(case);
    if places.is_empty() {
        return None;
    }
    let (link_index, metric_index) = places[pick.index(places.len())];
    let mut improved = case.clone();
    let metric = &mut improved.links[link_index].metrics[metric_index];
    let value = metric.value?;
    metric.value = Some(match case.targets[metric_index].direction {
        Direction::Maximize => value + step,
        Direction::Minimize => value - step,
    });
    Some(improved)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn improving_a_runs_value_never_lowers_the_score(
        case in moderate_case(),
        pick in any::<prop::sample::Index>(),
        step in 0.0..1.0e5,
    ) {
        // raising a maximize metric or lowering a minimize metric, everything else fixed
        if let Some(improved) = improve(&case, pick, step) {
            let before = case.evaluate().score;
            let after = improved.evaluate().score;
            prop_assert!(after >= before, "score fell from {before} to {after}");
        }
    }

    #[test]
    fn a_link_without_units_changes_nothing(
        case in moderate_case(),
        extra_status in prop::sample::select(vec![Status::Complete, Status::Failed]),
        extra_metrics in prop::collection::vec(prop::option::of(moderate()), 0..4),
    ) {
        prop_assume!(!case.links.is_empty());
        let before = case.evaluate();
        // values without baselines make no unit
        let mut extended = case.clone();
        extended.links.push(OwnedLink {
            number: 1_000,
            status: extra_status,
            environment: EnvironmentChecks::COMPLETE,
            metrics: extra_metrics
                .into_iter()
                .map(|value| OwnedMetric {
                    value,
                    baseline: None,
                    recent: vec![],
                    seed_siblings: vec![],
                    reruns: vec![],
                })
                .collect(),
        });
        let after = extended.evaluate();
        prop_assert_eq!(&after.units, &before.units);
        prop_assert_eq!(&after.per_experiment, &before.per_experiment);
        prop_assert_eq!(after.score, before.score);
        prop_assert_eq!(after.computed_status, before.computed_status);
    }

    #[test]
    fn the_score_is_finite_and_everything_stays_in_range(case in wild_case()) {
        let evidence = case.evaluate();
        prop_assert!(evidence.score.is_finite(), "score {}", evidence.score);
        prop_assert!(evidence.total_confidence.is_finite());
        for unit in &evidence.units {
            prop_assert!((0.0..=1.0).contains(&unit.confidence), "unit confidence {}", unit.confidence);
            prop_assert!(unit.normalized_delta.abs() <= NORMALIZED_DELTA_CLAMP, "normalised {}", unit.normalized_delta);
            prop_assert!(unit.delta.is_finite() && unit.contribution.is_finite());
        }
        for experiment in &evidence.per_experiment {
            prop_assert!((0.0..=1.0).contains(&experiment.confidence), "confidence {}", experiment.confidence);
            prop_assert!(experiment.score.is_finite() && experiment.contribution.is_finite());
        }
        let names: Vec<String> = (0..case.targets.len()).map(|index| format!("m{index}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        prop_assert_eq!(explain(&evidence, &names), explain(&case.evaluate(), &names));
    }

    #[test]
    fn an_override_sets_only_the_effective_status(
        case in moderate_case(),
        chosen in prop::sample::select(HypothesisStatus::ALL.to_vec()),
    ) {
        let computed = case.evaluate();
        let overridden = evaluate(&case.targets, &borrow(&case.links), &Thresholds::default(), Some(chosen));
        prop_assert_eq!(overridden.effective_status, chosen);
        prop_assert_eq!(overridden.computed_status, computed.computed_status);
        prop_assert_eq!(overridden.score, computed.score);
        prop_assert!(overridden.overridden);
    }
}
