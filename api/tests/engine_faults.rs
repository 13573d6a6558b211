//! The server over FalkorDB when the engine is missing at start or goes away while it runs.

mod support;

use std::time::{Duration, Instant};

use api::config::{Config, Secret};
use serde_json::{json, Value};

const PROJECTS: &str = "{ projects { name } }";

async fn readyz(server: &support::TestServer) -> (u16, Value) {
    let response = server
        .client
        .get(format!("{}/readyz", server.url))
        .send()
        .await
        .expect("readyz answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json body"))
}

/// Posts a query and returns the HTTP status and body, whatever they are.
async fn post_graphql(server: &support::TestServer, query: &str) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_engine_at_start_is_named_with_its_url() {
    let port = testkit::free_port();
    let config = Config {
        graph: Some(Secret(format!("falkordb://:hunter2@127.0.0.1:{port}/team"))),
        bind: "127.0.0.1:0".parse().expect("address"),
        ..Config::default()
    };
    let error = match api::server::start(&config, std::future::pending()).await {
        Ok(_) => panic!("the server must not start without its engine"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("falkordb"), "{error}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(
        !error.contains("hunter2"),
        "the password stays out of errors: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_fail_retryably_while_the_engine_is_down_and_work_again_after() {
    let mut falkordb = testkit::falkordb_durable();
    let graph = format!("falkordb://127.0.0.1:{}/faults", falkordb.port());
    let server = support::start_with(|config| config.graph = Some(Secret(graph))).await;
    server.create_project("before").await;

    falkordb.stop();
    // Even checking the caller's token needs the graph: the request is refused, retryably.
    let (status, body) = post_graphql(&server, PROJECTS).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "UNAVAILABLE", "{body}");
    let (status, body) = readyz(&server).await;
    assert_eq!(status, 503, "{body}");
    let health = server
        .client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("the server stays up");
    assert_eq!(health.status(), 200);

    falkordb.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = post_graphql(&server, PROJECTS).await;
        if status == 200 && body.get("errors").is_none() {
            assert_eq!(
                body["data"]["projects"],
                json!([{ "name": "before" }]),
                "nothing acknowledged was lost"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the server did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.create_project("after").await;
    assert_eq!(readyz(&server).await.0, 200);
}

/// Reads server-sent events until one contains `wanted`, or fails after `limit`.
async fn wait_for_event(
    events: &mut (impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    wanted: &str,
    limit: Duration,
) -> String {
    let deadline = Instant::now() + limit;
    let mut received = String::new();
    while !received.contains(wanted) {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(remaining, futures::StreamExt::next(events))
            .await
            .unwrap_or_else(|_| panic!("no `{wanted}` within {limit:?}; got {received}"))
            .expect("the stream stays open")
            .expect("a chunk");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_neither_fails_writes_nor_ends_live_subscriptions() {
    let falkordb = testkit::falkordb();
    let mut redis = testkit::redis();
    let graph = format!("falkordb://127.0.0.1:{}/outage", falkordb.port());
    let redis_url = redis.redis_url();
    let server = support::start_with(|config| {
        config.graph = Some(Secret(graph));
        config.redis = Some(Secret(redis_url));
    })
    .await;
    server.create_project("vit").await;
    let mut events = server
        .client
        .get(format!("{}/api/v1/events", server.url))
        .send()
        .await
        .expect("subscribed")
        .bytes_stream();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let create = "mutation($n: String!) { createExperiment(input: {project: \"vit\", name: $n}) { number } }";
    server.ok(create, json!({ "n": "before" })).await;
    wait_for_event(&mut events, "\"number\":1", Duration::from_secs(5)).await;

    redis.stop();
    let during = server.ok(create, json!({ "n": "during" })).await;
    assert_eq!(
        during["createExperiment"]["number"], 2,
        "writes do not need redis"
    );

    redis.restart();
    // Live again within 2 s of Redis returning (RELIABILITY.md): the stream marks the gap,
    // then carries new events.
    wait_for_event(&mut events, "\"type\":\"missed\"", Duration::from_secs(2)).await;
    server.ok(create, json!({ "n": "after" })).await;
    wait_for_event(&mut events, "\"number\":3", Duration::from_secs(2)).await;
}
