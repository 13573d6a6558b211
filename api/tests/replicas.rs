//! Two `rsdk serve` processes sharing FalkorDB, Redis and an S3 server behave as one
//! service: a write through one is read through the other, an event published by one
//! reaches a subscriber of the other, a blob stored through one is served by the other, and
//! creations through both at once get distinct numbers.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use futures::StreamExt;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// One `rsdk serve` process, killed when dropped.
struct Replica {
    url: String,
    child: Child,
    client: reqwest::Client,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Shared {
    falkordb: testkit::Server,
    redis: testkit::Server,
    s3: testkit::s3::S3Server,
    bucket: String,
    data: tempfile::TempDir,
}

impl Shared {
    fn start() -> Self {
        let s3 = testkit::s3::server();
        let bucket = s3.create_bucket();
        Self {
            falkordb: testkit::falkordb(),
            redis: testkit::redis(),
            s3,
            bucket,
            data: tempfile::tempdir().expect("temp dir"),
        }
    }

    async fn replica(&self, name: &str) -> Replica {
        let port = testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_rsdk"))
            .arg("serve")
            .env("RSDK_BIND", format!("127.0.0.1:{port}"))
            .env("RSDK_DATA_DIR", self.data.path().join(name))
            .env(
                "RSDK_GRAPH",
                format!("falkordb://127.0.0.1:{}/shared", self.falkordb.port()),
            )
            .env("RSDK_REDIS", self.redis.redis_url())
            .env("RSDK_BLOBS", format!("s3://{}/blobs", self.bucket))
            .env("RSDK_OUTBOUND_ALLOW", "127.0.0.1")
            .env("AWS_ENDPOINT_URL", self.s3.endpoint())
            .env("AWS_ACCESS_KEY_ID", testkit::s3::S3Server::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", testkit::s3::S3Server::SECRET_ACCESS_KEY)
            .env("AWS_REGION", testkit::s3::S3Server::REGION)
            .env("RSDK_LOG", "warn")
            .env("RSDK_AUTH_SECRET", "a-secret-both-replicas-share-0123456789")
            .env("RSDK_CLIENT_CONFIG", self.data.path().join("client.toml"))
            .stdin(Stdio::null())
            .spawn()
            .expect("rsdk serve starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::get(format!("{url}/readyz")).await;
            if ready.is_ok_and(|response| response.status() == 200) {
                break;
            }
            assert!(Instant::now() < deadline, "replica {name} did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Whichever replica started first created the administrator and wrote the token; it
        // is stored in the shared graph, so it works on both.
        let token = support::token_in(&self.data.path().join("client.toml"));
        Replica {
            url,
            child,
            client: support::client_with_token(&token),
        }
    }
}

impl Replica {
    async fn ok(&self, query: &str, variables: Value) -> Value {
        let body: Value = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request is sent")
            .json()
            .await
            .expect("json body");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    async fn create_experiment(&self, project: &str, name: &str) -> i64 {
        let data = self
            .ok(
                "mutation($p: String!, $n: String!) { createExperiment(input: {project: $p, name: $n}) { number } }",
                json!({ "p": project, "n": name }),
            )
            .await;
        data["createExperiment"]["number"].as_i64().expect("a number")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_graph_events_blobs_and_numbering() {
    let shared = Shared::start();
    let (a, b) = tokio::join!(shared.replica("a"), shared.replica("b"));

    // A write through A is read through B.
    a.ok(
        "mutation { createProject(input: {name: \"vit\"}) { id } }",
        json!({}),
    )
    .await;
    let seen = b.ok("{ projects { name } }", json!({})).await;
    assert_eq!(seen["projects"], json!([{ "name": "vit" }]));

    // An event published on A reaches a subscriber on B.
    let response = b
        .client
        .get(format!("{}/api/v1/events?project=vit", b.url))
        .send()
        .await
        .expect("subscribed");
    assert_eq!(response.status(), 200);
    let mut events = response.bytes_stream();
    // The subscription is live once the response has started; give Redis a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let number = a.create_experiment("vit", "baseline").await;
    let mut received = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !received.contains("experiment_created") {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(remaining, events.next())
            .await
            .expect("the event reaches B in time")
            .expect("the stream stays open")
            .expect("a chunk");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains(&format!("\"number\":{number}")), "{received}");

    // A blob stored through A is served by B, whole and in part.
    let content: Vec<u8> = (0..300_000_u32).map(|i| (i % 251) as u8).collect();
    let digest = hex::encode(Sha256::digest(&content));
    let stored = a
        .client
        .put(format!("{}/api/v1/blobs/{digest}", a.url))
        .body(content.clone())
        .send()
        .await
        .expect("uploaded");
    assert_eq!(stored.status(), 201);
    let whole = b
        .client
        .get(format!("{}/api/v1/blobs/{digest}", b.url))
        .send()
        .await
        .expect("downloaded");
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.expect("body").as_ref(), content.as_slice());
    let part = b
        .client
        .get(format!("{}/api/v1/blobs/{digest}", b.url))
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .expect("downloaded");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("body").as_ref(), &content[1000..2000]);

    // Content that does not hash to the digest it is sent under is refused, and B has nothing.
    let claimed = hex::encode(Sha256::digest(b"the real content"));
    let forged = a
        .client
        .put(format!("{}/api/v1/blobs/{claimed}", a.url))
        .body("something else")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 422);
    let missing = b
        .client
        .head(format!("{}/api/v1/blobs/{claimed}", b.url))
        .send()
        .await
        .expect("asked");
    assert_eq!(missing.status(), 404);

    // Creations through both at once get distinct, consecutive numbers.
    let creations: Vec<_> = (0..20)
        .map(|i| {
            let replica = if i % 2 == 0 { &a } else { &b };
            async move { replica.create_experiment("vit", &format!("run {i}")).await }
        })
        .collect();
    let mut numbers = futures::future::join_all(creations).await;
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=21).collect::<Vec<_>>());
}
