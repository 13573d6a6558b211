//! Shared set-up of the domain tests: a real graphdblite file in a temp directory,
//! behind an executor that records which named queries ran.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use graph::engine::EmbeddedEngine;
use graph::executor::{Executor, IndexSpec, Statement};
use graph::model::{NewExperiment, NewProject, ProjectSettings};
use graph::queries::Query;
use graph::value::{Params, Row};
use graph::Graph;

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

/// A graph on a fresh embedded database; the directory lives as long as the value.
pub struct TestGraph {
    pub graph: Graph,
    pub recorder: Arc<RecordingExecutor>,
    pub dir: tempfile::TempDir,
}

pub async fn test_graph() -> TestGraph {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
        .await
        .expect("engine opens");
    let recorder = Arc::new(RecordingExecutor {
        inner: Arc::new(engine),
        ran: Mutex::new(BTreeSet::new()),
    });
    let graph = Graph::open(recorder.clone()).await.expect("schema migrates");
    TestGraph { graph, recorder, dir }
}

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
