//! GraphQL subscriptions through the real server and a real WebSocket client: the points of
//! each new metric chunk, a project's events, and every refusal (no credential, a bad one, a
//! project the caller may not read).

mod support;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const METRIC_POINTS: &str = "subscription($p: String!, $n: Int!) { metricPoints(project: $p, number: $n) { chunkSequence points { metric step value } } }";
const PROJECT_EVENTS: &str =
    "subscription($p: String!) { projectEvents(project: $p) { kind number lastStep metrics } }";

/// How long a message may take to arrive.
const PATIENCE: Duration = Duration::from_secs(10);

/// What the server sent next.
#[derive(Debug)]
enum Received {
    Message(Value),
    /// The server closed the connection, with its close code and reason.
    Closed(u16, String),
    /// Nothing within the wait.
    Nothing,
}

/// One WebSocket connection to `/graphql/ws`.
struct Connection {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Connection {
    /// Opens a connection speaking `protocol` (`graphql-transport-ws` or `graphql-ws`).
    async fn open(server: &support::TestServer, protocol: &'static str) -> Self {
        let url = format!("{}/graphql/ws", server.url.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("a WebSocket request");
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static(protocol));
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the server upgrades the connection");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|value| value.to_str().ok()),
            Some(protocol),
            "the server speaks the protocol asked for"
        );
        Self { socket }
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("the message is sent");
    }

    /// Sends `connection_init` with `payload` and answers what came back.
    async fn init(&mut self, payload: Value) -> Received {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.receive(PATIENCE).await
    }

    /// A `graphql-transport-ws` connection acknowledged for `token`.
    async fn signed_in(server: &support::TestServer, token: &str) -> Self {
        let mut connection = Self::open(server, "graphql-transport-ws").await;
        let answer = connection
            .init(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        match answer {
            Received::Message(message) if message["type"] == "connection_ack" => connection,
            other => panic!("the connection is not acknowledged: {other:?}"),
        }
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(
            json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
        )
        .await;
    }

    /// The next text message (pings answered and skipped), a close, or nothing within `wait`.
    async fn receive(&mut self, wait: Duration) -> Received {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Received::Nothing,
                Ok(next) => next,
            };
            match next {
                None | Some(Err(_)) => return Received::Closed(1006, String::new()),
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("a JSON message");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Received::Message(message);
                }
                Some(Ok(Message::Close(frame))) => {
                    return match frame {
                        Some(frame) => Received::Closed(frame.code.into(), frame.reason.to_string()),
                        None => Received::Closed(1005, String::new()),
                    };
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The `payload` of the next `next` message of subscription `id`.
    async fn next_payload(&mut self, id: &str) -> Value {
        match self.receive(PATIENCE).await {
            Received::Message(message) if message["type"] == "next" && message["id"] == id => {
                message["payload"].clone()
            }
            other => panic!("expected the next result of {id}, got {other:?}"),
        }
    }
}

/// The id of experiment `number` of `project`.
async fn experiment_id(server: &support::TestServer, project: &str, number: i64) -> String {
    let data = server
        .ok(
            "query($p: String!, $n: Int!) { experiment(project: $p, number: $n) { id } }",
            json!({ "p": project, "n": number }),
        )
        .await;
    data["experiment"]["id"].as_str().expect("an id").to_owned()
}

/// Posts a JSON chunk as the administrator, which stores it; answers its sequence.
async fn stored_chunk(server: &support::TestServer, experiment: &str, chunk: &Value) -> i64 {
    let response = support::metrics::post_chunk(server, experiment, chunk)
        .await
        .expect("sent");
    assert_eq!(response.status(), 201, "the chunk is stored");
    let ack: Value = response.json().await.expect("an acknowledgement");
    ack["sequence"].as_i64().expect("a sequence")
}

/// Posts throwaway chunks to `experiment` until subscription `id` delivers one, so the
/// subscription is known to listen (it starts asynchronously after `subscribe`).
async fn until_live(server: &support::TestServer, connection: &mut Connection, id: &str, experiment: &str) {
    for attempt in 0..50 {
        let chunk = json!({ "chunkId": format!("warm-up-{attempt}"), "points": [{ "metric": "warm_up", "step": attempt, "value": 0.0 }] });
        stored_chunk(server, experiment, &chunk).await;
        match connection.receive(Duration::from_millis(200)).await {
            Received::Message(message) if message["type"] == "next" && message["id"] == id => {
                assert!(message["payload"].get("errors").is_none(), "{message}");
                // Batches of earlier warm-up chunks may still be on their way.
                while let Received::Message(_) = connection.receive(Duration::from_millis(300)).await {}
                return;
            }
            Received::Nothing => continue,
            other => panic!("while waiting for {id} to listen: {other:?}"),
        }
    }
    panic!("subscription {id} never delivered anything");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metric_points_deliver_exactly_each_new_chunk_of_the_experiment() {
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_experiment("vit", "1", None).await;
    server.create_experiment("vit", "2", None).await;
    let first = experiment_id(&server, "vit", 1).await;
    let second = experiment_id(&server, "vit", 2).await;

    let mut connection = Connection::signed_in(&server, &server.admin_token).await;
    connection
        .subscribe("points", METRIC_POINTS, json!({ "p": "vit", "n": 1 }))
        .await;
    until_live(&server, &mut connection, "points", &first).await;

    // Another experiment's chunk is not delivered; this one's is, exactly (de-duplicated, by
    // metric then step, a diverged loss as "NaN").
    let other = json!({ "chunkId": "other", "points": [{ "metric": "loss", "step": 0, "value": 9.0 }] });
    stored_chunk(&server, &second, &other).await;
    let chunk = json!({ "chunkId": "c1", "points": [
        { "metric": "loss", "step": 0, "value": 1.0 },
        { "metric": "loss", "step": 1, "value": 0.7 },
        { "metric": "loss", "step": 1, "value": 0.5 },
        { "metric": "loss", "step": 2, "value": "NaN" },
        { "metric": "accuracy", "step": 2, "value": 0.9 },
    ]});
    let sequence = stored_chunk(&server, &first, &chunk).await;
    let payload = connection.next_payload("points").await;
    assert!(payload.get("errors").is_none(), "{payload}");
    assert_eq!(
        payload["data"]["metricPoints"],
        json!({
            "chunkSequence": sequence,
            "points": [
                { "metric": "accuracy", "step": 2, "value": 0.9 },
                { "metric": "loss", "step": 0, "value": 1.0 },
                { "metric": "loss", "step": 1, "value": 0.5 },
                { "metric": "loss", "step": 2, "value": "NaN" },
            ],
        })
    );

    // A retried chunk stores nothing and delivers nothing; the next chunk comes next.
    let response = server
        .client
        .post(format!("{}/api/v1/experiments/{first}/metrics", server.url))
        .json(&chunk)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "a retry is acknowledged again");
    let next = json!({ "chunkId": "c2", "points": [{ "metric": "loss", "step": 3, "value": 0.25 }] });
    let next_sequence = stored_chunk(&server, &first, &next).await;
    let payload = connection.next_payload("points").await;
    assert_eq!(
        payload["data"]["metricPoints"],
        json!({ "chunkSequence": next_sequence, "points": [{ "metric": "loss", "step": 3, "value": 0.25 }] })
    );
    assert!(
        matches!(
            connection.receive(Duration::from_millis(300)).await,
            Received::Nothing
        ),
        "nothing else arrives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_events_carry_only_that_projects_changes() {
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_project("other").await;
    let mut connection = Connection::signed_in(&server, &server.admin_token).await;
    connection
        .subscribe("events", PROJECT_EVENTS, json!({ "p": "vit" }))
        .await;
    // The subscription starts asynchronously: make experiments until it reports one.
    let mut made = 0;
    loop {
        assert!(made < 50, "the subscription never reported a created experiment");
        server
            .create_experiment("vit", &format!("warm-up-{made}"), None)
            .await;
        made += 1;
        if let Received::Message(message) = connection.receive(Duration::from_millis(200)).await {
            assert_eq!(
                message["payload"]["data"]["projectEvents"]["kind"],
                "experiment_created"
            );
            break;
        }
    }
    // Drain the reports of experiments made while it started.
    while let Received::Message(_) = connection.receive(Duration::from_millis(300)).await {}

    server.create_experiment("other", "elsewhere", None).await;
    let created = server.create_experiment("vit", "watched", None).await;
    let number = created["number"].as_i64().expect("a number");
    let payload = connection.next_payload("events").await;
    assert_eq!(
        payload["data"]["projectEvents"],
        json!({ "kind": "experiment_created", "number": number, "lastStep": null, "metrics": null }),
        "another project's experiment is not reported"
    );

    let id = created["id"].as_str().expect("an id");
    let chunk = json!({ "chunkId": "c1", "points": [
        { "metric": "loss", "step": 4, "value": 1.0 },
        { "metric": "accuracy", "step": 7, "value": 0.5 },
    ]});
    stored_chunk(&server, id, &chunk).await;
    let payload = connection.next_payload("events").await;
    assert_eq!(
        payload["data"]["projectEvents"],
        json!({ "kind": "metrics_appended", "number": number, "lastStep": 7, "metrics": ["accuracy", "loss"] })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_without_or_with_a_bad_credential_are_refused() {
    let server = support::start().await;
    let refusals = [
        ("no payload", Value::Null),
        ("no credential", json!({})),
        (
            "an unknown API token",
            json!({ "Authorization": "Bearer rsdk_nope_0123456789" }),
        ),
        (
            "a forged access token",
            json!({ "authorization": "Bearer not.a.jwt" }),
        ),
        ("no bearer", json!({ "Authorization": server.admin_token })),
    ];
    for (why, payload) in refusals {
        let mut connection = Connection::open(&server, "graphql-transport-ws").await;
        match connection.init(payload).await {
            Received::Closed(code, reason) => {
                assert_eq!(code, 1002, "{why}: {reason}");
                assert!(reason.starts_with("UNAUTHENTICATED: "), "{why}: {reason}");
            }
            other => panic!("{why}: the connection is not refused: {other:?}"),
        }
        // The older protocol answers with a connection error.
        let mut connection = Connection::open(&server, "graphql-ws").await;
        let payload = if why == "no payload" {
            json!({})
        } else {
            json!({ "authorization": "Bearer rsdk_nope_0123456789" })
        };
        match connection.init(payload).await {
            Received::Message(message) => {
                assert_eq!(message["type"], "connection_error", "{why}: {message}");
                let text = message["payload"]["message"].as_str().unwrap_or_default();
                assert!(text.starts_with("UNAUTHENTICATED: "), "{why}: {message}");
            }
            other => panic!("{why}: graphql-ws: the connection is not refused: {other:?}"),
        }
    }
    // Subscribing without `connection_init` is refused too.
    let mut connection = Connection::open(&server, "graphql-transport-ws").await;
    connection
        .subscribe("early", PROJECT_EVENTS, json!({ "p": "vit" }))
        .await;
    assert!(
        matches!(connection.receive(PATIENCE).await, Received::Closed(..)),
        "no subscription before the handshake"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_who_cannot_read_the_project_gets_not_found_and_no_data() {
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_experiment("vit", "1", None).await;
    let password = "pw-olive-Canary-5t7u1w";
    server
        .ok(
            "mutation($p: String!) { createUser(input: {email: \"olive@subs.test\", displayName: \"Olive\", password: $p}) { id } }",
            json!({ "p": password }),
        )
        .await;
    let login = server
        .ok(
            "mutation($p: String!) { login(email: \"olive@subs.test\", password: $p) { accessToken } }",
            json!({ "p": password }),
        )
        .await;
    let token = login["login"]["accessToken"].as_str().expect("an access token");

    let mut connection = Connection::signed_in(&server, token).await;
    let cases = [
        ("points", METRIC_POINTS, json!({ "p": "vit", "n": 1 })),
        ("events", PROJECT_EVENTS, json!({ "p": "vit" })),
        ("ghost", PROJECT_EVENTS, json!({ "p": "ghost" })),
    ];
    let mut answers = Vec::new();
    for (id, query, variables) in cases {
        connection.subscribe(id, query, variables).await;
        let payload = connection.next_payload(id).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{id}: {payload}"
        );
        assert!(payload["data"].is_null(), "{id}: no data: {payload}");
        match connection.receive(PATIENCE).await {
            Received::Message(message) => {
                assert_eq!(message, json!({ "type": "complete", "id": id }))
            }
            other => panic!("{id}: the refused subscription is not completed: {other:?}"),
        }
        answers.push(
            payload["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(
        answers[1].replace("vit", "ghost"),
        answers[2],
        "an unreadable project answers like a missing one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_a_running_subscription_within_five_seconds() {
    let server = support::start().await;
    server.create_project("vit").await;
    server
        .ok(
            "mutation { createUser(input: {email: \"hal@example.org\", displayName: \"Hal\", password: \"correct horse battery staple\", siteAdmin: true}) { id } }",
            json!({}),
        )
        .await;
    let session = server
        .anonymous
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": "mutation { login(email: \"hal@example.org\", password: \"correct horse battery staple\") { accessToken refreshToken } }" }))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    let access = session["data"]["login"]["accessToken"]
        .as_str()
        .expect("signed in")
        .to_owned();
    let refresh = session["data"]["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let mut connection = Connection::signed_in(&server, &access).await;
    connection
        .subscribe("events", PROJECT_EVENTS, json!({ "p": "vit" }))
        .await;
    server
        .ok(
            "mutation($r: String!) { logout(refreshToken: $r) }",
            json!({ "r": refresh }),
        )
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match connection.receive(Duration::from_millis(250)).await {
            Received::Message(message) if message["type"] == "complete" => break,
            Received::Closed(..) => break,
            _ => {}
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the subscription outlived the logout by 5 s"
        );
    }
}

/// 200 live subscribers on one run: how long after a chunk is posted each of them has its
/// points (the point-to-screen latency of `RELIABILITY.md`, less the browser's paint).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_subscribers_each_get_every_chunk_within_half_a_second() {
    const SUBSCRIBERS: usize = 200;
    const CHUNKS: u64 = 20;
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_experiment("vit", "1", None).await;
    let experiment = experiment_id(&server, "vit", 1).await;

    // Each subscriber reads on its own task and reports (subscriber, metric, step, when).
    let (report, mut reports) = tokio::sync::mpsc::unbounded_channel();
    for subscriber in 0..SUBSCRIBERS {
        let mut connection = Connection::signed_in(&server, &server.admin_token).await;
        connection
            .subscribe("points", METRIC_POINTS, json!({ "p": "vit", "n": 1 }))
            .await;
        let report = report.clone();
        tokio::spawn(async move {
            while let Received::Message(message) = connection.receive(Duration::from_secs(60)).await {
                let received = std::time::Instant::now();
                let points = message["payload"]["data"]["metricPoints"]["points"].clone();
                for point in points.as_array().into_iter().flatten() {
                    let metric = point["metric"].as_str().unwrap_or_default().to_owned();
                    let step = point["step"].as_u64().expect("a step");
                    if report.send((subscriber, metric, step, received)).is_err() {
                        return;
                    }
                }
            }
        });
    }
    drop(report);

    // Warm up until every subscription listens (each starts asynchronously).
    let mut listening = std::collections::HashSet::new();
    for attempt in 0..100u64 {
        let chunk = json!({ "chunkId": format!("warm-up-{attempt}"), "points": [{ "metric": "warm_up", "step": attempt, "value": 0.0 }] });
        stored_chunk(&server, &experiment, &chunk).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        while let Ok((subscriber, _, _, _)) = reports.try_recv() {
            listening.insert(subscriber);
        }
        if listening.len() == SUBSCRIBERS {
            break;
        }
    }
    assert_eq!(listening.len(), SUBSCRIBERS, "every subscription listens");
    tokio::time::sleep(Duration::from_millis(500)).await;
    while reports.try_recv().is_ok() {}

    let mut sent = Vec::new();
    for step in 0..CHUNKS {
        let chunk = json!({ "chunkId": format!("timed-{step}"), "points": [{ "metric": "latency", "step": step, "value": step as f64 }] });
        sent.push(std::time::Instant::now());
        stored_chunk(&server, &experiment, &chunk).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut latencies = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while latencies.len() < SUBSCRIBERS * CHUNKS as usize {
        let Ok(Some((subscriber, metric, step, received))) =
            tokio::time::timeout_at(deadline, reports.recv()).await
        else {
            break;
        };
        if metric == "latency" {
            assert!(
                seen.insert((subscriber, step)),
                "subscriber {subscriber} got step {step} twice"
            );
            latencies.push(received - sent[step as usize]);
        }
    }
    assert_eq!(
        latencies.len(),
        SUBSCRIBERS * CHUNKS as usize,
        "every subscriber got every chunk"
    );
    latencies.sort();
    let at = |fraction: f64| latencies[((latencies.len() - 1) as f64 * fraction).round() as usize];
    let (p50, p95, max) = (at(0.5), at(0.95), at(1.0));
    assert!(p95 <= Duration::from_millis(500), "p95 {p95:?}");
    println!(
        "200 subscribers: {} deliveries, chunk posted to points received p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        latencies.len(),
        p50.as_secs_f64() * 1000.0,
        p95.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
}
