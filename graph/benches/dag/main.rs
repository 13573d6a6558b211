//! The lineage benchmark of the issue: a generated project of 10,000 experiments (a tree
//! up to depth 50 with realistic nested features), then creation rate, `featuresFull`
//! latency, ancestors and descendants, the whole-project DAG, and reparenting and
//! re-featuring a node with over 1,000 descendants, each against its target.
//!
//! A plain program rather than a harness: the figures come from one generated graph,
//! built once (its creation *is* the first measurement). Run it with
//! `make bench` (`cargo bench -p graph --bench dag`); the graph lives in a temp directory on the
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
