//! The demo project the public question set (`tests/ask/questions.yaml`) is asked about:
//! 16 image-classification runs in a DAG (one merge), three metrics with series, two
//! hypotheses, built through the real server the way the SDK would. Every value follows from
//! the table below, so each expected answer can be checked by hand.

use serde_json::{json, Value};

use super::TestServer;

/// The project's name.
pub const PROJECT: &str = "demo";

/// One run of the demo: number, name, primary parent, features, status, final val_acc.
struct Run {
    number: i64,
    name: &'static str,
    parent: Option<i64>,
    optimizer: (&'static str, f64),
    depth: i64,
    width: i64,
    augment: bool,
    seed: i64,
    extra: Option<(&'static str, Value)>,
    status: &'static str,
    val_acc: Option<f64>,
}

#[rustfmt::skip]
fn runs() -> Vec<Run> {
    let run = |number, name, parent, optimizer, depth, width, augment, seed, status, val_acc| Run {
        number, name, parent, optimizer, depth, width, augment, seed, extra: None, status, val_acc,
    };
    vec![
        run(1, "1_baseline", None, ("sgd", 0.1), 18, 64, false, 1, "COMPLETE", Some(0.70)),
        run(2, "2_from_1_adamw", Some(1), ("adamw", 0.001), 18, 64, false, 1, "COMPLETE", Some(0.76)),
        run(3, "3_from_1_augment", Some(1), ("sgd", 0.1), 18, 64, true, 1, "COMPLETE", Some(0.73)),
        run(4, "4_from_2_lr_3e-4", Some(2), ("adamw", 0.0003), 18, 64, false, 1, "COMPLETE", Some(0.79)),
        run(5, "5_from_2_deeper", Some(2), ("adamw", 0.001), 34, 64, false, 1, "COMPLETE", Some(0.775)),
        run(6, "6_from_4_augment", Some(4), ("adamw", 0.0003), 18, 64, true, 1, "COMPLETE", Some(0.82)),
        run(7, "7_from_1_adamw_seed2", Some(1), ("adamw", 0.001), 18, 64, false, 2, "COMPLETE", Some(0.755)),
        run(8, "8_from_1_wide", Some(1), ("sgd", 0.1), 18, 128, false, 1, "COMPLETE", Some(0.69)),
        run(9, "9_from_3_adamw", Some(3), ("adamw", 0.001), 18, 64, true, 1, "COMPLETE", Some(0.785)),
        run(10, "10_from_5_lr_3e-4", Some(5), ("adamw", 0.0003), 34, 64, false, 1, "COMPLETE", Some(0.80)),
        run(11, "11_from_6_deeper", Some(6), ("adamw", 0.0003), 34, 64, true, 1, "RUNNING", None),
        Run { extra: Some(("model.dropout", json!(0.1))), ..run(12, "12_from_8_dropout", Some(8), ("sgd", 0.1), 18, 128, false, 1, "FAILED", None) },
        Run { extra: Some(("optimizer.momentum", json!(0.9))), ..run(13, "13_from_1_momentum", Some(1), ("sgd", 0.1), 18, 64, false, 1, "PLANNED", None) },
        run(14, "14_from_6_seed2", Some(6), ("adamw", 0.0003), 18, 64, true, 2, "COMPLETE", Some(0.815)),
        run(15, "15_from_2_wide", Some(2), ("adamw", 0.001), 18, 128, false, 1, "COMPLETE", Some(0.745)),
        Run { extra: Some(("data.mixup", json!(true))), ..run(16, "16_from_3_mixup", Some(3), ("sgd", 0.1), 18, 64, true, 1, "COMPLETE", Some(0.75)) },
    ]
}

fn features(run: &Run) -> Value {
    let mut features = json!({
        "optimizer": {"name": run.optimizer.0, "lr": run.optimizer.1},
        "model": {"depth": run.depth, "width": run.width},
        "data": {"augment": run.augment},
        "seed": run.seed,
    });
    if let Some((path, value)) = &run.extra {
        let (group, leaf) = path.split_once('.').expect("a dotted path");
        features[group][leaf] = value.clone();
    }
    features
}

/// val_loss follows val_acc: 1.5 − 1.2 × val_acc; train_loss is 0.1 lower.
pub fn val_loss(val_acc: f64) -> f64 {
    1.5 - 1.2 * val_acc
}

/// The series logged at steps 0, 10, …, 100: accuracy climbs to its final value
/// (`final × (0.5 + step / 200)`), losses fall to theirs (`final × (2 − step / 100)`).
fn points(val_acc: f64, last_step: u64) -> Vec<Value> {
    let mut points = Vec::new();
    for step in (0..=last_step).step_by(10) {
        let progress = step as f64 / 100.0;
        let loss = val_loss(val_acc);
        for (metric, value) in [
            ("val_acc", val_acc * (0.5 + progress / 2.0)),
            ("val_loss", loss * (2.0 - progress)),
            ("train_loss", (loss - 0.1) * (2.0 - progress)),
        ] {
            points.push(json!({"metric": metric, "step": step, "value": value, "wallTime": 1_700_000_000.0 + step as f64}));
        }
    }
    points
}

async fn post_chunk(server: &TestServer, experiment_id: &str, chunk_id: &str, points: Vec<Value>) {
    let response = server
        .client
        .post(format!(
            "{}/api/v1/experiments/{experiment_id}/metrics",
            server.url
        ))
        .json(&json!({"chunkId": chunk_id, "points": points}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201, "chunk stored");
}

/// Builds the demo project on `server` and waits until both hypotheses have evidence.
pub async fn build(server: &TestServer) {
    server
        .ok(
            "mutation($name: String!) { createProject(input: {name: $name, description: \"Image classification demo\"}) { id } }",
            json!({"name": PROJECT}),
        )
        .await;
    for (name, direction) in [("val_acc", "MAXIMIZE"), ("val_loss", "MINIMIZE")] {
        server
            .ok(
                "mutation($p: String!, $c: MetricConfigInput!) { setMetricConfig(project: $p, config: $c) { name } }",
                json!({"p": PROJECT, "c": {"name": name, "direction": direction, "aggregation": "LAST"}}),
            )
            .await;
    }
    for run in runs() {
        let created = server
            .ok(
                "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number } }",
                json!({"input": {
                    "project": PROJECT, "name": run.name, "parentNumber": run.parent,
                    "features": features(&run).to_string(),
                }}),
            )
            .await;
        assert_eq!(created["createExperiment"]["number"], run.number);
        let id = created["createExperiment"]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        if let Some(val_acc) = run.val_acc {
            post_chunk(server, &id, "all", points(val_acc, 100)).await;
        }
        if run.status == "RUNNING" {
            // Only the training loss so far, up to step 40.
            let partial: Vec<Value> = points(0.8, 40)
                .into_iter()
                .filter(|point| point["metric"] == "train_loss")
                .collect();
            post_chunk(server, &id, "partial", partial).await;
        }
        let notes = format!("{} run of the demo", run.name.replace('_', " "));
        server
            .ok(
                "mutation($p: String!, $n: Int!, $input: UpdateExperimentInput!) { updateExperiment(project: $p, number: $n, input: $input) { number } }",
                json!({"p": PROJECT, "n": run.number, "input": {"status": run.status, "notes": notes}}),
            )
            .await;
    }
    server
        .ok(
            "mutation { addMergeParent(project: \"demo\", number: 6, parentNumber: 3) { number } }",
            json!({}),
        )
        .await;
    let hypotheses = [
        ("AdamW converges better than SGD", "optimizer.name", vec![2, 7, 9]),
        ("Deeper models improve val_acc", "model.depth", vec![5]),
    ];
    let mut ids = Vec::new();
    for (title, about, linked) in hypotheses {
        let input = json!({"project": PROJECT, "title": title, "about": [about],
                           "targets": [{"metric": "val_acc", "weight": 1.0}]});
        let id = server.create_linked_hypothesis(input, &linked).await;
        ids.push(id);
    }
    for id in ids {
        wait_for("the evidence of a demo hypothesis", || async {
            let data = server
                .ok(
                    "query($id: ID!) { hypothesis(id: $id) { computedAt } }",
                    json!({"id": id}),
                )
                .await;
            !data["hypothesis"]["computedAt"].is_null()
        })
        .await;
    }
}

/// Polls `check` until it holds (at most 20 s).
pub async fn wait_for<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
