//! Properties of the DAG under random sequences of creates, reparents, merges and
//! feature corrections, on a real graphdblite database: it stays acyclic, the DAG view's
//! cached parent numbers match the edges, and cached full features match a naive recomputation.

mod support;

use std::collections::{HashMap, HashSet};

use graph::model::{NewExperiment, ParentRef};
use graph::Graph;
use proptest::prelude::*;
use support::{experiment, naive_full_features, project, test_graph_on, Engine};

#[derive(Debug, Clone)]
enum Operation {
    /// Create under the experiment at this index (modulo the count), or as a root.
    Create {
        parent: Option<usize>,
        key: u8,
        value: i64,
    },
    Reparent {
        child: usize,
        parent: Option<usize>,
    },
    Merge {
        child: usize,
        parent: usize,
    },
    Correct {
        target: usize,
        key: u8,
        value: i64,
    },
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        3 => (proptest::option::weighted(0.8, any::<usize>()), 0u8..4, -3i64..3)
            .prop_map(|(parent, key, value)| Operation::Create { parent, key, value }),
        2 => (any::<usize>(), proptest::option::weighted(0.8, any::<usize>()))
            .prop_map(|(child, parent)| Operation::Reparent { child, parent }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(child, parent)| Operation::Merge { child, parent }),
        1 => (any::<usize>(), 0u8..4, -3i64..3).prop_map(|(target, key, value)| Operation::Correct { target, key, value }),
    ]
}

fn features_text(key: u8, value: i64) -> String {
    format!("common:\n  depth: 3\nk{key}:\n  value: {value}\n")
}

/// Fails the property when the project's parent edges contain a cycle.
async fn assert_acyclic(graph: &Graph) {
    let dag = graph.dag("p").await.expect("dag");
    let mut parents: HashMap<i64, Vec<i64>> = HashMap::new();
    for edge in &dag.edges {
        parents.entry(edge.to).or_default().push(edge.from);
    }
    // Kahn's algorithm: every node must be removable.
    let mut remaining: HashMap<i64, usize> = dag.nodes.iter().map(|n| (n.number, 0)).collect();
    for edge in &dag.edges {
        *remaining.get_mut(&edge.from).expect("edge ends at a node") += 1;
    }
    let mut ready: Vec<i64> = remaining
        .iter()
        .filter(|(_, c)| **c == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut removed = HashSet::new();
    while let Some(node) = ready.pop() {
        removed.insert(node);
        for parent in parents.get(&node).into_iter().flatten() {
            let count = remaining.get_mut(parent).expect("parent is a node");
            *count -= 1;
            if *count == 0 {
                ready.push(*parent);
            }
        }
    }
    assert_eq!(
        removed.len(),
        dag.nodes.len(),
        "the DAG has a cycle: {:?}",
        dag.edges
    );
}

async fn run(engine: Engine, operations: Vec<Operation>) {
    let t = test_graph_on(engine).await.expect("engine available");
    project(&t.graph, "p").await;
    let mut numbers: Vec<i64> = Vec::new();
    let pick = |numbers: &[i64], index: usize| numbers[index % numbers.len()];
    for operation in operations {
        match operation {
            Operation::Create { parent, key, value } => {
                let parent = parent
                    .filter(|_| !numbers.is_empty())
                    .map(|i| ParentRef::Number(pick(&numbers, i)));
                let input = NewExperiment {
                    parent,
                    ..experiment(
                        "p",
                        &format!("run {}", numbers.len()),
                        Some(&features_text(key, value)),
                    )
                };
                numbers.push(
                    t.graph
                        .create_experiment(input)
                        .await
                        .expect("create succeeds")
                        .number,
                );
            }
            Operation::Reparent { child, parent } if !numbers.is_empty() => {
                let parent = parent.map(|i| pick(&numbers, i));
                if let Err(error) = t.graph.reparent("p", pick(&numbers, child), parent).await {
                    assert_eq!(error.code(), "CYCLE", "only cycles are refused: {error}");
                }
            }
            Operation::Merge { child, parent } if !numbers.is_empty() => {
                if let Err(error) = t
                    .graph
                    .add_merge_parent("p", pick(&numbers, child), pick(&numbers, parent))
                    .await
                {
                    assert!(
                        matches!(error.code(), "CYCLE" | "CONFLICT"),
                        "unexpected refusal: {error}"
                    );
                }
            }
            Operation::Correct { target, key, value } if !numbers.is_empty() => {
                let text = features_text(key, value);
                if let Err(error) = t.graph.update_features("p", pick(&numbers, target), &text).await {
                    assert_eq!(
                        error.code(),
                        "CONFLICT",
                        "only inapplicable descendants refuse: {error}"
                    );
                }
            }
            _ => {}
        }
        assert_acyclic(&t.graph).await;
    }
    let dag = t.graph.dag("p").await.expect("dag");
    for number in numbers {
        let stored = t.graph.experiment("p", number).await.expect("exists");
        let mut from_edges: Vec<i64> = t
            .graph
            .parents(&stored)
            .await
            .expect("parents")
            .iter()
            .map(|p| p.number)
            .collect();
        let mut from_cache: Vec<i64> = dag
            .edges
            .iter()
            .filter(|e| e.to == number)
            .map(|e| e.from)
            .collect();
        from_edges.sort_unstable();
        from_cache.sort_unstable();
        assert_eq!(
            from_cache, from_edges,
            "cached parent numbers of #{number} match its edges"
        );
        let cached = t.graph.features(&stored).await.expect("features").full;
        assert_eq!(
            cached,
            naive_full_features(&t.graph, "p", number).await,
            "experiment #{number}"
        );
    }
}

fn on(engine: Engine, operations: Vec<Operation>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(engine, operations));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_keep_the_dag_acyclic_and_cached_features_exact(
        operations in proptest::collection::vec(operation(), 1..30)
    ) {
        on(Engine::Embedded, operations);
    }

    #[test]
    fn random_edits_keep_the_dag_acyclic_and_cached_features_exact_on_falkordb(
        operations in proptest::collection::vec(operation(), 1..30)
    ) {
        on(Engine::FalkorDb, operations);
    }
}
