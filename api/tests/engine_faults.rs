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
    let retry_after = response.headers().get("retry-after").cloned();
    let mut body: Value = response.json().await.expect("json body");
    if let Some(seconds) = retry_after {
        body["retryAfterHeader"] = json!(seconds.to_str().expect("text"));
    }
    (status, body)
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
    assert_eq!(body["retryAfterHeader"], "2", "a 503 says when to retry: {body}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_logs_on_through_s3_falkordb_and_redis_outages_and_loses_nothing() {
    use sdk::run::{Run, RunOptions};
    use support::process::ServerProcess;
    use support::Endpoint;
    use testkit::fault_proxy::{Fault, FaultProxy};

    const POINTS_PER_OUTAGE: u64 = 4_000;
    let mut falkordb = testkit::falkordb_durable();
    let mut redis = testkit::redis();
    let s3 = testkit::s3::shared();
    let bucket = s3.create_bucket();
    let s3_port = s3.port();
    // The S3 server is reached through a proxy, so it can be cut off and come back with its
    // objects (a restarted in-memory S3 would come back empty).
    let s3_proxy = FaultProxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], s3_port)));
    let (graph, redis_url, blobs, endpoint) = (
        format!("falkordb://127.0.0.1:{}/outages", falkordb.port()),
        redis.redis_url(),
        format!("s3://{bucket}/blobs"),
        s3_proxy.url(),
    );
    let server = ServerProcess::start_in(
        tempfile::tempdir().expect("temp dir"),
        &[
            ("RSDK_GRAPH", &graph),
            ("RSDK_REDIS", &redis_url),
            ("RSDK_BLOBS", &blobs),
            ("RSDK_OUTBOUND_ALLOW", "127.0.0.1"),
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ACCESS_KEY_ID", testkit::s3::S3Server::ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", testkit::s3::S3Server::SECRET_ACCESS_KEY),
            ("AWS_REGION", testkit::s3::S3Server::REGION),
        ],
    )
    .await;
    let spool = tempfile::tempdir().expect("a spool");
    let config = sdk::ClientConfig {
        server: server.base_url(),
        token: Some(support::token_in(&server.dir.path().join("client.toml"))),
        spool_dir: spool.path().to_path_buf(),
        response_timeout: Duration::from_secs(5),
    };
    let outages = tokio::task::spawn_blocking(move || {
        let run = Run::start(
            &config,
            RunOptions {
                flush_interval: Duration::from_millis(20),
                finish_timeout: Duration::from_secs(60),
                ..RunOptions::new("outages", "1")
            },
        )
        .expect("the run starts");
        let mut step = 0u64;
        let mut recoveries = Vec::new();
        for dependency in ["S3", "FalkorDB", "Redis"] {
            match dependency {
                "S3" => s3_proxy.set(Fault::Refuse),
                "FalkorDB" => falkordb.stop(),
                _ => redis.stop(),
            }
            for _ in 0..POINTS_PER_OUTAGE {
                run.log_metric("loss", 1.0 / (step + 1) as f64, Some(step), None)
                    .expect("logging never fails while a dependency is down");
                step += 1;
                if step.is_multiple_of(400) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            match dependency {
                "S3" => s3_proxy.set(Fault::Pass),
                "FalkorDB" => falkordb.restart(),
                _ => redis.restart(),
            }
            let back = Instant::now();
            let report = run.flush(Duration::from_secs(60));
            assert_eq!(
                report.pending, 0,
                "after the {dependency} outage everything is stored: {report:?}"
            );
            recoveries.push(format!("{dependency} {:.2} s", back.elapsed().as_secs_f64()));
        }
        run.finish("complete").expect("finished");
        (step, recoveries, falkordb, redis)
    })
    .await
    .expect("the run");
    let (points, recoveries, _falkordb, _redis) = outages;
    let checked = support::invariants::check(&server, "outages").await;
    assert_eq!(checked.points as u64, points, "every point once");
    println!(
        "dependency outages: S3 cut off, FalkorDB and Redis stopped and restarted during a run; {points} \
         points stored once; drained after each return in {}",
        recoveries.join(", ")
    );
}
