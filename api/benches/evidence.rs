//! The evidence benchmark of issue 8: a project of 10,000 experiments (each with a
//! 20-step series of two target metrics), 50 hypotheses with 200 links each; then the full
//! recomputation of every hypothesis, and the incremental one after a new metric chunk.
//!
//! Recomputation is what the `recompute_evidence` job runs ([`graph::Graph::recompute_evidence`]):
//! the graph's evidence inputs (the project's values from the kept snapshot, the linked runs'
//! recent values from their summaries), the pure model, and the changed units written. Three
//! full recomputations are measured: the first (every unit is new and the snapshot is read),
//! one with nothing changed (as after a threshold change), and one after every experiment's
//! value changed (the metrics' aggregation switched from `last` to `average`, so every unit
//! is rewritten). The project is built through the server's own
//! services ([`api::services::Services`]: the graph and the metric store over the same data
//! directory layout as `rsdk serve`), **not through HTTP**: 10,000 `createExperiment` calls
//! and chunks over the API take minutes (about 160/s, see the metrics table benchmark) and
//! measure the API, not evidence. Requests add a round trip and a GraphQL parse to
//! `recomputeEvidence`, a few hundred microseconds.
//!
//! Run it with `cargo bench -p api --bench evidence` (`RSDK_BENCH_DIR` picks the parent of the
//! temporary data directory; `RSDK_BENCH_EXPERIMENTS` shrinks the project for a quick try).

mod support;

use std::time::{Duration, Instant};

use api::services::Services;
use graph::ids::{ExperimentId, HypothesisId};
use graph::model::metric::{Aggregation, Direction, MetricConfig, MetricSource};
use graph::model::{
    HypothesisBaseline, NewExperiment, NewHypothesis, NewProject, ParentRef, Status, TargetInput,
};
use ingest::metrics::{Chunk, Point};
use support::report::{format_duration, percentiles};
use support::Rng;

const PROJECT: &str = "evidence-bench";
const HYPOTHESES: usize = 50;
const LINKS_PER_HYPOTHESIS: usize = 200;
const STEPS: u64 = 20;
const INCREMENTAL_SAMPLES: usize = 30;
const FULL_ROUNDS: usize = 3;

/// The allocator `rsdk serve` runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    support::run_on_two_workers(run());
}

fn experiment_count() -> usize {
    std::env::var("RSDK_BENCH_EXPERIMENTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000)
}

/// One chunk of `val_acc` and `loss` over [`STEPS`] steps from `first_step`, settling at a
/// value that depends on the experiment.
fn chunk(rng: &mut Rng, chunk_id: String, first_step: u64) -> Chunk {
    let accuracy = 0.5 + 0.4 * rng.unit();
    let loss = 0.2 + 2.0 * rng.unit();
    let mut points = Vec::with_capacity(2 * STEPS as usize);
    for step in first_step..first_step + STEPS {
        let noise = 0.002 * rng.unit();
        points.push(Point {
            metric: "val_acc".into(),
            step,
            value: accuracy + noise,
            wall_time: 1.7e9 + step as f64,
        });
        points.push(Point {
            metric: "loss".into(),
            step,
            value: loss - noise,
            wall_time: 1.7e9 + step as f64,
        });
    }
    Chunk { chunk_id, points }
}

async fn run() {
    let experiments = experiment_count();
    println!("load average at start: {}", support::load_average());
    let dir = tempfile::tempdir_in(support::parent_dir()).expect("a temporary data directory");
    let config = support::server::config_for(dir.path());
    let services = Services::open(&config).await.expect("the services open");
    let graph = &services.graph;
    let mut rng = Rng::new(0xe71d_e2ce);

    let started = Instant::now();
    graph
        .create_project(NewProject {
            name: PROJECT.into(),
            description: "generated evidence benchmark".into(),
            settings: None,
        })
        .await
        .expect("the project is created");
    for (name, direction) in [("val_acc", Direction::Maximize), ("loss", Direction::Minimize)] {
        graph
            .set_metric_config(
                PROJECT,
                MetricConfig {
                    name: name.into(),
                    direction,
                    aggregation: Aggregation::Last,
                    source: MetricSource::Scalar,
                },
            )
            .await
            .expect("configured");
    }
    let mut ids: Vec<ExperimentId> = Vec::with_capacity(experiments);
    for number in 1..=experiments {
        // A binary tree: every experiment but the root has a parent to be compared against.
        let parent = (number > 1).then_some(ParentRef::Number((number / 2) as i64));
        let experiment = graph
            .create_experiment(NewExperiment {
                project: PROJECT.into(),
                name: format!("{number}_run"),
                parent,
                features: None,
                status: Some(Status::Complete),
                notes: None,
                tags: None,
                rerun_of: None,
            })
            .await
            .expect("an experiment");
        services
            .metrics
            .ingest(&experiment.id, chunk(&mut rng, format!("{number}:0"), 0), None)
            .await
            .expect("a chunk");
        ids.push(experiment.id);
        if number % 1_000 == 0 {
            println!(
                "set-up: {number} experiments in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let mut hypotheses: Vec<HypothesisId> = Vec::with_capacity(HYPOTHESES);
    for index in 0..HYPOTHESES {
        let hypothesis = graph
            .create_hypothesis(NewHypothesis {
                project: PROJECT.into(),
                title: format!("hypothesis {index}"),
                description: String::new(),
                author: graph::ids::UserId("bench".into()),
                targets: vec![
                    TargetInput {
                        metric: "val_acc".into(),
                        weight: 2.0,
                    },
                    TargetInput {
                        metric: "loss".into(),
                        weight: 1.0,
                    },
                ],
                about: Vec::new(),
                baseline: HypothesisBaseline::Parent,
            })
            .await
            .expect("a hypothesis");
        let links: Vec<i64> = (0..LINKS_PER_HYPOTHESIS)
            .map(|link| ((index * 197 + link * 43) % experiments + 1) as i64)
            .collect();
        graph
            .link_experiments(&hypothesis.id, &links)
            .await
            .expect("links");
        hypotheses.push(hypothesis.id);
    }
    let setup = started.elapsed();
    println!(
        "set-up: {experiments} experiments, {HYPOTHESES} hypotheses × {LINKS_PER_HYPOTHESIS} links in {:.1} s",
        setup.as_secs_f64()
    );

    // Full: every hypothesis of the project, one after another (as one worker would).
    let full = |label: &'static str| {
        let hypotheses = &hypotheses;
        async move {
            let started = Instant::now();
            let mut each = Vec::with_capacity(hypotheses.len());
            for hypothesis in hypotheses {
                let began = Instant::now();
                graph.recompute_evidence(hypothesis).await.expect("recomputed");
                each.push(began.elapsed());
            }
            let took = started.elapsed();
            println!("full recomputation, {label}: {}", format_duration(took));
            (took, each)
        }
    };
    let (first_full, _) = full("first (every unit new)").await;
    let mut unchanged_rounds = Vec::new();
    let mut per_hypothesis = Vec::new();
    for _ in 0..FULL_ROUNDS {
        let (took, each) = full("nothing changed").await;
        unchanged_rounds.push(took);
        per_hypothesis = each;
    }
    for (name, direction) in [("val_acc", Direction::Maximize), ("loss", Direction::Minimize)] {
        graph
            .set_metric_config(
                PROJECT,
                MetricConfig {
                    name: name.into(),
                    direction,
                    aggregation: Aggregation::Average,
                    source: MetricSource::Scalar,
                },
            )
            .await
            .expect("reconfigured");
    }
    let (all_changed, _) = full("every value changed").await;

    // Incremental: a new chunk for a linked experiment, then what its trigger does: the
    // affected hypotheses' look-up and the recomputation of one of them.
    let mut lookups = Vec::new();
    let mut incremental = Vec::new();
    for sample in 0..INCREMENTAL_SAMPLES {
        let hypothesis = &hypotheses[sample % HYPOTHESES];
        let number = (sample % HYPOTHESES) * 197 % experiments + 1;
        let experiment = &ids[number - 1];
        services
            .metrics
            .ingest(
                experiment,
                chunk(
                    &mut rng,
                    format!("{number}:incremental:{sample}"),
                    1_000 + sample as u64 * STEPS,
                ),
                None,
            )
            .await
            .expect("a chunk");
        let started = Instant::now();
        let affected = graph
            .hypotheses_affected_by(experiment)
            .await
            .expect("the affected hypotheses");
        lookups.push(started.elapsed());
        assert!(affected.contains(hypothesis), "the linked hypothesis is affected");
        let began = Instant::now();
        graph.recompute_evidence(hypothesis).await.expect("recomputed");
        incremental.push(began.elapsed());
    }

    let best_unchanged = unchanged_rounds.iter().min().copied().unwrap_or(Duration::ZERO);
    let rounds: Vec<String> = unchanged_rounds
        .iter()
        .map(|took| format_duration(*took))
        .collect();
    let each = percentiles(&per_hypothesis);
    let lookup = percentiles(&lookups);
    let one = percentiles(&incremental);
    println!();
    println!("| measurement | figure | target |");
    println!("|---|---|---|");
    println!(
        "| full recomputation, {HYPOTHESES} hypotheses × {LINKS_PER_HYPOTHESIS} links: the first (every unit new) | {} | ≤ 2 s |",
        format_duration(first_full)
    );
    println!(
        "| full recomputation, nothing changed (best of {FULL_ROUNDS}: {}) | {} | ≤ 2 s |",
        rounds.join(", "),
        format_duration(best_unchanged)
    );
    println!(
        "| full recomputation, every value changed (every unit rewritten) | {} | ≤ 2 s |",
        format_duration(all_changed)
    );
    println!(
        "| one hypothesis of the last unchanged round: p50 / max | {} / {} | |",
        format_duration(each.p50),
        format_duration(each.max)
    );
    println!(
        "| incremental: affected hypotheses look-up, p50 / max | {} / {} | |",
        format_duration(lookup.p50),
        format_duration(lookup.max)
    );
    println!(
        "| incremental: one hypothesis recomputed after a new chunk, p50 / max | {} / {} | ≤ 20 ms |",
        format_duration(one.p50),
        format_duration(one.max)
    );
    println!("load average at end: {}", support::load_average());
}
