//! What refusing an abusive GraphQL request costs a release server: each bomb of the abuse
//! test (depth, aliases, fields, fragment spreads; `tests/support/bombs.rs`) is posted
//! anonymously 50 times over loopback to a server in this process, and the round trip —
//! sending the body, parsing, checking the limits, answering the error — is timed.
//! `RELIABILITY.md` asks for a refusal in under 10 ms, before any resolver or database call
//! (the abuse test counts those; this measures the time).
//!
//! `cargo bench -p api --bench abuse`; `RSDK_BENCH_DIR` picks the parent of the data directory.

mod support;

#[path = "../tests/support/bombs.rs"]
mod bombs;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::report::{Column, Report, Target};
use support::server::Server;

const ROUNDS: usize = 50;
const TARGET: Duration = Duration::from_millis(10);
const COLUMNS: &[Column] = &[
    Column::Measurement,
    Column::Count,
    Column::P50,
    Column::P95,
    Column::Max,
    Column::Target,
    Column::Verdict,
];

fn main() {
    support::run_on_two_workers(run());
}

async fn run() {
    let data = tempfile::tempdir_in(support::parent_dir()).expect("a data directory");
    let server = Server::start(data.path()).await;
    let anonymous = reqwest::Client::new();
    let mut report = Report::new(COLUMNS);
    for bomb in bombs::bombs() {
        let body = serde_json::to_vec(&json!({ "query": bomb.query })).expect("JSON");
        let mut durations = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let response = anonymous
                .post(format!("{}/graphql", server.url))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("an answer");
            let answer: Value = response.json().await.expect("a JSON answer");
            durations.push(started.elapsed());
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(bomb.refusal),
                "{} was not refused as expected: {answer}",
                bomb.name
            );
        }
        let name = format!("{} ({} KiB body)", bomb.name, body.len() / 1024);
        report.latency(&name, &durations, Some(Target::P50(TARGET)));
    }
    report.print();
    server.stop().await;
}
