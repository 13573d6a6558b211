//! The metrics reliability test: `rsdk serve` is killed with SIGKILL again and again while a
//! client streams chunks and retries each until it is acknowledged. After the last restart
//! every acknowledged point is readable exactly once, and the summaries match the points.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHUNKS: u64 = 40;
const POINTS_PER_CHUNK: u64 = 250;
const KILLS: usize = 6;

/// A server process on a fixed port and data directory, restartable after a kill.
struct Server {
    port: u16,
    data: tempfile::TempDir,
    child: Option<Child>,
}

impl Server {
    fn start() -> Self {
        let mut server = Self {
            port: testkit::free_port(),
            data: tempfile::tempdir().expect("temp dir"),
            child: None,
        };
        server.spawn();
        server
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_rsdk"))
            .arg("serve")
            .env("RSDK_BIND", format!("127.0.0.1:{}", self.port))
            .env("RSDK_DATA_DIR", self.data.path().join("data"))
            .env("RSDK_CLIENT_CONFIG", self.data.path().join("client.toml"))
            .env("RSDK_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsdk serve starts");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::get(format!("{}/readyz", self.url())).await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not come back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn chunk(index: u64) -> Value {
    let points: Vec<Value> = (0..POINTS_PER_CHUNK)
        .map(|offset| {
            let step = index * POINTS_PER_CHUNK + offset;
            json!({ "metric": "loss", "step": step, "value": 1.0 / (step + 1) as f64 })
        })
        .collect();
    json!({ "chunkId": format!("chunk-{index}"), "points": points })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_point_survives_repeated_sigkills_exactly_once() {
    let mut server = Server::start();
    server.wait_ready().await;
    let client = support::client_with_token(&support::token_in(&server.data.path().join("client.toml")));
    let graphql = |query: &'static str| {
        let client = client.clone();
        let url = server.url();
        async move {
            let body: Value = client
                .post(format!("{url}/graphql"))
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].clone()
        }
    };
    graphql("mutation { createProject(input: {name: \"crash\"}) { id } }").await;
    let created =
        graphql("mutation { createExperiment(input: {project: \"crash\", name: \"1\"}) { id } }").await;
    let id = created["createExperiment"]["id"].as_str().expect("id").to_owned();

    let kill_every = CHUNKS / KILLS as u64;
    let mut kills = 0;
    let mut retries = 0;
    for index in 0..CHUNKS {
        let body = chunk(index);
        // Kill while this chunk is in flight, every few chunks, then bring the server back.
        let kill_now = index % kill_every == kill_every / 2 && kills < KILLS;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = client
                .post(format!("{}/api/v1/experiments/{id}/metrics", server.url()))
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send();
            if kill_now && attempt == 1 {
                // Whether the chunk lands before the kill or not, the retry below must be
                // acknowledged, and the chunk stored once.
                let in_flight = tokio::spawn(request);
                tokio::time::sleep(Duration::from_millis(1 + index % 7)).await;
                server.kill();
                kills += 1;
                let _ = in_flight.await;
                server.spawn();
                server.wait_ready().await;
                retries += 1;
                continue;
            }
            match request.await {
                Ok(response) if response.status().is_success() => break,
                Ok(response) => {
                    let status = response.status();
                    assert!(status.is_server_error(), "chunk {index} refused: {status}");
                }
                Err(_) => {}
            }
            retries += 1;
            assert!(attempt < 50, "chunk {index} never acknowledged");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(kills, KILLS);

    // One last crash and restart, then everything must be there once.
    server.kill();
    server.spawn();
    server.wait_ready().await;
    let read = client
        .post(format!("{}/graphql", server.url()))
        .json(&json!({ "query": "{ series(project: \"crash\", number: 1, metric: \"loss\", maxPoints: 10000) { steps values } experiment(project: \"crash\", number: 1) { measured { metric last lastStep min max count } } }" }))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    assert!(read.get("errors").is_none(), "{read}");
    let total = CHUNKS * POINTS_PER_CHUNK;
    let steps: Vec<u64> = read["data"]["series"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| step.as_u64().expect("a step"))
        .collect();
    assert_eq!(
        steps,
        (0..total).collect::<Vec<_>>(),
        "every acknowledged point, once"
    );
    for (step, value) in steps
        .iter()
        .zip(read["data"]["series"]["values"].as_array().expect("values"))
    {
        assert_eq!(value.as_f64(), Some(1.0 / (*step + 1) as f64), "step {step}");
    }
    let measured = &read["data"]["experiment"]["measured"][0];
    assert_eq!(measured["count"], total, "the summary counts the stored points");
    assert_eq!(measured["lastStep"], total - 1);
    assert_eq!(measured["last"].as_f64(), Some(1.0 / total as f64));
    assert_eq!(measured["max"].as_f64(), Some(1.0));
    assert_eq!(measured["min"].as_f64(), Some(1.0 / total as f64));
    println!("crash test: {CHUNKS} chunks, {KILLS} SIGKILLs mid-request, {retries} retries, {total} points exactly once");
}
