//! The evidence model's share of a full recomputation: 50 hypotheses with 200 links each, two
//! target metrics, scales from a 10,000-experiment project (pure computation, no graph; the
//! recomputation job's figures come with it).

use std::time::Instant;

use graph::evidence::{
    evaluate, explain, EnvironmentChecks, LinkedExperiment, MetricInput, Scale, TargetMetric, Thresholds,
};
use graph::model::{Direction, HypothesisStatus, Status};

/// A small deterministic generator, so the benchmark data needs no extra dependency.
struct Lcg(u64);

impl Lcg {
    fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    const EXPERIMENTS: usize = 10_000;
    const HYPOTHESES: usize = 50;
    const LINKS: usize = 200;
    let mut random = Lcg(7);
    let accuracy: Vec<f64> = (0..EXPERIMENTS).map(|_| 0.5 + 0.4 * random.next_unit()).collect();
    let loss: Vec<f64> = (0..EXPERIMENTS).map(|_| 0.2 + 2.0 * random.next_unit()).collect();
    let recent: Vec<Vec<f64>> = (0..EXPERIMENTS)
        .map(|_| (0..20).map(|_| 0.8 + 0.01 * random.next_unit()).collect())
        .collect();
    let seeds: Vec<f64> = (0..3).map(|_| 0.5 + 0.4 * random.next_unit()).collect();

    let started = Instant::now();
    // once per project metric, shared by every hypothesis
    let accuracy_scale = Scale::from_distribution(&accuracy);
    let loss_scale = Scale::from_distribution(&loss);
    let targets = [
        TargetMetric {
            direction: Direction::Maximize,
            weight: 2.0,
            scale: accuracy_scale,
        },
        TargetMetric {
            direction: Direction::Minimize,
            weight: 1.0,
            scale: loss_scale,
        },
    ];
    let mut supported = 0;
    for hypothesis in 0..HYPOTHESES {
        let links: Vec<LinkedExperiment<'_>> = (0..LINKS)
            .map(|link| {
                let experiment = (hypothesis * 197 + link * 43) % EXPERIMENTS;
                let baseline = (experiment + 1) % EXPERIMENTS;
                LinkedExperiment {
                    number: experiment as i64,
                    status: Status::Complete,
                    environment: EnvironmentChecks::COMPLETE,
                    metrics: vec![
                        MetricInput {
                            value: Some(accuracy[experiment]),
                            baseline: Some(accuracy[baseline]),
                            recent: &recent[experiment],
                            seed_siblings: &seeds,
                            reruns: &seeds[..1],
                        },
                        MetricInput {
                            value: Some(loss[experiment]),
                            baseline: Some(loss[baseline]),
                            recent: &recent[experiment],
                            seed_siblings: &seeds,
                            reruns: &[],
                        },
                    ],
                }
            })
            .collect();
        let evidence = evaluate(&targets, &links, &Thresholds::default(), None);
        assert_eq!(evidence.units.len(), LINKS * 2);
        if evidence.computed_status == HypothesisStatus::Supported {
            supported += 1;
        }
        let _ = explain(&evidence, &["accuracy", "loss"]);
    }
    let elapsed = started.elapsed();
    println!(
        "evidence (pure part) for {HYPOTHESES} hypotheses × {LINKS} links × 2 metrics over a \
         {EXPERIMENTS}-experiment distribution: {elapsed:?} ({supported} supported; target for the \
         whole recomputation with the graph: 2 s)"
    );
}
