//! The spool against the real server: a run goes on offline and `sync` sends it later, each
//! point exactly once; a resent chunk is stored once; a refused operation is recorded with
//! the server's reason and does not hold back the rest; a run logging faster than an absent
//! server takes it waits for the writer instead of growing its memory.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sdk::api::NewExperiment;
use sdk::metrics::{self, PointBuffer};
use sdk::run::{self, Run, RunOptions};
use sdk::spool::{Operation, RunSpool, State};
use sdk::sync::{self, Outcome};
use serde_json::{json, Value};

fn options(project: &str, name: &str, finish_timeout: Duration) -> RunOptions {
    RunOptions {
        flush_interval: Duration::from_millis(50),
        finish_timeout,
        ..RunOptions::new(project, name)
    }
}

/// The points of every chunk left in a run's spool folder, decoded from MessagePack.
fn spooled_chunks(run_dir: &Path) -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(run_dir.join("chunks"))
        .expect("a chunks folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| rmp_serde::from_slice(&std::fs::read(path).expect("read")).expect("a MessagePack chunk"))
        .collect()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}

#[test]
fn an_offline_run_is_kept_in_the_spool_and_sync_sends_every_point_once() {
    let address = support::closed_address();
    let spool = tempfile::tempdir().expect("a spool");
    let offline = support::client_config(&format!("http://{address}"), None, spool.path());
    let run = Run::start(&offline, options("offline", "night", Duration::from_millis(500)))
        .expect("an unreachable server makes an offline run, not an error");
    assert!(run.experiment().is_none());
    for index in 0..2_000u64 {
        run.log_metric("loss", index as f64 * 0.25, None, None)
            .expect("logged");
    }
    for index in 0..1_000u64 {
        run.log_metric("accuracy", index as f64 / 1024.0, Some(index * 3), None)
            .expect("logged");
    }
    run.log_features(json!({ "seed": 7 })).expect("accepted");

    let finishing = Instant::now();
    let report = run.finish("complete").expect("finished");
    assert!(
        finishing.elapsed() < Duration::from_secs(5),
        "finish waited {:?}",
        finishing.elapsed()
    );
    assert!(report.pending > 0, "{report:?}");
    assert_eq!(report.failed, 0);
    let run_dir = report.spool_dir.clone();
    assert!(run_dir.join("state.json").is_file(), "the run is kept for a sync");
    drop(run);

    // The server comes up where the run was pointed at.
    let server = support::start_on(address);
    let outcomes = sync::sync(&server.client_config(spool.path()), |_| {}).expect("synced");
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].state, Outcome::Sent);
    assert_eq!(outcomes[0].project, "offline");
    let number = outcomes[0]
        .number
        .expect("the experiment was created by the sync");
    assert!(!run_dir.exists(), "a sent run leaves no folder");

    let shown = server.experiment("offline", number);
    assert_eq!(
        (shown["status"].clone(), shown["progress"].clone()),
        (json!("COMPLETE"), json!(100))
    );
    assert_eq!(shown["featuresFull"], json!({ "seed": 7 }));
    let measured = server.measured("offline", number);
    assert_eq!(
        (
            measured["loss"].count,
            measured["loss"].last_step,
            measured["loss"].last.clone()
        ),
        (2_000, 1_999, json!(1_999.0 * 0.25))
    );
    assert_eq!(
        (measured["accuracy"].count, measured["accuracy"].last_step),
        (1_000, 2_997)
    );
    assert!(sync::sync(&server.client_config(spool.path()), |_| {})
        .expect("synced")
        .is_empty());
}

#[test]
fn a_sync_whose_token_the_server_refuses_waits_and_loses_nothing() {
    let address = support::closed_address();
    let spool = tempfile::tempdir().expect("a spool");
    let offline = support::client_config(&format!("http://{address}"), None, spool.path());
    let run = Run::start(&offline, options("tokens", "1", Duration::from_millis(200))).expect("offline");
    for step in 0..100u64 {
        run.log_metric("loss", step as f64, Some(step), None)
            .expect("logged");
    }
    let pending = run.finish("complete").expect("finished").pending;
    drop(run);

    let server = support::start_on(address);
    for token in [None, Some("rsdk_not_a_token")] {
        let config = support::client_config(&server.url, token, spool.path());
        let outcomes = sync::sync(&config, |_| {}).expect("synced");
        assert_eq!(outcomes.len(), 1);
        assert!(
            matches!(outcomes[0].state, Outcome::Waiting(_)),
            "credentials are not the operations' fault: {outcomes:?}"
        );
        let left = RunSpool::open(&outcomes[0].dir)
            .expect("opened")
            .expect("not held");
        assert_eq!((left.pending(), left.failures().len()), (pending, 0));
    }

    let outcomes = sync::sync(&server.client_config(spool.path()), |_| {}).expect("synced");
    assert_eq!(outcomes[0].state, Outcome::Sent);
    let number = outcomes[0].number.expect("created");
    assert_eq!(server.measured("tokens", number)["loss"].count, 100);
}

#[test]
fn finish_leaves_what_its_timeout_did_not_send_to_the_next_sync() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let config = server.client_config(spool.path());
    let run = Run::start(
        &config,
        RunOptions {
            // The writer flushes only when asked, so everything waits for `finish`.
            flush_interval: Duration::from_secs(600),
            finish_timeout: Duration::ZERO,
            ..RunOptions::new("hurry", "1")
        },
    )
    .expect("starts");
    let number = run.experiment().expect("online").number;
    for step in 0..3_000u64 {
        run.log_metric("loss", step as f64, Some(step), None)
            .expect("logged");
    }
    let report = run.finish("complete").expect("finished");
    assert!(report.pending > 0, "nothing is sent past the timeout: {report:?}");
    assert!(
        server.measured("hurry", number).is_empty(),
        "finish did not outlast its timeout"
    );
    drop(run);
    let left = RunSpool::open(&report.spool_dir)
        .expect("opened")
        .expect("not held");
    assert_eq!(
        left.pending(),
        report.pending,
        "the report tells what the spool holds"
    );
    drop(left);

    let outcomes = sync::sync(&config, |_| {}).expect("synced");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (outcomes[0].state.clone(), outcomes[0].number),
        (Outcome::Sent, Some(number))
    );
    assert_eq!(server.experiment("hurry", number)["status"], "COMPLETE");
    assert_eq!(server.measured("hurry", number)["loss"].count, 3_000);
}

#[test]
fn a_chunk_sent_again_after_a_lost_acknowledgement_is_stored_once() {
    let server = support::start();
    sdk::api::create_project(&server.client, "resend").expect("created");
    let experiment = sdk::api::create_experiment(
        &server.client,
        &NewExperiment {
            project: "resend".into(),
            name: "1".into(),
            ..NewExperiment::default()
        },
    )
    .expect("created");

    let mut buffer = PointBuffer::default();
    for step in 0..1_000u64 {
        buffer
            .push("loss", step as f64, Some(step), 1.0)
            .expect("buffered");
    }
    let points = buffer.take();
    let chunks =
        metrics::encode_chunks(buffer.names(), &points, || "crashed-run:00000000".into()).expect("encoded");
    assert_eq!(chunks.len(), 1);
    let (chunk_id, bytes) = &chunks[0];

    let roots = tempfile::tempdir().expect("spools");
    let state = State {
        server: server.url.clone(),
        project: "resend".into(),
        experiment: Some(experiment.clone()),
        ..State::default()
    };
    let mut spool = RunSpool::create(&roots.path().join("first"), "crashed-run", state).expect("created");
    spool.put_chunk(chunk_id, bytes).expect("stored");
    spool
        .push(&Operation::Chunk {
            chunk_id: chunk_id.clone(),
        })
        .expect("pushed");
    // What a process that died after the server took the chunk, but before it marked it
    // done, leaves behind.
    let copy = roots.path().join("second/crashed-run");
    copy_folder(spool.dir(), &copy);

    let first = Mutex::new(spool);
    assert!(run::drain(&server.client, &first, None).expect("drained"));
    let again = RunSpool::open(&copy).expect("opened").expect("not held");
    assert_eq!(again.pending(), 1, "the copy still has the chunk to send");
    let again = Mutex::new(again);
    assert!(run::drain(&server.client, &again, None).expect("drained"));
    assert_eq!(again.lock().expect("a lock").pending(), 0);

    let loss = &server.measured("resend", experiment.number)["loss"];
    assert_eq!((loss.count, loss.last_step), (1_000, 999));
    assert!(
        sdk::api::post_chunk(&server.client, &experiment.id, bytes).expect("answered"),
        "the server knows the chunk id"
    );
}

#[test]
fn a_refused_operation_is_recorded_with_the_reason_and_the_rest_still_goes_through() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let config = server.client_config(spool.path());
    let run = Run::start(&config, options("refused", "1", Duration::from_secs(20))).expect("starts");
    let number = run.experiment().expect("online").number;

    run.log_metric("loss", 1.0, None, None).expect("logged");
    assert_eq!(run.flush(Duration::from_secs(20)).pending, 0);
    // The client does not know the policy for single files; the server refuses it.
    run.log_file("scratch/x.tmp", b"scratch", None)
        .expect("accepted into the spool");
    run.log_file("notes/ok.txt", b"fine", None).expect("accepted");
    run.log_metric("loss", 0.5, None, None).expect("logged");
    run.log_features(json!({ "seed": 3 })).expect("accepted");
    let report = run.finish("complete").expect("finished");
    assert_eq!((report.pending, report.failed), (0, 1), "{report:?}");

    let failed =
        std::fs::read_to_string(report.spool_dir.join("failed.jsonl")).expect("a record of the refusal");
    let lines: Vec<Value> = failed
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{failed}");
    assert_eq!(lines[0]["op"]["kind"], "files");
    assert_eq!(lines[0]["op"]["files"][0]["path"], "scratch/x.tmp");
    let reason = lines[0]["error"].as_str().expect("the reason");
    assert!(
        reason.contains("excluded by policy project-default (**/*.tmp)"),
        "{reason}"
    );

    assert_eq!(server.experiment("refused", number)["status"], "COMPLETE");
    assert_eq!(
        server.experiment("refused", number)["featuresFull"],
        json!({ "seed": 3 })
    );
    assert_eq!(server.measured("refused", number)["loss"].count, 2);
    assert_eq!(server.file_paths("refused", number), ["notes/ok.txt"]);
    drop(run);

    let outcomes = sync::sync(&config, |_| {}).expect("synced");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (outcomes[0].state.clone(), outcomes[0].number),
        (Outcome::Refused(1), Some(number))
    );
    assert!(
        report.spool_dir.join("failed.jsonl").is_file(),
        "kept for the user to read"
    );
}

#[test]
fn logging_faster_than_an_absent_server_waits_for_the_writer_and_loses_nothing() {
    let address = support::closed_address();
    let spool = tempfile::tempdir().expect("a spool");
    let offline = support::client_config(&format!("http://{address}"), None, spool.path());
    let run = Run::start(
        &offline,
        RunOptions {
            max_buffer_points: 1_000,
            ..options("bounded", "1", Duration::from_millis(200))
        },
    )
    .expect("an offline run");
    let names = ["loss", "accuracy", "lr", "grad_norm", "tokens"];
    for index in 0..50_000usize {
        run.log_metric(names[index % names.len()], index as f64, None, None)
            .expect("logged");
    }
    let report = run.finish("complete").expect("finished");
    assert!(report.pending > 0);
    let run_dir = report.spool_dir.clone();
    drop(run);

    let chunks = spooled_chunks(&run_dir);
    let mut seen = HashSet::new();
    for chunk in &chunks {
        let metrics = chunk["metrics"].as_array().expect("the chunk's metric names");
        let steps = chunk["step"].as_array().expect("steps");
        assert!(steps.len() <= 1_000, "a buffer never held more than the bound");
        let metric = chunk["metric"].as_array().expect("metric ids");
        for (id, step) in metric.iter().zip(steps) {
            let name = metrics[id.as_u64().expect("an id") as usize]
                .as_str()
                .expect("a name");
            assert!(
                seen.insert((name.to_owned(), step.as_u64().expect("a step"))),
                "{name} {step} twice"
            );
        }
    }
    assert_eq!(seen.len(), 50_000, "every point is in the spool, once");
    for name in names {
        assert!(seen.contains(&(name.to_owned(), 9_999)), "{name}");
    }
}

#[test]
fn the_next_run_sends_what_an_earlier_run_left_in_the_spool() {
    let address = support::closed_address();
    let spool = tempfile::tempdir().expect("a spool");
    let offline = support::client_config(&format!("http://{address}"), None, spool.path());
    let run = Run::start(&offline, options("later", "first", Duration::from_millis(200))).expect("offline");
    for step in 0..500u64 {
        run.log_metric("loss", step as f64, Some(step), None)
            .expect("logged");
    }
    let left = run.finish("complete").expect("finished").spool_dir;
    drop(run);
    assert!(left.is_dir(), "the offline run is kept");

    let server = support::start_on(address);
    let next = Run::start(
        &server.client_config(spool.path()),
        options("later", "second", Duration::from_secs(10)),
    )
    .expect("online");
    let deadline = Instant::now() + Duration::from_secs(20);
    while left.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !left.exists(),
        "the next run sent the earlier one in the background"
    );
    next.finish("complete").expect("finished");
    let first = server
        .query(
            "query Test { experiments(project: \"later\") { nodes { number name } } }",
            json!({}),
        )
        .pointer("/experiments/nodes")
        .cloned()
        .expect("experiments");
    let number = first
        .as_array()
        .and_then(|nodes| nodes.iter().find(|node| node["name"] == "first"))
        .and_then(|node| node["number"].as_i64())
        .expect("the offline run was created");
    assert_eq!(server.measured("later", number)["loss"].count, 500);
}
