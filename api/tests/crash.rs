//! The kill -9 loop: `rsdk serve` is killed with SIGKILL again and again while a client logs
//! metric chunks, creates experiments (with features, as children of the first) and uploads
//! files, retrying each until it is acknowledged — the kills land while one of the three is in
//! flight. After the last restart every acknowledged point, experiment and file is there
//! exactly once, and the graph invariants hold (acyclic, feature caches, manifests and blobs,
//! summaries and points, files and their contents).

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::files::try_upload;
use support::metrics::post_chunk;
use support::process::ServerProcess;
use support::{invariants, Remote};

const ROUNDS: u64 = 30;
const POINTS_PER_CHUNK: u64 = 250;
const KILLS: usize = 9;

/// One write of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// Chunk `n` of experiment #1's `loss`.
    Chunk(u64),
    /// Experiment `n + 2`, a child of #1 with features `{round: n}`.
    Create(u64),
    /// File `checkpoints/n.bin` of experiment #1.
    Upload(u64),
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

fn checkpoint(index: u64) -> Vec<u8> {
    (0..4096 + index * 7)
        .map(|byte| (byte * 31 + index) as u8)
        .collect()
}

/// Sends `write` once; `Ok` when it was acknowledged (or, for a creation, found already done
/// by an earlier attempt the client never heard back from).
async fn attempt(remote: Remote, experiment: String, write: Write) -> Result<(), String> {
    match write {
        Write::Chunk(index) => {
            let response = post_chunk(&remote, &experiment, &chunk(index)).await?;
            match response.status() {
                status if status.is_success() => Ok(()),
                status if status.is_server_error() => Err(status.to_string()),
                status => panic!("chunk {index} refused: {status}"),
            }
        }
        Write::Create(index) => {
            let number = index + 2;
            let response = remote
                .client
                .post(format!("{}/graphql", remote.url))
                .json(&json!({
                    "query": "mutation($name: String!, $features: String!) { createExperiment(input: {project: \"crash\", name: $name, parentNumber: 1, features: $features}) { number } }",
                    "variables": { "name": number.to_string(), "features": format!("round: {index}\nlr: 0.1\n") },
                }))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .map_err(|error| error.to_string())?;
            let body: Value = response.json().await.map_err(|error| error.to_string())?;
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => Ok(()),
                // The first attempt landed before the kill: it is there once, not twice.
                Some("CONFLICT") => Ok(()),
                Some(_) => Err(body.to_string()),
            }
        }
        Write::Upload(index) => {
            let content = checkpoint(index);
            try_upload(
                &remote,
                &experiment,
                &[(&format!("checkpoints/{index}.bin"), &content)],
            )
            .await
        }
    }
}

/// Creates `project` with experiment #1 (features `lr: 0.1`); answers #1's id.
async fn project_with_first_run(server: &ServerProcess, project: &str) -> String {
    let created = server
        .try_graphql(
            "mutation($p: String!) { createProject(input: {name: $p}) { id }
               createExperiment(input: {project: $p, name: \"1\", features: \"lr: 0.1\"}) { id } }",
            json!({ "p": project }),
        )
        .await
        .expect("an answer");
    assert!(created.get("errors").is_none(), "{created}");
    created["data"]["createExperiment"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_repeated_sigkills_exactly_once() {
    let mut server = ServerProcess::start().await;
    let id = project_with_first_run(&server, "crash").await;

    let writes: Vec<Write> = (0..ROUNDS)
        .flat_map(|round| [Write::Chunk(round), Write::Create(round), Write::Upload(round)])
        .collect();
    let kill_every = writes.len() / KILLS;
    let (mut kills, mut retries) = (0, 0);
    let mut killed_during = Vec::new();
    for (position, write) in writes.iter().copied().enumerate() {
        // Kill while this write is in flight, every few writes (each kind in turn), then bring
        // the server back.
        let kill_now = position % kill_every == kill_every / 2 + kills % 3 && kills < KILLS;
        let mut tries = 0;
        loop {
            tries += 1;
            let sent = attempt(server.remote(), id.clone(), write);
            if kill_now && tries == 1 {
                // Whether the write lands before the kill or not, the retry below must be
                // acknowledged, and the write stored once.
                let in_flight = tokio::spawn(sent);
                tokio::time::sleep(Duration::from_millis(1 + position as u64 % 7)).await;
                server.kill();
                kills += 1;
                killed_during.push(write);
                let _ = in_flight.await;
                server.spawn(&[]);
                server.wait_ready().await;
                retries += 1;
                continue;
            }
            match sent.await {
                Ok(()) => break,
                Err(_) => retries += 1,
            }
            assert!(tries < 50, "{write:?} never acknowledged");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(kills, KILLS);

    // One last crash and restart, then everything must be there once.
    server.kill();
    server.spawn(&[]);
    server.wait_ready().await;
    let read = server
        .try_graphql(
            "{ series(project: \"crash\", number: 1, metric: \"loss\", maxPoints: 10000) { steps values }
               experiments(project: \"crash\", first: 1000) { nodes { number parent { number } featuresFull } }
               files(project: \"crash\", number: 1) { entries { path current { size } } } }",
            json!({}),
        )
        .await
        .expect("an answer");
    assert!(read.get("errors").is_none(), "{read}");
    let total = ROUNDS * POINTS_PER_CHUNK;
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
    let mut numbers: Vec<i64> = read["data"]["experiments"]["nodes"]
        .as_array()
        .expect("experiments")
        .iter()
        .map(|experiment| {
            let number = experiment["number"].as_i64().expect("a number");
            if number > 1 {
                assert_eq!(experiment["parent"]["number"], 1, "{experiment}");
                assert_eq!(
                    experiment["featuresFull"],
                    json!({ "round": number - 2, "lr": 0.1 })
                );
            }
            number
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=ROUNDS as i64 + 1).collect::<Vec<_>>(),
        "every experiment, once"
    );
    let mut paths: Vec<String> = read["data"]["files"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["path"].as_str().expect("a path").to_owned())
        .collect();
    paths.sort();
    let mut expected: Vec<String> = (0..ROUNDS)
        .map(|index| format!("checkpoints/{index}.bin"))
        .collect();
    expected.sort();
    assert_eq!(paths, expected, "every file, once");
    let checked = invariants::check(&server, "crash").await;
    assert_eq!(checked.points as u64, total);
    assert_eq!(checked.files as u64, ROUNDS);
    let during = |kind: fn(&Write) -> bool| killed_during.iter().filter(|write| kind(write)).count();
    println!(
        "crash test: {KILLS} SIGKILLs mid-request ({} chunks, {} creations, {} uploads in flight), {retries} \
         retries; {total} points, {} experiments and {ROUNDS} files exactly once; invariants hold over {} \
         experiments",
        during(|write| matches!(write, Write::Chunk(_))),
        during(|write| matches!(write, Write::Create(_))),
        during(|write| matches!(write, Write::Upload(_))),
        ROUNDS,
        checked.experiments
    );
}

/// SIGTERM under load: the server stops accepting, lets in-flight requests finish (10 s at
/// most), exits 0, and every chunk it acknowledged is there after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_drains_exits_zero_and_keeps_every_acknowledged_chunk() {
    const WRITERS: u64 = 4;
    let mut server = ServerProcess::start().await;
    let id = project_with_first_run(&server, "term").await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (remote, id) = (server.remote(), id.clone());
            tokio::spawn(async move {
                let mut acknowledged = 0u64;
                for sequence in 0.. {
                    let first_step = writer * 1_000_000 + sequence * POINTS_PER_CHUNK;
                    let points: Vec<Value> = (first_step..first_step + POINTS_PER_CHUNK)
                        .map(|step| json!({ "metric": "loss", "step": step, "value": 0.5 }))
                        .collect();
                    let sent = remote
                        .client
                        .post(format!("{}/api/v1/experiments/{id}/metrics", remote.url))
                        .json(&json!({ "chunkId": format!("w{writer}-{sequence}"), "points": points }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => acknowledged += 1,
                        _ => return acknowledged,
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let terminated = std::time::Instant::now();
    let status = tokio::task::block_in_place(|| server.stop());
    let drained_in = terminated.elapsed();
    assert!(status.success(), "exit status {status:?}");
    assert!(drained_in <= Duration::from_secs(11), "drained in {drained_in:?}");
    let mut acknowledged = 0;
    for writer in writers {
        acknowledged += writer.await.expect("a writer");
    }
    assert!(acknowledged > 0, "the writers were acknowledged before the stop");

    server.spawn(&[]);
    server.wait_ready().await;
    let read = server
        .try_graphql(
            "{ experiment(project: \"term\", number: 1) { measured { count } } }",
            json!({}),
        )
        .await
        .expect("an answer");
    let stored = read["data"]["experiment"]["measured"][0]["count"]
        .as_u64()
        .expect("a count");
    assert!(
        stored >= acknowledged * POINTS_PER_CHUNK,
        "every acknowledged chunk is stored: {stored} points for {acknowledged} acknowledged chunks"
    );
    println!(
        "sigterm under load: {WRITERS} writers, exit 0 after {:.0} ms of draining, {acknowledged} acknowledged \
         chunks all stored ({stored} points)",
        drained_in.as_secs_f64() * 1000.0
    );
}
