//! The lineage benchmark of the issue: a generated project of 10,000 experiments (a tree
//! up to depth 50 with realistic nested features), then creation rate, `featuresFull`
//! latency, ancestors and descendants, the whole-project DAG, and reparenting and
//! re-featuring a node with over 1,000 descendants, each against its target.
//!
//! A plain program rather than a harness: the figures come from one generated graph,
//! built once (its creation *is* the first measurement). Run it with
//! `make bench` (`cargo bench -p graph --bench dag`); the graph lives in a temp directory on the
//! real disk (`RSDK_BENCH_DIR` picks another parent directory), since the engine's
//! fsync per commit is part of what a creation costs. `RSDK_BENCH_CREATIONS_ONLY=N` stops after
//! the first N creations, for counting instructions under callgrind (`measure::creations_only`).

use std::future::Future;
use std::time::{Duration, Instant};

use graph::engine::GraphUrl;
use graph::executor::Statement;
use graph::model::{Experiment, ExperimentUpdate, NewExperiment, NewProject, ParentRef};
use graph::queries::{self, Query};
use graph::value::Params;
use graph::Graph;
use serde_json::{json, Value as Json};

mod measure;
mod report;
mod tree;

use measure::*;
use report::*;
use tree::*;

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
/// Each refreshes the cached features of all the hub's descendants.
const UPDATE_FEATURES_SAMPLES: usize = 6;

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

/// The engines to measure, from `RSDK_BENCH_ENGINES` (default `embedded,falkordb`).
fn engines() -> Vec<String> {
    std::env::var("RSDK_BENCH_ENGINES")
        .unwrap_or_else(|_| "embedded,falkordb".into())
        .split(',')
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

async fn run() {
    let mut reports = Vec::new();
    for engine in engines() {
        println!("\n## engine: {engine}");
        let report = run_on(&engine).await;
        report.print();
        reports.push((engine, report));
    }
    print_side_by_side(&reports);
}

/// Opens a fresh graph on `engine` as `rsdk serve` would (same write lock). The returned
/// guard keeps the temporary directory or the FalkorDB server alive.
async fn open(engine: &str) -> (Graph, Box<dyn std::any::Any>) {
    let (url, guard): (String, Box<dyn std::any::Any>) = match engine {
        "embedded" => {
            let parent_dir = std::env::var_os("RSDK_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
            let dir =
                tempfile::tempdir_in(&parent_dir).expect("a temp dir can be created for the graph file");
            let url = format!("embedded:{}", dir.path().join("graph.db").display());
            (url, Box::new(dir))
        }
        "falkordb" => {
            let server = testkit::falkordb();
            (
                format!("falkordb://127.0.0.1:{}/bench", server.port()),
                Box::new(server),
            )
        }
        other => panic!("unknown engine `{other}` in RSDK_BENCH_ENGINES (embedded, falkordb)"),
    };
    println!("graph: {url}");
    let url = GraphUrl::parse(&url).expect("a valid graph url");
    let executor = url.open().await.expect("the engine opens");
    let lock = url.write_lock(None).await.expect("the write lock is ready");
    let graph = Graph::open_with_lock(executor, lock)
        .await
        .expect("the schema migrates");
    (graph, guard)
}

async fn run_on(engine: &str) -> Report {
    println!("load average at start: {}", load_average());
    let (graph, _guard) = open(engine).await;
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
    report
}
