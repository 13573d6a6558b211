//! Evidence through the real server, the way a team produces it: runs log `val_acc` over
//! REST, finish, get linked to a hypothesis, and the background recomputation decides the
//! hypothesis' status, which the GraphQL read models then explain.
//!
//! Numbers (see `graph::evidence` for the formulas): with `val_acc` at 0.70, 0.74, 0.76, 0.78
//! and 0.80 across the project's complete runs, the spread is 1.4826 × MAD = 1.4826 × 0.02 ≈
//! 0.03, so children improving on a 0.70 parent by 0.04–0.10 earn 1.3–3.4 units each, at a
//! confidence of about 0.8 (complete, stable series, no code snapshot): E ≈ 7.7, well past
//! the default support threshold of 3.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::TestServer;

/// How long a test waits for a background recomputation.
const JOB_DEADLINE: Duration = Duration::from_secs(30);

const EVIDENCE: &str = "query($id: ID!) { hypothesis(id: $id) { status computedStatus override { status reason } \
    evidence { score computedStatus effectiveStatus overridden explanation computedAt \
    inputs { linked withUnits supportThreshold refuteThreshold baseline scales { metric spread source } } \
    units { experiment metric baselineExperiment baselineValue experimentValue delta normalizedDelta direction weight confidence contribution } \
    contributions { experiment score confidence contribution } } \
    timeline { at score status } } }";

/// Creates `project` with `val_acc` configured as maximized, summarised by its last value.
async fn project(server: &TestServer, name: &str) {
    server.create_project(name).await;
    server
        .ok(
            "mutation($p: String!) { setMetricConfig(project: $p, config: {name: \"val_acc\", direction: MAXIMIZE, aggregation: LAST}) { name } }",
            json!({ "p": name }),
        )
        .await;
}

/// Creates run `name` (running), logs 30 steps of `val_acc` that climb to `final_value` and
/// stay there for the last 20 (a stable series), and sets its final `status`.
async fn run(server: &TestServer, project: &str, name: &str, final_value: f64, status: &str) -> i64 {
    let created = server
        .ok(
            "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number } }",
            json!({ "input": { "project": project, "name": name, "status": "RUNNING" } }),
        )
        .await;
    let id = created["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let number = created["createExperiment"]["number"].as_i64().expect("a number");
    let points: Vec<Value> = (0..30)
        .map(|step| {
            let value = if step < 10 {
                final_value - 0.01 * f64::from(10 - step)
            } else {
                final_value
            };
            json!({ "metric": "val_acc", "step": step, "value": value })
        })
        .collect();
    let response = server
        .client
        .post(format!("{}/api/v1/experiments/{id}/metrics", server.url))
        .json(&json!({ "chunkId": format!("{name}:0"), "points": points }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201, "the chunk is stored");
    if status != "RUNNING" {
        set_status(server, project, number, status).await;
    }
    number
}

async fn set_status(server: &TestServer, project: &str, number: i64, status: &str) {
    server
        .ok(
            "mutation($p: String!, $n: Int!, $s: Status!) { updateExperiment(project: $p, number: $n, input: {status: $s}) { status } }",
            json!({ "p": project, "n": number, "s": status }),
        )
        .await;
}

/// A hypothesis of `project` targeting `val_acc` against each run's parent, linked to `numbers`.
async fn hypothesis(server: &TestServer, project: &str, numbers: &[i64]) -> String {
    let input = json!({
        "project": project,
        "title": "A warmup schedule improves validation accuracy",
        "targets": [{ "metric": "val_acc", "weight": 1.0 }],
        "baseline": { "kind": "PARENT" },
    });
    server.create_linked_hypothesis(input, numbers).await
}

/// Polls the hypothesis until `done` holds for it (its `hypothesis` object), or fails after
/// [`JOB_DEADLINE`] showing the last answer.
async fn wait_for(server: &TestServer, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let data = server.ok(EVIDENCE, json!({ "id": id })).await;
        let hypothesis = data["hypothesis"].clone();
        if done(&hypothesis) {
            return hypothesis;
        }
        assert!(
            started.elapsed() < JOB_DEADLINE,
            "waited {JOB_DEADLINE:?} for {what}; last answer: {hypothesis}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn effective_status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |hypothesis| hypothesis["evidence"]["effectiveStatus"] == status
}

fn explanation(hypothesis: &Value) -> &str {
    hypothesis["evidence"]["explanation"]
        .as_str()
        .expect("an explanation")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_improving_val_acc_over_their_parent_support_the_hypothesis_and_the_explanation_names_them() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    let mut children = Vec::new();
    for (name, value) in [
        ("2_from_1", 0.74),
        ("3_from_1", 0.76),
        ("4_from_1", 0.80),
        ("5_from_1", 0.78),
    ] {
        children.push(run(&server, "warmup", name, value, "COMPLETE").await);
    }
    let id = hypothesis(&server, "warmup", &children).await;

    let supported = wait_for(&server, &id, "SUPPORTED", effective_status_is("SUPPORTED")).await;
    let evidence = &supported["evidence"];
    assert_eq!(supported["status"], "SUPPORTED");
    assert_eq!(supported["computedStatus"], "SUPPORTED");
    assert_eq!(evidence["computedStatus"], "SUPPORTED");
    assert_eq!(evidence["overridden"], false);
    assert!(evidence["score"].as_f64().expect("a score") >= 3.0, "{evidence}");
    assert_eq!(
        evidence["inputs"],
        json!({ "linked": 4, "withUnits": 4, "supportThreshold": 3.0, "refuteThreshold": 3.0,
                "baseline": evidence["inputs"]["baseline"], "scales": evidence["inputs"]["scales"] })
    );
    // The complete values 0.70, 0.74, 0.76, 0.80, 0.78 have median 0.76 and MAD 0.02: each
    // delta is divided by 1.4826 × 0.02 (and clamped to ±5).
    let scales = evidence["inputs"]["scales"].as_array().expect("scales");
    assert_eq!(scales.len(), 1, "{scales:?}");
    assert_eq!(scales[0]["metric"], "val_acc");
    assert_eq!(scales[0]["source"], "scaled_mad");
    let spread = scales[0]["spread"].as_f64().expect("a spread");
    assert!((spread - 1.4826 * 0.02).abs() < 1e-9, "spread {spread}");

    let units = evidence["units"].as_array().expect("units");
    assert_eq!(
        units.len(),
        4,
        "one unit per linked run and target metric: {evidence}"
    );
    for unit in units {
        assert_eq!(unit["metric"], "val_acc");
        assert_eq!(unit["baselineExperiment"], 1);
        assert_eq!(unit["direction"], "MAXIMIZE");
        assert!((unit["baselineValue"].as_f64().expect("a value") - 0.70).abs() < 1e-9);
        assert!(unit["delta"].as_f64().expect("a delta") > 0.0, "{unit}");
        let delta = unit["delta"].as_f64().expect("a delta");
        let normalized = unit["normalizedDelta"].as_f64().expect("a delta");
        assert!(
            (normalized - (delta / spread).clamp(-5.0, 5.0)).abs() < 1e-9,
            "{unit}"
        );
        let confidence = unit["confidence"].as_f64().expect("a confidence");
        assert!((0.0..=1.0).contains(&confidence), "{unit}");
    }
    let contributions = evidence["contributions"].as_array().expect("contributions");
    let numbers: Vec<i64> = contributions
        .iter()
        .map(|contribution| contribution["experiment"].as_i64().expect("a number"))
        .collect();
    assert_eq!(numbers, children, "one contribution per linked run, by number");
    let total: f64 = contributions
        .iter()
        .map(|contribution| contribution["contribution"].as_f64().expect("a number"))
        .sum();
    assert!(
        (total - evidence["score"].as_f64().expect("a score")).abs() < 1e-9,
        "the contributions add up to the score: {evidence}"
    );

    let sentence = explanation(&supported);
    assert!(sentence.starts_with("Supported"), "{sentence}");
    assert!(sentence.contains("val_acc"), "{sentence}");
    assert!(sentence.contains("4 of 4"), "{sentence}");
    assert!(
        sentence.contains("run 4 carries most weight"),
        "run 4 improves most: {sentence}"
    );

    let timeline = supported["timeline"].as_array().expect("a timeline");
    assert_eq!(
        timeline.last().expect("a point")["status"],
        "SUPPORTED",
        "the timeline ends with the current score: {timeline:?}"
    );

    // The DAG overlay: run 4's contribution to this hypothesis.
    let overlay = server
        .ok(
            "{ experiment(project: \"warmup\", number: 4) { evidence { hypothesis { id } score confidence contribution } } }",
            json!({}),
        )
        .await;
    let entries = overlay["experiment"]["evidence"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{overlay}");
    assert_eq!(entries[0]["hypothesis"]["id"], id.as_str());
    assert!(entries[0]["contribution"].as_f64().expect("a number") > 0.0);

    // Recomputing by hand answers the same evidence and adds a timeline point.
    let recomputed = server
        .ok(
            "mutation($id: ID!) { recomputeEvidence(id: $id) { score effectiveStatus explanation } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(recomputed["recomputeEvidence"]["effectiveStatus"], "SUPPORTED");
    assert_eq!(recomputed["recomputeEvidence"]["score"], evidence["score"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_worsening_val_acc_refute_the_hypothesis() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.80, "COMPLETE").await;
    let mut children = Vec::new();
    for (name, value) in [
        ("2_from_1", 0.76),
        ("3_from_1", 0.74),
        ("4_from_1", 0.70),
        ("5_from_1", 0.72),
    ] {
        children.push(run(&server, "warmup", name, value, "COMPLETE").await);
    }
    let id = hypothesis(&server, "warmup", &children).await;

    let refuted = wait_for(&server, &id, "REFUTED", effective_status_is("REFUTED")).await;
    assert_eq!(refuted["status"], "REFUTED");
    assert!(refuted["evidence"]["score"].as_f64().expect("a score") <= -3.0);
    let sentence = explanation(&refuted);
    assert!(sentence.starts_with("Refuted"), "{sentence}");
    assert!(sentence.contains("run 4 carries most weight"), "{sentence}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_override_wins_over_the_computed_status_and_is_shown_as_such() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    let mut children = Vec::new();
    for (name, value) in [
        ("2_from_1", 0.74),
        ("3_from_1", 0.76),
        ("4_from_1", 0.80),
        ("5_from_1", 0.78),
    ] {
        children.push(run(&server, "warmup", name, value, "COMPLETE").await);
    }
    let id = hypothesis(&server, "warmup", &children).await;
    wait_for(&server, &id, "SUPPORTED", effective_status_is("SUPPORTED")).await;

    server
        .ok(
            "mutation($id: ID!) { overrideHypothesisStatus(id: $id, status: REFUTED, reason: \"the validation split leaked\") { status } }",
            json!({ "id": id }),
        )
        .await;
    let overridden = wait_for(&server, &id, "the override in the explanation", |hypothesis| {
        hypothesis["evidence"]["explanation"]
            .as_str()
            .is_some_and(|sentence| sentence.contains("override"))
    })
    .await;
    let evidence = &overridden["evidence"];
    assert_eq!(overridden["status"], "REFUTED");
    assert_eq!(evidence["effectiveStatus"], "REFUTED");
    assert_eq!(
        evidence["computedStatus"], "SUPPORTED",
        "the evidence still says what it says"
    );
    assert_eq!(evidence["overridden"], true);
    assert_eq!(overridden["override"]["reason"], "the validation split leaked");
    assert!(
        explanation(&overridden).starts_with("Refuted by manual override"),
        "{evidence}"
    );

    server
        .ok(
            "mutation($id: ID!) { clearHypothesisOverride(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    let cleared = wait_for(
        &server,
        &id,
        "the override gone from the explanation",
        |hypothesis| {
            hypothesis["evidence"]["explanation"]
                .as_str()
                .is_some_and(|sentence| !sentence.contains("override"))
        },
    )
    .await;
    assert_eq!(cleared["evidence"]["effectiveStatus"], "SUPPORTED");
    assert_eq!(cleared["evidence"]["overridden"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_still_running_keeps_the_hypothesis_testing_until_it_finishes() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    // A small effect, still running: nowhere near a threshold.
    let child = run(&server, "warmup", "2_from_1", 0.705, "RUNNING").await;
    let id = hypothesis(&server, "warmup", &[child]).await;

    let testing = wait_for(&server, &id, "TESTING", effective_status_is("TESTING")).await;
    assert_eq!(testing["evidence"]["inputs"]["withUnits"], 1);
    assert!(
        explanation(&testing).contains("1 linked run is still planned or running"),
        "the explanation says a run is unfinished: {}",
        explanation(&testing)
    );

    // The run finishes with the same small effect: the status change recomputes it.
    set_status(&server, "warmup", child, "COMPLETE").await;
    wait_for(&server, &id, "INCONCLUSIVE", effective_status_is("INCONCLUSIVE")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_metric_chunk_recomputes_the_hypotheses_it_enters() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    let child = run(&server, "warmup", "2_from_1", 0.70, "RUNNING").await;
    let id = hypothesis(&server, "warmup", &[child]).await;
    wait_for(&server, &id, "a first computation", |hypothesis| {
        hypothesis["evidence"]["units"]
            .as_array()
            .is_some_and(|units| units.len() == 1)
    })
    .await;

    let child_id = server
        .ok("{ experiment(project: \"warmup\", number: 2) { id } }", json!({}))
        .await["experiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let points: Vec<Value> = (30..40)
        .map(|step| json!({ "metric": "val_acc", "step": step, "value": 0.9 }))
        .collect();
    let response = server
        .client
        .post(format!("{}/api/v1/experiments/{child_id}/metrics", server.url))
        .json(&json!({ "chunkId": "later", "points": points }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);

    let updated = wait_for(&server, &id, "the new value in the unit", |hypothesis| {
        hypothesis["evidence"]["units"][0]["experimentValue"]
            .as_f64()
            .is_some_and(|value| (value - 0.9).abs() < 1e-9)
    })
    .await;
    assert!(
        updated["evidence"]["units"][0]["delta"]
            .as_f64()
            .expect("a delta")
            > 0.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_an_environment_raises_the_confidence_of_the_runs_evidence() {
    let server = support::start().await;
    project(&server, "envs").await;
    run(&server, "envs", "1_baseline", 0.70, "COMPLETE").await;
    let child = run(&server, "envs", "2_from_1", 0.80, "COMPLETE").await;
    let id = hypothesis(&server, "envs", &[child]).await;
    let confidence = |hypothesis: &Value| hypothesis["evidence"]["units"][0]["confidence"].as_f64();
    let first = wait_for(&server, &id, "a first computation", |hypothesis| {
        confidence(hypothesis).is_some()
    })
    .await;
    let before = confidence(&first).expect("a confidence");

    server
        .ok(
            "mutation { recordEnvironment(project: \"envs\", number: 2, environment: \
             {interpreter: \"CPython 3.11\", platform: \"linux\", workingDirectory: \"/\", variables: []}) { interpreter } }",
            json!({}),
        )
        .await;
    // The environment factor goes from 0.4 × 0 + 0.2 × 0.5 to 0.4 × 1 + 0.2 × 0.5, which is
    // 0.2 × 0.4 more confidence for a complete run.
    let after = wait_for(&server, &id, "the captured environment counted", |hypothesis| {
        confidence(hypothesis).is_some_and(|after| after > before + 1e-9)
    })
    .await;
    let gained = confidence(&after).expect("a confidence") - before;
    assert!((gained - 0.2 * 0.4).abs() < 1e-9, "gained {gained}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_null_before_the_first_computation_and_recomputing_a_missing_hypothesis_is_not_found() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    let created = server
        .ok(
            "mutation { createHypothesis(input: {project: \"warmup\", title: \"unlinked\", targets: [{metric: \"val_acc\", weight: 1}]}) { id evidence { score } timeline { score } } }",
            json!({}),
        )
        .await;
    assert_eq!(created["createHypothesis"]["evidence"], Value::Null);
    assert_eq!(created["createHypothesis"]["timeline"], json!([]));

    let id = created["createHypothesis"]["id"].as_str().expect("an id");
    let recomputed = server
        .ok(
            "mutation($id: ID!) { recomputeEvidence(id: $id) { effectiveStatus explanation inputs { linked } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(recomputed["recomputeEvidence"]["effectiveStatus"], "PROPOSED");
    assert_eq!(recomputed["recomputeEvidence"]["inputs"]["linked"], 0);

    let error = server
        .error(
            "mutation { recomputeEvidence(id: \"no-such-hypothesis\") { score } }",
            json!({}),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_project_thresholds_recomputes_its_hypotheses() {
    let server = support::start().await;
    project(&server, "warmup").await;
    run(&server, "warmup", "1_baseline", 0.70, "COMPLETE").await;
    let mut children = Vec::new();
    for (name, value) in [
        ("2_from_1", 0.74),
        ("3_from_1", 0.76),
        ("4_from_1", 0.80),
        ("5_from_1", 0.78),
    ] {
        children.push(run(&server, "warmup", name, value, "COMPLETE").await);
    }
    let id = hypothesis(&server, "warmup", &children).await;
    wait_for(&server, &id, "SUPPORTED", effective_status_is("SUPPORTED")).await;

    let updated = server
        .ok(
            "mutation { updateProject(name: \"warmup\", input: {evidenceSupportThreshold: 1000}) { evidenceSupportThreshold evidenceRefuteThreshold } }",
            json!({}),
        )
        .await;
    assert_eq!(
        updated["updateProject"],
        json!({ "evidenceSupportThreshold": 1000.0, "evidenceRefuteThreshold": 3.0 })
    );
    let inconclusive = wait_for(&server, &id, "INCONCLUSIVE", effective_status_is("INCONCLUSIVE")).await;
    assert_eq!(inconclusive["evidence"]["inputs"]["supportThreshold"], 1000.0);

    let refused = server
        .error(
            "mutation { updateProject(name: \"warmup\", input: {description: \"kept?\", evidenceRefuteThreshold: -1}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(refused["extensions"]["code"], "VALIDATION");
    let project = server
        .ok(
            "{ project(name: \"warmup\") { description evidenceRefuteThreshold } }",
            json!({}),
        )
        .await;
    assert_eq!(
        project["project"],
        json!({ "description": "", "evidenceRefuteThreshold": 3.0 }),
        "a refused threshold stores nothing of the update"
    );
}
