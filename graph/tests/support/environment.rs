//! Environment records for the tests: a realistic report, and a run of every environment
//! query, so the every-query-runs test covers `cypher/experiment/*environment`.

use graph::model::{Accelerator, NewEnvironment, Package, Variable};
use graph::Graph;

/// An environment variable.
pub fn variable(name: &str, value: &str) -> Variable {
    Variable {
        name: name.into(),
        value: value.into(),
    }
}

/// A package at a version.
pub fn package(name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
    }
}

/// What an SDK reports for a GPU training run, with a few variables the allow-list drops.
pub fn report() -> NewEnvironment {
    NewEnvironment {
        interpreter: "CPython 3.12.1".into(),
        packages: vec![
            package("torch", "2.3.1+cu121"),
            package("numpy", "1.26.4"),
            package("PyYAML", "6.0.1"),
        ],
        platform: "Linux-6.8.0-x86_64-with-glibc2.39".into(),
        accelerators: vec![Accelerator {
            name: "NVIDIA H100 80GB HBM3".into(),
            count: 8,
            memory_bytes: Some(85_520_809_984),
            driver: Some("550.54.15".into()),
        }],
        command_line: vec!["python".into(), "train.py".into(), "--lr=0.1".into()],
        working_directory: "/home/ann/vit".into(),
        code_directory: Some("vit".into()),
        variables: vec![
            variable("CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5,6,7"),
            variable("OMP_NUM_THREADS", "8"),
            variable("HOME", "/home/ann"),
            variable("HF_TOKEN", "hf_canary_secret_value"),
        ],
    }
}

/// Records, reads and compares environments of a project of its own. Panics when a step
/// misbehaves.
pub async fn exercise_environment_queries(graph: &Graph) {
    let project = "environment-exercise";
    super::project(graph, project).await;
    let root = graph
        .create_experiment(super::experiment(project, "1", None))
        .await
        .expect("experiment");
    graph
        .create_experiment(super::experiment(project, "2_from_1", None))
        .await
        .expect("child");
    for number in [1, 2] {
        graph
            .record_environment(project, number, report())
            .await
            .expect("recorded");
    }
    graph
        .environment(&root.id)
        .await
        .expect("read")
        .expect("a record");
    graph.environment_diff(project, 2, None).await.expect("compared");
}
