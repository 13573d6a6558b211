//! All or nothing, wherever the process dies: for each operation that writes (an experiment
//! creation with its features and edges, a metric chunk, a file upload, a compaction job, an
//! evidence recomputation job, a garbage collection of file contents),
//! the server is first run with a failpoint trace to learn every write, fsync, rename and
//! commit the operation passes (`graph::failpoint`), then, for each of them in turn, started
//! over a copy of the same data with `RSDK_CRASH_AT` so that it aborts exactly there.
//! After each crash the server is started again and
//! - the operation's effect is wholly there or wholly absent,
//! - retrying it (as a client does) leaves it there exactly once,
//! - the graph invariants hold (acyclic, feature caches, manifests and blobs, summaries and
//!   points, files and their contents),
//! - a collection then finds the blobs the crash left without a record (its figure of leaked
//!   blobs) and deletes them, and everything above still reads back.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use graph::failpoint;
use serde_json::{json, Value};
use support::files::{self, sha, try_upload};
use support::metrics::post_chunk;
use support::process::ServerProcess;
use support::{invariants, Endpoint};

const PROJECT: &str = "sweep";
const POINTS_PER_CHUNK: u64 = 50;
const WEIGHTS: &[u8] = &[7; 40_000];
const NOTES: &[u8] = b"lr 0.2 diverged at step 40\n";
const NEW_FEATURES: &str = "lr: 0.2\nmodel: {depth: 3, width: 64}\n";
/// Uploaded to #3 and never committed: what a collection deletes.
const ABANDONED: &[u8] = &[3; 20_000];
const HYPOTHESIS: &str =
    "mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }";
const EVIDENCE: &str = "query($id: ID!) { hypothesis(id: $id) { evidence { units { direction } } } }";
/// The points of a write that deletes nothing.
const WRITES: &[&str] = &[
    failpoint::BLOB_WRITTEN,
    failpoint::BLOB_SYNCED,
    failpoint::BLOB_RENAMED,
    failpoint::GRAPH_COMMIT,
    failpoint::GRAPH_COMMITTED,
];
/// SIGABRT: how `std::process::abort` ends a process.
const ABORTED: i32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    /// `createExperiment` of #5 as a child of #1 with new features.
    Create,
    /// A metric chunk for the running #2.
    Chunk,
    /// Two files committed to #2.
    Upload,
    /// #3 (three chunks) completes, which queues the compaction job of its chunks.
    Compact,
    /// `loss` becomes maximized, which queues the recomputation of the hypothesis on #3.
    Recompute,
    /// A collection of file contents (grace 0) deletes the one #3 never committed.
    Collect,
}

/// A stopped server with the project every operation starts from, and its experiments' ids.
struct Prepared {
    server: ServerProcess,
    running: String,
    finishing: String,
    /// The hypothesis about `loss` linked to #3.
    hypothesis: String,
}

fn chunk_body(chunk_id: &str, first_step: u64) -> Value {
    let points: Vec<Value> = (first_step..first_step + POINTS_PER_CHUNK)
        .flat_map(|step| {
            [
                json!({ "metric": "loss", "step": step, "value": 1.0 / (step + 1) as f64 }),
                json!({ "metric": "acc", "step": step, "value": step as f64 / 1000.0 }),
            ]
        })
        .collect();
    json!({ "chunkId": chunk_id, "points": points })
}

async fn ok(server: &ServerProcess, query: &str, variables: Value) -> Value {
    let body = server.try_graphql(query, variables).await.expect("an answer");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// Runs a mutation once; `Err` when it was not answered or answered with errors.
async fn mutate(server: &ServerProcess, query: &str, variables: Value) -> Result<(), String> {
    let body = server.try_graphql(query, variables).await.ok_or("no answer")?;
    match body.get("errors") {
        None => Ok(()),
        Some(errors) => Err(errors.to_string()),
    }
}

/// Posts a chunk once; `Err` when it was not acknowledged.
async fn send_chunk(server: &ServerProcess, experiment: &str, body: &Value) -> Result<(), String> {
    let response = post_chunk(server, experiment, body).await?;
    match response.status().is_success() {
        true => Ok(()),
        false => Err(format!("{}", response.status())),
    }
}

async fn prepare() -> Prepared {
    let mut server = ServerProcess::start().await;
    ok(
        &server,
        "mutation { createProject(input: {name: \"sweep\"}) { id } }",
        json!({}),
    )
    .await;
    let create = "mutation($name: String!, $features: String, $parent: Int) {
        createExperiment(input: {project: \"sweep\", name: $name, features: $features,
            parentNumber: $parent, status: RUNNING}) { id } }";
    let first = ok(
        &server,
        create,
        json!({ "name": "1", "features": "lr: 0.1\nmodel: {depth: 2}\n" }),
    )
    .await;
    let first = first["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let running = ok(&server, create, json!({ "name": "2", "parent": 1 })).await;
    let finishing = ok(&server, create, json!({ "name": "3", "parent": 1 })).await;
    let running = running["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let finishing = finishing["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    for index in 0..3 {
        let body = chunk_body(&format!("setup-{index}"), index * POINTS_PER_CHUNK);
        send_chunk(&server, &finishing, &body)
            .await
            .expect("a setup chunk");
    }
    send_chunk(&server, &first, &chunk_body("setup-root", 0))
        .await
        .expect("a setup chunk");
    let (status, body) = files::put(&server, &finishing, "abandoned.bin", ABANDONED, &sha(ABANDONED)).await;
    assert_eq!(status, 201, "{body}");
    ok(
        &server,
        "mutation { setMetricConfig(project: \"sweep\", config: {name: \"loss\", direction: MINIMIZE, aggregation: LAST}) { name } }",
        json!({}),
    )
    .await;
    let input = json!({ "project": PROJECT, "title": "Lower lr, lower loss",
        "targets": [{ "metric": "loss", "weight": 1.0 }], "baseline": { "kind": "PARENT" } });
    let created = ok(&server, HYPOTHESIS, json!({ "input": input })).await;
    let hypothesis = created["createHypothesis"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    ok(
        &server,
        "mutation($id: ID!) { linkExperiments(id: $id, numbers: [3]) { id } }",
        json!({ "id": hypothesis }),
    )
    .await;
    assert_eq!(evidence_direction(&server, &hypothesis, None).await, "MINIMIZE");
    assert!(server.stop().success(), "the server stops cleanly");
    Prepared {
        server,
        running,
        finishing,
        hypothesis,
    }
}

/// The direction the hypothesis' evidence was computed with, once it is `expected` (any when
/// `None`); fails after 30 s.
async fn evidence_direction(server: &ServerProcess, hypothesis: &str, expected: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let data = ok(server, EVIDENCE, json!({ "id": hypothesis })).await;
        let direction = data["hypothesis"]["evidence"]["units"][0]["direction"].as_str();
        match (direction, expected) {
            (Some(direction), None) => return direction.to_owned(),
            (Some(direction), Some(expected)) if direction == expected => return direction.to_owned(),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "the evidence never became {expected:?}: {data}\nthe server logged:\n{}",
            server.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the blob store holds `content`.
async fn blob_stored(server: &ServerProcess, content: &[u8]) -> bool {
    let response = server
        .http()
        .head(format!("{}/api/v1/blobs/{}", server.base_url(), sha(content)))
        .send()
        .await
        .expect("an answer");
    match response.status().as_u16() {
        200 => true,
        404 => false,
        status => panic!("HEAD of a blob answered {status}"),
    }
}

/// Whether the graph records `ABANDONED` (a plan naming it does not ask for it).
async fn abandoned_recorded(server: &ServerProcess, finishing: &str) -> bool {
    let manifest = json!({ "files": [files::entry("abandoned.bin", ABANDONED, "application/octet-stream")] });
    let (status, plan) = files::post(server, finishing, "plan", &manifest).await;
    assert_eq!(status, 200, "{plan}");
    plan["lacking"].as_array().expect("lacking").is_empty()
}

impl Prepared {
    /// Runs `operation` once; `Err` when it was not acknowledged.
    async fn perform(&self, server: &ServerProcess, operation: Operation) -> Result<(), String> {
        match operation {
            Operation::Create => {
                mutate(
                    server,
                    "mutation($features: String!) { createExperiment(input: {project: \"sweep\",
                        name: \"5_from_1\", features: $features}) { number } }",
                    json!({ "features": NEW_FEATURES }),
                )
                .await
            }
            Operation::Chunk => send_chunk(server, &self.running, &chunk_body("live", 0)).await,
            Operation::Upload => {
                let files: [(&str, &[u8]); 2] = [("model/weights.bin", WEIGHTS), ("notes.txt", NOTES)];
                try_upload(server, &self.running, &files).await
            }
            Operation::Compact => {
                mutate(
                    server,
                    "mutation { updateExperiment(project: \"sweep\", number: 3,
                        input: {status: COMPLETE}) { status } }",
                    json!({}),
                )
                .await
            }
            Operation::Recompute => {
                mutate(
                    server,
                    "mutation { setMetricConfig(project: \"sweep\", config: {name: \"loss\",
                        direction: MAXIMIZE, aggregation: LAST}) { name } }",
                    json!({}),
                )
                .await
            }
            Operation::Collect => mutate(server, COLLECT, json!({})).await,
        }
    }

    /// Whether the operation's effect is there: wholly (`true`) or not at all (`false`);
    /// panics on anything in between.
    async fn landed(&self, server: &ServerProcess, operation: Operation) -> bool {
        match operation {
            Operation::Create => {
                let body = server
                    .try_graphql(
                        "{ experiment(project: \"sweep\", number: 5) { name parent { number } featuresFull } }",
                        json!({}),
                    )
                    .await
                    .expect("an answer");
                if body["errors"][0]["extensions"]["code"] == "NOT_FOUND" {
                    return false;
                }
                let created = &body["data"]["experiment"];
                assert_eq!(created["parent"]["number"], 1, "{created}");
                assert_eq!(
                    created["featuresFull"],
                    json!({ "lr": 0.2, "model": { "depth": 3, "width": 64 } }),
                    "{created}"
                );
                true
            }
            Operation::Chunk => {
                let count = measured_count(server, 2).await;
                assert!(
                    count == 0 || count == POINTS_PER_CHUNK,
                    "half a chunk: {count} points"
                );
                count == POINTS_PER_CHUNK
            }
            Operation::Upload => {
                let data = ok(
                    server,
                    "{ files(project: \"sweep\", number: 2) { entries { path } } }",
                    json!({}),
                )
                .await;
                let paths: BTreeSet<&str> = data["files"]["entries"]
                    .as_array()
                    .expect("entries")
                    .iter()
                    .map(|entry| entry["path"].as_str().expect("a path"))
                    .collect();
                assert!(
                    paths.is_empty() || paths == BTreeSet::from(["model/weights.bin", "notes.txt"]),
                    "half a commit: {paths:?}"
                );
                !paths.is_empty()
            }
            Operation::Compact => {
                // Compacted or not, #3 keeps every point once (the invariants read them).
                assert_eq!(measured_count(server, 3).await, 3 * POINTS_PER_CHUNK);
                let data = ok(
                    server,
                    "{ experiment(project: \"sweep\", number: 3) { status } }",
                    json!({}),
                )
                .await;
                data["experiment"]["status"] == "COMPLETE"
            }
            Operation::Recompute => {
                let data = ok(
                    server,
                    "{ metricConfigs(project: \"sweep\") { name direction } }",
                    json!({}),
                )
                .await;
                let configs = data["metricConfigs"].as_array().expect("configs");
                let loss = configs
                    .iter()
                    .find(|config| config["name"] == "loss")
                    .expect("loss is configured");
                loss["direction"] == "MAXIMIZE"
            }
            Operation::Collect => {
                let recorded = abandoned_recorded(server, &self.finishing).await;
                // A record never outlives its blob; a blob may outlive its record (an orphan
                // the next collection deletes).
                assert!(
                    !recorded || blob_stored(server, ABANDONED).await,
                    "the record of a content whose blob is gone"
                );
                !recorded
            }
        }
    }

    /// What must hold once the retried operation and the work it queued are done.
    async fn settled(&self, server: &ServerProcess, operation: Operation) {
        match operation {
            Operation::Compact => settle_jobs(server).await,
            Operation::Recompute => {
                evidence_direction(server, &self.hypothesis, Some("MAXIMIZE")).await;
            }
            Operation::Collect => assert!(
                !blob_stored(server, ABANDONED).await,
                "the collected content's blob is deleted"
            ),
            Operation::Create | Operation::Chunk | Operation::Upload => {}
        }
    }
}

/// A collection of everything unused, at once; answers what it deleted.
const COLLECT: &str = "mutation { collectFileGarbage(graceSeconds: 0) { deleted orphans } }";

/// Points of `loss` of experiment `number`, by its summary.
async fn measured_count(server: &ServerProcess, number: i64) -> u64 {
    let data = ok(
        server,
        "query($number: Int!) { experiment(project: \"sweep\", number: $number) { measured { metric count } } }",
        json!({ "number": number }),
    )
    .await;
    let measured = data["experiment"]["measured"].as_array().expect("measured");
    measured
        .iter()
        .find(|summary| summary["metric"] == "loss")
        .map_or(0, |summary| summary["count"].as_u64().expect("a count"))
}

/// Waits until the trace has not grown for a while: the operation and the work it queued are
/// done.
async fn settle(trace: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = std::fs::metadata(trace).map_or(0, |meta| meta.len());
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_millis(1500) {
        assert!(Instant::now() < deadline, "the server never went quiet");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = std::fs::metadata(trace).map_or(0, |meta| meta.len());
        if now != last {
            (last, quiet_since) = (now, Instant::now());
        }
    }
}

fn read_trace(trace: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(trace)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The failpoints `operation` passes, each as `NAME#K` (its K-th pass since the start).
async fn points_of(prepared: &Prepared, operation: Operation) -> Vec<String> {
    let dir = prepared.server.copy_dir();
    let trace = dir.path().join("failpoints.trace");
    let trace_env = trace.to_str().expect("a UTF-8 path").to_owned();
    let server = ServerProcess::start_in(dir, &[("RSDK_FAILPOINT_TRACE", &trace_env)]).await;
    settle(&trace).await;
    let before = read_trace(&trace).len();
    prepared
        .perform(&server, operation)
        .await
        .expect("the operation succeeds");
    settle(&trace).await;
    let hits = read_trace(&trace);
    let mut passes: HashMap<&str, usize> = HashMap::new();
    let mut points = Vec::new();
    for (index, name) in hits.iter().enumerate() {
        let count = passes.entry(name).or_default();
        *count += 1;
        if index >= before {
            points.push(format!("{name}#{count}"));
        }
    }
    points
}

async fn sweep(operation: Operation, expected_points: &[&str]) {
    let prepared = prepare().await;
    let points = points_of(&prepared, operation).await;
    let passed: BTreeSet<&str> = points
        .iter()
        .map(|point| point.split([':', '#']).next().expect("a name"))
        .collect();
    assert_eq!(
        passed,
        expected_points.iter().copied().collect(),
        "{operation:?} passes {points:?}"
    );
    let (mut whole, mut absent, mut leaked) = (0, 0, 0);
    for point in &points {
        let mut server =
            ServerProcess::start_in(prepared.server.copy_dir(), &[("RSDK_CRASH_AT", point)]).await;
        let answer = prepared.perform(&server, operation).await;
        let exit = server.wait_exit(Duration::from_secs(30)).await;
        let exit = exit.unwrap_or_else(|| panic!("{operation:?} never reached {point} (answer {answer:?})"));
        assert_eq!(exit.signal(), Some(ABORTED), "crashed at {point}: {exit:?}");

        server.spawn(&[]);
        server.wait_ready().await;
        if prepared.landed(&server, operation).await {
            whole += 1;
        } else {
            absent += 1;
        }
        // The client retries what was not acknowledged: a second creation of #5 is a
        // conflict when the first one landed, any other retry is acknowledged.
        let retried = prepared.perform(&server, operation).await;
        match (operation, retried) {
            (Operation::Create, Err(error)) => assert!(error.contains("CONFLICT"), "{point}: {error}"),
            (_, retried) => retried.unwrap_or_else(|error| panic!("retry after {point}: {error}")),
        }
        prepared.settled(&server, operation).await;
        assert!(
            prepared.landed(&server, operation).await,
            "after {point} and a retry"
        );
        // What the crash left without a record, found and deleted by a collection; then
        // everything recorded must still read back.
        let collected = ok(&server, COLLECT, json!({})).await;
        leaked += collected["collectFileGarbage"]["orphans"]
            .as_u64()
            .expect("a count");
        let checked = invariants::check(&server, PROJECT).await;
        assert_eq!(
            checked.experiments,
            if operation == Operation::Create { 4 } else { 3 }
        );
    }
    println!(
        "failpoint sweep: {operation:?}: {} crash points, each survived ({whole} landed whole, \
         {absent} absent before the retry, 0 partial; {leaked} blobs leaked, all collected)\n  \
         points: {}",
        points.len(),
        points.join(", ")
    );
}

/// Waits for the queued compaction to finish after a restart (its record survives the crash
/// and the job runs again).
async fn settle_jobs(server: &ServerProcess) {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.wait_ready().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_crashed_at_any_commit_is_there_whole_or_not_at_all() {
    sweep(Operation::Create, &["graph.commit", "graph.committed"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_crashed_at_any_write_fsync_rename_or_commit_is_stored_once() {
    sweep(Operation::Chunk, WRITES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_crashed_at_any_write_fsync_rename_or_commit_is_committed_once() {
    sweep(Operation::Upload, WRITES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_crashed_at_any_point_keeps_every_point_once() {
    sweep(Operation::Compact, failpoint::POINTS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evidence_recomputation_crashed_at_any_commit_still_comes_to_the_new_verdict() {
    sweep(Operation::Recompute, &["graph.commit", "graph.committed"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_crashed_at_any_commit_or_delete_never_loses_a_used_blob() {
    sweep(
        Operation::Collect,
        &["graph.commit", "graph.committed", "blob.deleted"],
    )
    .await;
}
