//! The lineage benchmark of the issue: a generated project of 10,000 experiments (a tree
//! up to depth 50 with realistic nested features), then creation rate, `featuresFull`
//! latency, ancestors and descendants, the whole-project DAG, and reparenting and
//! re-featuring a node with over 1,000 descendants, each against its target.
//!
//! A plain program rather than a harness: the figures come from one generated graph,
//! built once (its creation *is* the first measurement). Run it with
//! `cargo bench -p graph --bench dag -j 1`; the graph lives in a temp directory on the
//! real disk (`RSDK_BENCH_DIR` picks another parent directory), since the engine's
//! fsync per commit is part of what a creation costs.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph::engine::EmbeddedEngine;
use graph::executor::Statement;
use graph::model::{Experiment, NewExperiment, NewProject, ParentRef};
use graph::queries::{self, Query};
use graph::value::Params;
use graph::Graph;
use serde_json::{json, Value as Json};

const PROJECT: &str = "bench";
const EXPERIMENTS: usize = 10_000;
const MAX_DEPTH: usize = 50;
/// Experiment 1 is the root, 2..=51 a chain reaching depth 50.
const SPINE_TIP: usize = 1 + MAX_DEPTH;
/// The hub: a child of the root that gets [`HUB_DESCENDANTS`] descendants.
const HUB: usize = SPINE_TIP + 1;
/// The experiments created as descendants of the hub, in one contiguous run of numbers
/// (a productive branch that was active for a while).
const HUB_PHASE_START: usize = 3_001;
const HUB_DESCENDANTS: usize = 1_200;
/// Where the hub is moved to and back in the reparent case: deep on the spine, then the root.
const REPARENT_TARGETS: [usize; 2] = [26, 1];

const LATENCY_SAMPLES: usize = 300;
const LINEAGE_SAMPLES: usize = 20;
const DAG_SAMPLES: usize = 10;
const REPARENT_SAMPLES: usize = 6;
/// Each takes minutes at present (see `bench/RESULTS.md`), hence only two.
const UPDATE_FEATURES_SAMPLES: usize = 2;

/// The allocator `rsdk serve` runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tokio runtime builds");
    runtime.block_on(run());
}

async fn run() {
    let parent_dir = std::env::var_os("RSDK_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir can be created for the graph file");
    println!("graph file: {}", dir.path().join("graph.db").display());
    println!("load average at start: {}", load_average());
    let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
        .await
        .expect("the embedded engine opens");
    let graph = Graph::open(Arc::new(engine)).await.expect("the schema migrates");
    graph
        .create_project(NewProject {
            name: PROJECT.into(),
            description: "generated lineage benchmark".into(),
            settings: None,
        })
        .await
        .expect("the project is created");

    let tree = Tree::generate(&mut Rng::new(0x5eed_f1ea));
    tree.describe();
    let mut report = Report::default();

    let features = create_all(&graph, &tree, &mut report).await;
    check_features_round_trip(&graph, &features, &[SPINE_TIP, HUB, EXPERIMENTS]).await;
    measure_features_full(&graph, &tree, &mut report).await;
    measure_lineage(&graph, &tree, &mut report).await;
    measure_dag(&graph, &mut report).await;
    measure_rewrites(&graph, &features[HUB], &mut report).await;
    measure_creation_steps(&graph, &tree, &features, &mut report).await;
    measure_primitives(&graph, &mut report).await;
    measure_refresh_write(&graph, &mut report).await;

    println!("load average at end: {}", load_average());
    report.print();
}

// ---------------------------------------------------------------------------------------
// The generated project

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The shape of the project: `parent[n]` and `depth[n]` of experiment `n` (index 0 unused).
struct Tree {
    parent: Vec<Option<usize>>,
    depth: Vec<usize>,
    /// Experiments not under the hub, and the hub's subtree (the hub included).
    general: Vec<usize>,
    hub_subtree: Vec<usize>,
}

impl Tree {
    fn generate(rng: &mut Rng) -> Self {
        let mut tree = Tree {
            parent: vec![None; EXPERIMENTS + 1],
            depth: vec![0; EXPERIMENTS + 1],
            general: vec![1],
            hub_subtree: Vec::new(),
        };
        for number in 2..=SPINE_TIP {
            tree.attach(number, number - 1, false);
        }
        tree.attach(HUB, 1, true);
        let hub_phase = HUB_PHASE_START..HUB_PHASE_START + HUB_DESCENDANTS;
        for number in HUB + 1..=EXPERIMENTS {
            let in_hub = hub_phase.contains(&number);
            let parent = tree.choose_parent(rng, in_hub);
            tree.attach(number, parent, in_hub);
        }
        tree
    }

    fn attach(&mut self, number: usize, parent: usize, in_hub: bool) {
        self.parent[number] = Some(parent);
        self.depth[number] = self.depth[parent] + 1;
        if in_hub {
            self.hub_subtree.push(number);
        } else {
            self.general.push(number);
        }
    }

    /// Mostly a recent experiment (people iterate on what they just ran), sometimes any
    /// older one; never one already at the maximum depth.
    fn choose_parent(&self, rng: &mut Rng, in_hub: bool) -> usize {
        let pool = if in_hub { &self.hub_subtree } else { &self.general };
        for _ in 0..32 {
            let candidate = if rng.chance(60) {
                let recent = &pool[pool.len().saturating_sub(64)..];
                *rng.pick(recent)
            } else {
                *rng.pick(pool)
            };
            if self.depth[candidate] < MAX_DEPTH {
                return candidate;
            }
        }
        pool[0]
    }

    fn numbers_at_depth(&self, depth: usize) -> Vec<usize> {
        (1..=EXPERIMENTS).filter(|&n| self.depth[n] == depth).collect()
    }

    fn describe(&self) {
        let deepest = self.depth.iter().copied().max().unwrap_or_default();
        let mean_depth = self.depth[1..].iter().sum::<usize>() as f64 / EXPERIMENTS as f64;
        let mut has_children = vec![false; EXPERIMENTS + 1];
        for parent in self.parent.iter().flatten() {
            has_children[*parent] = true;
        }
        let leaves = has_children[1..].iter().filter(|has| !**has).count();
        println!(
            "tree: {EXPERIMENTS} experiments, max depth {deepest} ({} at depth {MAX_DEPTH}, spine tip #{SPINE_TIP}), \
             mean depth {mean_depth:.1}, {leaves} leaves",
            self.numbers_at_depth(MAX_DEPTH).len()
        );
        println!(
            "hub #{HUB}: {} descendants (generated); reparented between #{} and #{}",
            self.hub_subtree.len() - 1,
            REPARENT_TARGETS[0],
            REPARENT_TARGETS[1]
        );
    }
}

/// The root's features: an image-classification run, 40 leaves.
fn root_features() -> Json {
    json!({
        "optimizer": {"name": "adamw", "lr": 0.0003, "weight_decay": 0.05, "betas": [0.9, 0.999],
                      "eps": 1e-8, "grad_clip": 1.0},
        "model": {"arch": "vit", "depth": 12, "width": 768, "heads": 12, "dropout": 0.1,
                  "attention_dropout": 0.0, "patch_size": 16, "norm": "layernorm", "activation": "gelu"},
        "data": {"dataset": "imagenet-1k", "batch_size": 256, "num_workers": 8, "image_size": 224,
                 "augment": {"random_crop": true, "hflip": true, "mixup": 0.8, "cutmix": 1.0,
                             "color_jitter": 0.4, "rand_augment": {"num_ops": 2, "magnitude": 9}}},
        "schedule": {"kind": "cosine", "epochs": 300, "warmup_epochs": 5, "min_lr": 1e-6},
        "training": {"precision": "bf16", "seed": 0, "label_smoothing": 0.1, "grad_accumulation": 1,
                     "ema": {"enabled": true, "decay": 0.9999}},
        "logging": {"every_steps": 50, "checkpoint_every": 1000, "tags": ["baseline"],
                    "output_dir": "runs/baseline"}
    })
}

/// A leaf a child may change, and the values it takes.
fn tweak(rng: &mut Rng) -> (&'static str, Json) {
    let choice = rng.below(16);
    let value = match choice {
        0 => json!(rng.pick(&[0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.002])),
        1 => json!(rng.pick(&[0.0, 0.01, 0.02, 0.05, 0.1])),
        2 => json!(rng.pick(&[[0.9, 0.999], [0.9, 0.95], [0.95, 0.999]])),
        3 => json!(rng.pick(&["adamw", "lamb", "sgd", "lion"])),
        4 => json!(rng.pick(&[6, 8, 12, 16, 24])),
        5 => json!(rng.pick(&[384, 512, 768, 1024])),
        6 => json!(rng.pick(&[0.0, 0.05, 0.1, 0.2, 0.3])),
        7 => json!(rng.pick(&[6, 8, 12, 16])),
        8 => json!(rng.pick(&[64, 128, 256, 512, 1024])),
        9 => json!(rng.pick(&[true, false])),
        10 => json!(rng.pick(&[0.0, 0.2, 0.5, 0.8])),
        11 => json!(rng.pick(&[5, 7, 9, 11, 15])),
        12 => json!(rng.pick(&[90, 150, 300, 600])),
        13 => json!(rng.pick(&[0, 1, 5, 10, 20])),
        14 => json!(rng.below(1_000_000)),
        _ => json!(rng.pick(&[0.0, 0.05, 0.1, 0.2])),
    };
    let path = [
        "/optimizer/lr",
        "/optimizer/weight_decay",
        "/optimizer/betas",
        "/optimizer/name",
        "/model/depth",
        "/model/width",
        "/model/dropout",
        "/model/heads",
        "/data/batch_size",
        "/data/augment/hflip",
        "/data/augment/mixup",
        "/data/augment/rand_augment/magnitude",
        "/schedule/epochs",
        "/schedule/warmup_epochs",
        "/training/seed",
        "/training/label_smoothing",
    ][choice];
    (path, value)
}

/// The parent's features with 1 to 3 leaves changed (and now and then one added).
fn child_features(rng: &mut Rng, parent: &Json) -> (Json, String) {
    let mut features = parent.clone();
    let mut changed = Vec::new();
    let wanted = 1 + rng.below(3);
    while changed.len() < wanted {
        let (path, value) = tweak(rng);
        let slot = features
            .pointer_mut(path)
            .expect("tweaked paths exist in every features tree");
        if *slot != value {
            *slot = value;
            changed.push(path.rsplit('/').next().unwrap_or(path));
        }
    }
    if rng.chance(5) {
        features["model"]["drop_path"] = json!(rng.pick(&[0.1, 0.2, 0.3]));
        changed.push("drop_path");
    }
    let label = changed.join("_");
    (features, label)
}

fn to_yaml(features: &Json) -> String {
    serde_yaml_ng::to_string(features).expect("generated features serialize to YAML")
}

// ---------------------------------------------------------------------------------------
// Measurements

async fn create_all(graph: &Graph, tree: &Tree, report: &mut Report) -> Vec<Json> {
    let mut rng = Rng::new(0xfea7_u64);
    let mut features = vec![Json::Null; EXPERIMENTS + 1];
    let mut latencies = Vec::with_capacity(EXPERIMENTS);
    let started = Instant::now();
    let cpu_started = process_cpu_seconds();
    for number in 1..=EXPERIMENTS {
        let (full, name, parent) = match tree.parent[number] {
            None => (root_features(), format!("{number}_baseline"), None),
            Some(parent) => {
                let (full, label) = child_features(&mut rng, &features[parent]);
                (
                    full,
                    format!("{number}_from_{parent}_{label}"),
                    Some(ParentRef::Number(parent as i64)),
                )
            }
        };
        let input = NewExperiment {
            project: PROJECT.into(),
            name,
            parent,
            features: Some(to_yaml(&full)),
            ..NewExperiment::default()
        };
        let call_started = Instant::now();
        let created = graph
            .create_experiment(input)
            .await
            .expect("a generated experiment is created");
        latencies.push(call_started.elapsed());
        assert_eq!(
            created.number, number as i64,
            "experiments are numbered in creation order"
        );
        features[number] = full;
    }
    let wall = started.elapsed();
    let cpu = process_cpu_seconds() - cpu_started;
    let rates: Vec<String> = latencies
        .chunks(1_000)
        .map(|block| {
            format!(
                "{:.0}",
                block.len() as f64 / block.iter().sum::<Duration>().as_secs_f64()
            )
        })
        .collect();
    println!("creations/s per block of 1,000: {}", rates.join(", "));
    println!(
        "creation phase: {} wall (generator included), process CPU {cpu:.1} s = {:.0}% of one core",
        format_duration(wall),
        100.0 * cpu / wall.as_secs_f64()
    );
    report.throughput(
        "create experiment (all 10,000)",
        &latencies,
        Some(Target::rate(1_000.0)),
    );
    report.throughput(
        "create experiment (last 1,000)",
        &latencies[EXPERIMENTS - 1_000..],
        Some(Target::rate(1_000.0)),
    );
    features
}

/// The cached full features equal what the generator meant, so the diffs are the real ones.
async fn check_features_round_trip(graph: &Graph, features: &[Json], numbers: &[usize]) {
    for &number in numbers {
        let experiment = graph
            .experiment(PROJECT, number as i64)
            .await
            .expect("experiment exists");
        let stored = graph.features(&experiment).await.expect("features are readable");
        assert_eq!(stored.full, features[number], "cached full features of #{number}");
    }
    println!("cached full features match the generated ones (checked #{numbers:?})");
}

async fn measure_features_full(graph: &Graph, tree: &Tree, report: &mut Report) {
    let deepest = tree.numbers_at_depth(MAX_DEPTH);
    let mut rng = Rng::new(0xfea7_5eed);
    let random: Vec<usize> = (0..LATENCY_SAMPLES).map(|_| 1 + rng.below(EXPERIMENTS)).collect();
    let at_depth: Vec<usize> = (0..LATENCY_SAMPLES).map(|i| deepest[i % deepest.len()]).collect();
    for (label, numbers) in [("depth 50", at_depth), ("random", random)] {
        let mut lookups = Vec::new();
        let mut reads = Vec::new();
        let mut both = Vec::new();
        for (sample, number) in numbers.iter().enumerate() {
            let started = Instant::now();
            let experiment = graph
                .experiment(PROJECT, *number as i64)
                .await
                .expect("experiment exists");
            let looked_up = Instant::now();
            let features = graph.features(&experiment).await.expect("features are readable");
            let done = Instant::now();
            assert!(features.full.is_object());
            if sample < 10 {
                continue; // warm-up: prepared statements, page cache
            }
            lookups.push(looked_up - started);
            reads.push(done - looked_up);
            both.push(done - started);
        }
        let target = (label == "depth 50").then(|| Target::p50(Duration::from_millis(5)));
        report.latency(
            &format!("featuresFull {label}: experiment + features"),
            &both,
            target,
        );
        report.latency(
            &format!("  of which experiment(project, n) ({label})"),
            &lookups,
            None,
        );
        report.latency(&format!("  of which features(&e) ({label})"), &reads, None);
    }
}

async fn measure_lineage(graph: &Graph, tree: &Tree, report: &mut Report) {
    let tip = experiment(graph, SPINE_TIP).await;
    let hub = experiment(graph, HUB).await;
    let root = experiment(graph, 1).await;
    let ancestors = timed(LINEAGE_SAMPLES, || graph.ancestors(&tip)).await;
    assert_eq!(ancestors.1, MAX_DEPTH, "the spine tip has one ancestor per level");
    report.latency(
        &format!("ancestors of #{SPINE_TIP} (depth 50, {} rows)", ancestors.1),
        &ancestors.0,
        None,
    );
    let hub_descendants = timed(LINEAGE_SAMPLES, || graph.descendants(&hub)).await;
    assert_eq!(hub_descendants.1, tree.hub_subtree.len() - 1);
    report.latency(
        &format!("descendants of hub #{HUB} ({} rows)", hub_descendants.1),
        &hub_descendants.0,
        None,
    );
    let all = timed(LINEAGE_SAMPLES, || graph.descendants(&root)).await;
    assert_eq!(all.1, EXPERIMENTS - 1);
    report.latency(&format!("descendants of root #1 ({} rows)", all.1), &all.0, None);
}

async fn measure_dag(graph: &Graph, report: &mut Report) {
    let (durations, nodes) = timed(DAG_SAMPLES, || async {
        let dag = graph.dag(PROJECT).await?;
        assert_eq!(dag.edges.len(), EXPERIMENTS - 1);
        Ok(dag.nodes)
    })
    .await;
    assert_eq!(nodes, EXPERIMENTS);
    report.latency(
        "dag(project), 10,000 nodes + 9,999 edges",
        &durations,
        Some(Target::p50(Duration::from_millis(200))),
    );
}

async fn measure_rewrites(graph: &Graph, hub_features: &Json, report: &mut Report) {
    let mut reparents = Vec::new();
    for sample in 0..REPARENT_SAMPLES {
        let target = REPARENT_TARGETS[sample % 2];
        let started = Instant::now();
        graph
            .reparent(PROJECT, HUB as i64, Some(target as i64))
            .await
            .expect("moving the hub under a node outside its subtree is allowed");
        reparents.push(started.elapsed());
    }
    let hub = experiment(graph, HUB).await;
    let parent = graph
        .primary_parent(&hub)
        .await
        .expect("parent query runs")
        .expect("hub has a parent");
    assert_eq!(parent.number, REPARENT_TARGETS[(REPARENT_SAMPLES - 1) % 2] as i64);
    report.latency(
        &format!("reparent hub #{HUB} ({HUB_DESCENDANTS} descendants)"),
        &reparents,
        Some(Target::max(Duration::from_secs(1))),
    );

    let mut updates = Vec::new();
    for sample in 0..UPDATE_FEATURES_SAMPLES {
        let mut features = hub_features.clone();
        features["optimizer"]["eps"] = json!(1e-7 * (sample + 2) as f64);
        let text = to_yaml(&features);
        let started = Instant::now();
        graph
            .update_features(PROJECT, HUB as i64, &text)
            .await
            .expect("changing a leaf no descendant removes is allowed");
        updates.push(started.elapsed());
        println!(
            "update_features sample {sample}: {}",
            format_duration(updates[sample])
        );
    }
    report.latency(
        &format!("update_features hub #{HUB} (refreshes {HUB_DESCENDANTS} descendants)"),
        &updates,
        None,
    );
}

/// How the refresh write of `update_features` (one `experiment/set_full_features`
/// statement per experiment, in one transaction) scales: each row is written back unchanged.
async fn measure_refresh_write(graph: &Graph, report: &mut Report) {
    let mut rows = Vec::new();
    for number in HUB_PHASE_START..HUB_PHASE_START + 50 {
        let experiment = experiment(graph, number).await;
        let full = graph
            .features(&experiment)
            .await
            .expect("features are readable")
            .full;
        rows.push(
            Params::new()
                .with("id", experiment.id.as_str())
                .with("features_full", full.to_string()),
        );
    }
    for count in [1, 10, 50] {
        let mut durations = Vec::new();
        for _ in 0..3 {
            let statements = rows[..count]
                .iter()
                .map(|params| Statement::new(&queries::EXPERIMENT_SET_FULL_FEATURES, params.clone()))
                .collect();
            let started = Instant::now();
            graph
                .executor()
                .execute_atomic(statements)
                .await
                .expect("rewriting cached features commits");
            durations.push(started.elapsed());
        }
        report.latency(
            &format!("query experiment/set_full_features ({count} rows)"),
            &durations,
            None,
        );
    }
}

/// The in-process work of one creation, apart from the engine: parsing the YAML,
/// diffing and explaining against the parent, reading the name, loading the project.
async fn measure_creation_steps(graph: &Graph, tree: &Tree, features: &[Json], report: &mut Report) {
    let child = tree.numbers_at_depth(MAX_DEPTH)[0];
    let parent = tree.parent[child].expect("a deep experiment has a parent");
    let text = to_yaml(&features[child]);
    let project = graph.project(PROJECT).await.expect("project exists");
    let name = format!("{child}_from_{parent}_lr");
    report.latency(
        "  step: features::parse_features (YAML)",
        &repeat(|| graph::features::parse_features(&text).map(|_| ())),
        None,
    );
    report.latency(
        "  step: features::diff + features::explain",
        &repeat(|| {
            let diff = graph::features::diff(&features[parent], &features[child]);
            let changes = graph::features::explain(&features[parent], &features[child]);
            assert!(!diff.0.is_empty() && !changes.is_empty());
            Ok(())
        }),
        None,
    );
    report.latency(
        "  step: ProjectSettings::parse_name",
        &repeat(|| project.settings.parse_name(&name).map(|_| ())),
        None,
    );
    let (lookups, _) = timed(LATENCY_SAMPLES, || async {
        graph.project(PROJECT).await.map(|project| vec![project])
    })
    .await;
    report.latency("  step: graph.project(name)", &lookups, None);
}

/// Times a synchronous step [`LATENCY_SAMPLES`] times.
fn repeat(mut step: impl FnMut() -> graph::Result<()>) -> Vec<Duration> {
    (0..LATENCY_SAMPLES)
        .map(|_| {
            let started = Instant::now();
            step().expect("the step succeeds on generated input");
            started.elapsed()
        })
        .collect()
}

/// Single named queries straight on the engine, to see where the composite calls spend.
async fn measure_primitives(graph: &Graph, report: &mut Report) {
    let project = graph.project(PROJECT).await.expect("project exists");
    let hub = experiment(graph, HUB).await;
    let tip = experiment(graph, SPINE_TIP).await;
    let key = format!("{}/{SPINE_TIP}", project.id);
    let target = experiment(graph, REPARENT_TARGETS[0]).await;
    let cases: [(&'static Query, Params, usize); 7] = [
        (
            &queries::PROJECT_BY_NAME,
            Params::new().with("name", PROJECT),
            LATENCY_SAMPLES,
        ),
        (
            &queries::EXPERIMENT_BY_KEY,
            Params::new().with("key", key),
            LATENCY_SAMPLES,
        ),
        (
            &queries::EXPERIMENT_FEATURES,
            Params::new().with("id", tip.id.as_str()),
            LATENCY_SAMPLES,
        ),
        (
            &queries::DAG_NODES,
            Params::new().with("project_id", project.id.as_str()),
            DAG_SAMPLES,
        ),
        (
            &queries::PRIMARY_SUBTREE,
            Params::new().with("id", hub.id.as_str()),
            REPARENT_SAMPLES,
        ),
        (
            &queries::FIND_PATH,
            Params::new()
                .with("from_id", target.id.as_str())
                .with("to_id", hub.id.as_str()),
            REPARENT_SAMPLES,
        ),
        (
            &queries::PARENTS,
            Params::new().with("id", hub.id.as_str()),
            LATENCY_SAMPLES,
        ),
    ];
    for (query, params, samples) in cases {
        let (durations, rows) = timed(samples, || graph.executor().execute(query, params.clone())).await;
        report.latency(&format!("query {} ({rows} rows)", query.name), &durations, None);
    }
    // One small write transaction: the fixed cost (commit, fsync) every creation pays.
    let mut commits = Vec::new();
    for _ in 0..100 {
        let statement = Statement::new(
            &queries::SET_SCHEMA_VERSION,
            Params::new().with("version", graph::schema::current_version()),
        );
        let started = Instant::now();
        graph
            .executor()
            .execute_atomic(vec![statement])
            .await
            .expect("a one-statement write commits");
        commits.push(started.elapsed());
    }
    report.latency("write tx with one SET (commit + fsync)", &commits, None);
}

async fn experiment(graph: &Graph, number: usize) -> Experiment {
    graph
        .experiment(PROJECT, number as i64)
        .await
        .expect("experiment exists")
}

/// Runs `call` `samples` times (after one untimed warm-up) and returns the durations
/// and the length of the last result.
async fn timed<T, F, Fut>(samples: usize, mut call: F) -> (Vec<Duration>, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = graph::Result<Vec<T>>>,
{
    let mut length = call().await.expect("benchmarked call succeeds").len();
    let mut durations = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let result = call().await.expect("benchmarked call succeeds");
        durations.push(started.elapsed());
        length = result.len();
    }
    (durations, length)
}

/// User and system CPU time of the whole process (every thread), from `/proc/self/stat`.
fn process_cpu_seconds() -> f64 {
    const CLOCK_TICKS_PER_SECOND: f64 = 100.0; // USER_HZ on Linux
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<f64>().ok())
        .sum();
    ticks / CLOCK_TICKS_PER_SECOND
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

// ---------------------------------------------------------------------------------------
// The report

/// A target and the statistic it is judged on.
#[derive(Clone, Copy)]
enum Target {
    MinRate(f64),
    MaxP50(Duration),
    MaxMax(Duration),
}

impl Target {
    fn rate(per_second: f64) -> Self {
        Target::MinRate(per_second)
    }

    fn p50(limit: Duration) -> Self {
        Target::MaxP50(limit)
    }

    fn max(limit: Duration) -> Self {
        Target::MaxMax(limit)
    }

    fn describe(self) -> String {
        match self {
            Target::MinRate(rate) => format!("≥ {rate:.0}/s"),
            Target::MaxP50(limit) => format!("p50 ≤ {}", format_duration(limit)),
            Target::MaxMax(limit) => format!("max ≤ {}", format_duration(limit)),
        }
    }
}

struct Line {
    name: String,
    count: usize,
    total: Duration,
    rate: f64,
    percentiles: [Duration; 4],
    target: Option<(Target, bool)>,
}

#[derive(Default)]
struct Report {
    lines: Vec<Line>,
}

impl Report {
    /// Calls one after another: the rate is the count over the sum of their durations.
    fn throughput(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total: Duration = durations.iter().sum();
        let rate = durations.len() as f64 / total.as_secs_f64();
        let met = target.map(|target| match target {
            Target::MinRate(minimum) => (target, rate >= minimum),
            _ => (target, false),
        });
        self.push(name, durations, total, met);
    }

    fn latency(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total = durations.iter().sum();
        let percentiles = percentiles(durations);
        let met = target.map(|target| match target {
            Target::MaxP50(limit) => (target, percentiles[0] <= limit),
            Target::MaxMax(limit) => (target, percentiles[3] <= limit),
            Target::MinRate(_) => (target, false),
        });
        self.push(name, durations, total, met);
    }

    fn push(&mut self, name: &str, durations: &[Duration], total: Duration, target: Option<(Target, bool)>) {
        let line = Line {
            name: name.to_owned(),
            count: durations.len(),
            total,
            rate: durations.len() as f64 / total.as_secs_f64(),
            percentiles: percentiles(durations),
            target,
        };
        println!(
            "measured: {} (p50 {})",
            line.name,
            format_duration(line.percentiles[0])
        );
        self.lines.push(line);
    }

    fn print(&self) {
        println!();
        println!("| measurement | n | total | rate/s | p50 | p95 | p99 | max | target | verdict |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for line in &self.lines {
            let [p50, p95, p99, max] = line.percentiles.map(format_duration);
            let (target, verdict) = match line.target {
                Some((target, met)) => (target.describe(), if met { "met" } else { "**missed**" }),
                None => (String::new(), ""),
            };
            println!(
                "| {} | {} | {} | {:.0} | {p50} | {p95} | {p99} | {max} | {target} | {verdict} |",
                line.name,
                line.count,
                format_duration(line.total),
                line.rate
            );
        }
    }
}

/// p50, p95, p99 and max by nearest rank.
fn percentiles(durations: &[Duration]) -> [Duration; 4] {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let rank = |fraction: f64| {
        let index = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[index - 1]
    };
    [rank(0.50), rank(0.95), rank(0.99), rank(1.0)]
}

fn format_duration(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1_000.0;
    if millis >= 10_000.0 {
        format!("{:.1} s", millis / 1_000.0)
    } else if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{millis:.2} ms")
    }
}
