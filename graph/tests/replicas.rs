//! Two `Graph`s on one FalkorDB graph, each with its own connections, behave as two
//! `rsdk serve` replicas: the Redis write lease keeps their read-then-write operations
//! from interleaving, and what one replica keeps in memory for evidence never hides a change
//! the other made.

mod support;

use std::sync::Arc;

use graph::engine::{FalkorEngine, FalkorUrl, GraphUrl};
use graph::executor::Executor;
use graph::Graph;
use support::{create_concurrently, falkordb_server, project, unique_graph_name};

async fn replica(url: &str) -> Graph {
    let parsed = GraphUrl::parse(url).expect("valid url");
    let GraphUrl::FalkorDb(falkor) = &parsed else {
        panic!("a falkordb url")
    };
    let engine = FalkorEngine::connect(FalkorUrl::clone(falkor))
        .await
        .expect("falkordb answers");
    let lock = parsed
        .write_lock(None)
        .await
        .expect("the lease lives in the falkordb server");
    Graph::open_with_lock(Arc::new(engine), lock)
        .await
        .expect("schema migrates")
}

/// Two replicas of a fresh FalkorDB graph holding project `vit`.
async fn two_replicas_with_project_vit() -> (Graph, Graph) {
    let url = format!(
        "falkordb://127.0.0.1:{}/{}",
        falkordb_server().port(),
        unique_graph_name()
    );
    let (a, b) = tokio::join!(replica(&url), replica(&url));
    project(&a, "vit").await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_creating_at_once_get_distinct_consecutive_numbers() {
    let (a, b) = two_replicas_with_project_vit().await;
    let mut numbers: Vec<i64> = create_concurrently(&[a.clone(), b.clone()], "vit", 40)
        .await
        .into_iter()
        .map(|created| created.expect("created").number)
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
    let seen_by_b = b.experiments("vit", None, 100, None).await.expect("list");
    assert_eq!(seen_by_b.experiments.len(), 40, "b reads what a wrote");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_on_one_replica_sees_values_another_replica_changed() {
    use graph::model::{Direction, HypothesisBaseline, Status};
    use support::evidence::{configure_direction, hypothesis, measure, run};

    let (a, b) = two_replicas_with_project_vit().await;
    configure_direction(&a, "vit", "acc", Direction::Maximize).await;
    let root = run(&a, "vit", "1", "lr: 0.1\n", Status::Complete).await;
    let child = run(&a, "vit", "2_from_1", "lr: 0.2\n", Status::Complete).await;
    measure(&a, &root, "acc", 0.5).await;
    measure(&a, &child, "acc", 0.6).await;
    let id = hypothesis(&a, "vit", &[("acc", 1.0)], HypothesisBaseline::Parent, &[2]).await;
    let first = a.recompute_evidence(&id).await.expect("computed on a");
    assert_eq!(first.units[0].experiment_value, 0.6);

    // b records a new value and a status: a's kept values are stale and must be read again.
    measure(&b, &child, "acc", 0.9).await;
    let again = a.recompute_evidence(&id).await.expect("computed on a");
    assert_eq!(again.units[0].experiment_value, 0.9, "a sees b's summary");
    b.update_experiment(
        "vit",
        2,
        graph::model::ExperimentUpdate {
            status: Some(Status::Failed),
            ..Default::default()
        },
    )
    .await
    .expect("b marks the run failed");
    let failed = a.recompute_evidence(&id).await.expect("computed on a");
    assert!(
        failed.units[0].confidence < again.units[0].confidence,
        "a sees b's status change"
    );
}

/// Every constraint of the graph, with its state.
static CONSTRAINTS: graph::queries::Query = graph::queries::Query {
    name: "test/constraints",
    text: "CALL db.constraints() YIELD label, properties, status RETURN label, properties, status",
    writes: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_and_keys_are_unique_in_the_engine_even_without_the_lock() {
    let url = FalkorUrl::parse(&format!(
        "127.0.0.1:{}/{}",
        falkordb_server().port(),
        unique_graph_name()
    ))
    .expect("valid url");
    let engine = Arc::new(FalkorEngine::connect(url).await.expect("falkordb answers"));
    // Two "replicas" that do not coordinate: only the engine's constraints stand between them.
    let a = Graph::open(engine.clone()).await.expect("schema migrates");
    let b = Graph::open(engine.clone()).await.expect("already migrated");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = engine
            .execute(&CONSTRAINTS, graph::value::Params::new())
            .await
            .expect("listed");
        let operational = rows
            .iter()
            .all(|row| row.string("status").expect("status") == "OPERATIONAL");
        let expected = graph::schema::MIGRATIONS
            .iter()
            .flat_map(|migration| migration.indexes)
            .filter(|index| index.unique)
            .count();
        if operational && rows.len() == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "constraints not operational: {rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    project(&a, "vit").await;
    for outcome in create_concurrently(&[a.clone(), b.clone()], "vit", 20).await {
        if let Err(error) = outcome {
            assert_eq!(error.code(), "CONFLICT", "{error}");
        }
    }
    let stored = a.experiments("vit", None, 100, None).await.expect("list");
    let mut numbers: Vec<i64> = stored.experiments.iter().map(|e| e.number).collect();
    let count = numbers.len();
    numbers.dedup();
    assert_eq!(numbers.len(), count, "no number is stored twice: {numbers:?}");
}
