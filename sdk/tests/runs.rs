//! Runs against the real server, online: metrics, files, artifacts and features go through
//! the writer and the spool and arrive exactly as logged; a finished run leaves nothing in
//! the spool; a resumed run continues its steps.

mod support;

use std::time::Duration;

use sdk::run::{Run, RunOptions};
use sdk::Error;
use serde_json::json;

fn options(project: &str, name: &str) -> RunOptions {
    RunOptions {
        flush_interval: Duration::from_millis(50),
        finish_timeout: Duration::from_secs(20),
        ..RunOptions::new(project, name)
    }
}

fn is_invalid_name(result: sdk::Result<impl std::fmt::Debug>) -> bool {
    matches!(result, Err(Error::Invalid { ref field, .. }) if field == "name")
}

#[test]
fn an_online_run_sends_every_point_exactly_and_leaves_no_spool_behind() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let config = server.client_config(spool.path());
    assert!(!sdk::api::project_exists(&server.client, "vision").expect("asked"));

    let run = Run::start(&config, options("vision", "baseline")).expect("the run starts");
    let experiment = run
        .experiment()
        .expect("created at once when the server is reachable");
    assert!(
        sdk::api::project_exists(&server.client, "vision").expect("asked"),
        "the project was created"
    );
    let run_dir = run.spool_dir();
    assert!(run_dir.is_dir());

    // 10,000 points: `loss` counts its own steps, `accuracy` logs explicit ones, `lr` starts
    // explicit and continues automatically after the highest.
    for index in 0..5_000u64 {
        let step = run
            .log_metric("loss", index as f64 * 0.5, None, None)
            .expect("logged");
        assert_eq!(step, index);
    }
    for index in 0..2_500u64 {
        run.log_metric("accuracy", index as f64 / 4096.0, Some(index * 4), None)
            .expect("logged");
    }
    for index in 0..2_500u64 {
        let step = (index < 1_250).then_some(index * 10);
        run.log_metric("lr", 1.0 / 1024.0 * index as f64, step, None)
            .expect("logged");
    }
    let report = run.finish("complete").expect("finished");
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");

    let shown = server.experiment("vision", experiment.number);
    assert_eq!(shown["status"], "COMPLETE");
    assert_eq!(shown["progress"], 100);
    let measured = server.measured("vision", experiment.number);
    let summary = |name: &str| {
        let summary = &measured[name];
        (summary.count, summary.last.clone(), summary.last_step)
    };
    assert_eq!(summary("loss"), (5_000, json!(4_999.0 * 0.5), 4_999));
    assert_eq!(summary("accuracy"), (2_500, json!(2_499.0 / 4096.0), 9_996));
    assert_eq!(
        summary("lr"),
        (2_500, json!(2_499.0 / 1024.0), 12_490 + 1_250),
        "automatic steps continue after the highest explicit one"
    );
    assert_eq!(measured.len(), 3);
    assert!(
        !run_dir.exists(),
        "a finished run that the server has whole leaves no spool folder"
    );
}

#[test]
fn steps_continue_per_metric_and_bad_names_or_wall_times_are_refused_storing_nothing() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let run = Run::start(&server.client_config(spool.path()), options("steps", "1")).expect("starts");
    let number = run.experiment().expect("online").number;

    assert_eq!(run.log_metric("loss", 1.0, None, None).ok(), Some(0));
    assert_eq!(run.log_metric("loss", 0.5, None, None).ok(), Some(1));
    assert_eq!(run.log_metric("accuracy", 0.1, Some(10), None).ok(), Some(10));
    assert_eq!(run.log_metric("accuracy", 0.2, None, None).ok(), Some(11));
    assert_eq!(run.log_metric("loss", 0.4, Some(7), None).ok(), Some(7));
    assert_eq!(run.log_metric("loss", 0.25, None, None).ok(), Some(8));

    let at_step_five = [("lr".to_owned(), 0.125), ("momentum".to_owned(), 0.875)];
    run.log_metrics(&at_step_five, Some(5), None).expect("logged");
    let next = [("lr".to_owned(), 0.0625), ("momentum".to_owned(), 0.75)];
    run.log_metrics(&next, None, None).expect("logged");

    let too_long = "x".repeat(201);
    for bad in ["", "   ", too_long.as_str(), "loss\nval", "tab\there"] {
        assert!(is_invalid_name(run.log_metric(bad, 1.0, None, None)), "{bad:?}");
    }
    let one_bad = [("grad_norm".to_owned(), 1.0), ("bad\u{7}".to_owned(), 2.0)];
    assert!(
        is_invalid_name(run.log_metrics(&one_bad, Some(3), None)),
        "one bad name refuses the whole call"
    );
    // The server refuses a whole chunk for one of these: the point is refused at once.
    for wall_time in [f64::NAN, f64::INFINITY] {
        let logged = run.log_metric("loss", 1.0, None, Some(wall_time));
        assert!(
            matches!(logged, Err(Error::Invalid { ref field, .. }) if field == "wall_time"),
            "{logged:?}"
        );
        let good = [("grad_norm".to_owned(), 1.0)];
        assert!(run.log_metrics(&good, None, Some(wall_time)).is_err());
    }

    let report = run.finish("complete").expect("finished");
    assert_eq!((report.pending, report.failed), (0, 0));
    let measured = server.measured("steps", number);
    let names: Vec<&str> = measured.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["accuracy", "loss", "lr", "momentum"],
        "nothing of a refused call is stored"
    );
    assert_eq!((measured["loss"].count, measured["loss"].last_step), (4, 8));
    assert_eq!(measured["loss"].last, json!(0.25));
    assert_eq!(
        (measured["accuracy"].count, measured["accuracy"].last_step),
        (2, 11)
    );
    assert_eq!((measured["lr"].count, measured["lr"].last_step), (2, 6));
    assert_eq!(measured["lr"].last, json!(0.0625));
    assert_eq!(
        (measured["momentum"].count, measured["momentum"].last_step),
        (2, 6)
    );
}

#[test]
fn logged_files_and_artifacts_land_in_the_tree_and_the_policy_names_what_it_leaves_out() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let run = Run::start(&server.client_config(spool.path()), options("media", "1")).expect("starts");
    let experiment = run.experiment().expect("online");

    let outputs = tempfile::tempdir().expect("an outputs folder");
    let checkpoint: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let log = b"epoch 1 loss 0.5\nepoch 2 loss 0.25\n".to_vec();
    std::fs::create_dir_all(outputs.path().join("logs")).expect("a folder");
    std::fs::write(outputs.path().join("checkpoint.bin"), &checkpoint).expect("written");
    std::fs::write(outputs.path().join("logs/train.log"), &log).expect("written");
    std::fs::write(outputs.path().join("x.tmp"), b"scratch").expect("written");

    let selection = run
        .log_artifacts(outputs.path(), Some("outputs"), "project-default")
        .expect("stored");
    let stored: Vec<&str> = selection.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(stored, ["outputs/checkpoint.bin", "outputs/logs/train.log"]);
    let skipped: Vec<(&str, &str)> = selection
        .skipped
        .iter()
        .map(|skipped| (skipped.path.as_str(), skipped.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [("outputs/x.tmp", "excluded by policy project-default (**/*.tmp)")]
    );

    let image = b"\x89PNG\r\n\x1a\n attention map".to_vec();
    run.log_file("media/attention/00000000.png", &image, None)
        .expect("accepted");
    let report = run.finish("complete").expect("finished");
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");

    assert_eq!(
        server.file_paths("media", experiment.number),
        [
            "media/attention/00000000.png",
            "outputs/checkpoint.bin",
            "outputs/logs/train.log"
        ]
    );
    assert_eq!(
        server.download(&experiment.id, "media/attention/00000000.png"),
        image
    );
    assert_eq!(
        server.download(&experiment.id, "outputs/checkpoint.bin"),
        checkpoint
    );
    assert_eq!(server.download(&experiment.id, "outputs/logs/train.log"), log);
}

#[test]
fn logged_features_deep_merge_into_the_full_features() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let run = Run::start(
        &server.client_config(spool.path()),
        RunOptions {
            features: Some(json!({ "optimizer": { "name": "adamw", "lr": 0.001 } })),
            ..options("features", "1")
        },
    )
    .expect("starts");
    let number = run.experiment().expect("online").number;

    run.log_features(json!({ "optimizer": { "lr": 0.0001 }, "seed": 1 }))
        .expect("accepted");
    assert!(run.log_features(json!([1, 2])).is_err(), "features are a mapping");
    let report = run.finish("complete").expect("finished");
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");

    assert_eq!(
        server.experiment("features", number)["featuresFull"],
        json!({ "optimizer": { "name": "adamw", "lr": 0.0001 }, "seed": 1 })
    );
}

#[test]
fn a_resumed_run_continues_after_the_last_step_and_runs_until_it_finishes() {
    let server = support::start();
    let spool = tempfile::tempdir().expect("a spool");
    let config = server.client_config(spool.path());
    let first = Run::start(&config, options("resume", "1")).expect("starts");
    let number = first.experiment().expect("online").number;
    for step in 0..10u64 {
        first
            .log_metric("loss", 1.0 / (step + 1) as f64, Some(step), None)
            .expect("logged");
    }
    first.finish("complete").expect("finished");
    drop(first);
    assert_eq!(server.experiment("resume", number)["status"], "COMPLETE");

    let resumed = Run::resume(&config, "resume", number, &options("resume", "1")).expect("resumed");
    assert_eq!(
        resumed.experiment().map(|experiment| experiment.number),
        Some(number)
    );
    assert_eq!(resumed.log_metric("loss", 0.05, None, None).ok(), Some(10));
    assert_eq!(
        resumed.log_metric("accuracy", 0.5, None, None).ok(),
        Some(0),
        "a new metric starts at 0"
    );
    let report = resumed.flush(Duration::from_secs(20));
    assert_eq!(report.pending, 0);
    assert_eq!(server.experiment("resume", number)["status"], "RUNNING");

    resumed.finish("complete").expect("finished");
    assert_eq!(server.experiment("resume", number)["status"], "COMPLETE");
    let loss = &server.measured("resume", number)["loss"];
    assert_eq!(
        (loss.count, loss.last_step, loss.last.clone()),
        (11, 10, json!(0.05))
    );
}
