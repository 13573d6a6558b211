//! The research assistant through GraphQL over the demo project (`support/demo.rs`): run
//! summaries, feature effects across every parent→child edge, next-experiment
//! recommendations with their reasons, and suggested hypotheses that are created only when a
//! researcher accepts one.

mod support;

use serde_json::{json, Value};
use support::demo::PROJECT;

async fn demo() -> support::TestServer {
    let server = support::start().await;
    support::demo::build(&server).await;
    server
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summaries_effects_and_recommendations_explain_themselves() {
    let server = demo().await;
    let id = |number: i64| {
        let server = &server;
        async move {
            let data = server
                .ok(
                    "query($p: String!, $n: Int!) { experiment(project: $p, number: $n) { id } }",
                    json!({"p": PROJECT, "n": number}),
                )
                .await;
            data["experiment"]["id"].as_str().expect("an id").to_owned()
        }
    };
    support::files::upload(&server, &id(1).await, &[("config.yaml", b"lr: 0.1\n")]).await;
    support::files::upload(
        &server,
        &id(2).await,
        &[("config.yaml", b"lr: 0.001\n"), ("notes.md", b"adamw\n")],
    )
    .await;

    let summary = server
        .ok(
            "query($p: String!) { experimentSummary(project: $p, number: 2) { number parent sentences featureChanges { path op value } metricDeltas { metric parentValue value improved } hypotheses { title contribution } } }",
            json!({"p": PROJECT}),
        )
        .await["experimentSummary"]
        .clone();
    assert_eq!(summary["parent"], 1);
    let text = strings(&summary["sentences"]).join(" ");
    assert!(
        text.contains("derives from #1 and sets optimizer.lr to 0.001, optimizer.name to adamw"),
        "{text}"
    );
    assert!(text.contains("val_acc improved 0.7 → 0.76 (+0.06)"), "{text}");
    assert!(
        text.contains("2 file(s) differ (config.yaml, notes.md)"),
        "{text}"
    );
    assert!(
        text.contains("supports \"AdamW converges better than SGD\""),
        "{text}"
    );
    let val_acc = summary["metricDeltas"]
        .as_array()
        .expect("deltas")
        .iter()
        .find(|delta| delta["metric"] == "val_acc")
        .expect("val_acc")
        .clone();
    assert_eq!(val_acc["improved"], true);
    assert_eq!(
        summary["hypotheses"][0]["title"],
        "AdamW converges better than SGD"
    );

    let effects = server
        .ok(
            "query($p: String!) { featureEffects(project: $p, metric: \"val_acc\") { direction directionGuessed effects { path changes improved worsened meanDelta consistency experiments } } }",
            json!({"p": PROJECT}),
        )
        .await["featureEffects"]
        .clone();
    assert_eq!(effects["direction"], "MAXIMIZE");
    assert_eq!(effects["directionGuessed"], false);
    let first = &effects["effects"][0];
    assert_eq!(first["path"], "optimizer.name");
    assert_eq!(
        (first["changes"].as_i64(), first["improved"].as_i64()),
        (Some(3), Some(3))
    );
    assert!((first["meanDelta"].as_f64().expect("mean") - 0.17 / 3.0).abs() < 1e-9);
    assert_eq!(first["experiments"], json!([2, 7, 9]));
    let width = effects["effects"]
        .as_array()
        .expect("effects")
        .iter()
        .find(|effect| effect["path"] == "model.width")
        .expect("model.width")
        .clone();
    assert_eq!(
        (width["improved"].as_i64(), width["worsened"].as_i64()),
        (Some(0), Some(2))
    );
    let by_value = server
        .ok(
            "query($p: String!) { featureEffects(project: $p, metric: \"val_acc\", byValue: true) { effects { path value changes } } }",
            json!({"p": PROJECT}),
        )
        .await;
    assert!(
        by_value["featureEffects"]["effects"]
            .as_array()
            .expect("effects")
            .iter()
            .any(|effect| effect["path"] == "optimizer.lr"
                && effect["value"] == "0.001"
                && effect["changes"] == 3),
        "{by_value}"
    );

    let recommendations = server
        .ok(
            "query($p: String!) { recommendations(project: $p) { kind action reason basedOn } }",
            json!({"p": PROJECT}),
        )
        .await["recommendations"]
        .clone();
    let kinds: Vec<&str> = recommendations
        .as_array()
        .expect("recommendations")
        .iter()
        .map(|r| r["kind"].as_str().expect("a kind"))
        .collect();
    assert_eq!(kinds.first(), Some(&"apply_to_best"), "{recommendations}");
    assert_eq!(recommendations[0]["action"], "Run #6 with data.mixup=true");
    assert!(recommendations[0]["reason"]
        .as_str()
        .expect("a reason")
        .contains("#6 has the best val_acc (0.82)"));
    assert!(kinds.contains(&"combine"), "{recommendations}");
    let deeper = recommendations
        .as_array()
        .expect("recommendations")
        .iter()
        .find(|r| {
            r["kind"] == "resolve_hypothesis"
                && r["action"].as_str().unwrap_or_default().contains("Deeper models")
        })
        .expect("the one-run hypothesis needs more runs")
        .clone();
    assert_eq!(deeper["basedOn"], json!([5]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggested_hypotheses_are_created_only_when_accepted_and_stay_gone_when_dismissed() {
    let server = demo().await;
    const SUGGESTED: &str = "query($p: String!) { suggestedHypotheses(project: $p) { key title description metric path value experiments changes consistency } }";
    let keys = |data: &Value| -> Vec<String> {
        data["suggestedHypotheses"]
            .as_array()
            .expect("suggestions")
            .iter()
            .map(|s| s["key"].as_str().expect("a key").to_owned())
            .collect()
    };
    let before = server.ok(SUGGESTED, json!({"p": PROJECT})).await;
    let offered = keys(&before);
    assert!(
        offered.contains(&"val_acc|optimizer.lr|0.001".to_owned()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"val_loss|optimizer.name|adamw".to_owned()),
        "{offered:?}"
    );
    assert!(
        !offered
            .iter()
            .any(|key| key.starts_with("val_acc|optimizer.name|")),
        "already stated by \"AdamW converges better than SGD\": {offered:?}"
    );
    let hypotheses_before = server
        .ok(
            "query($p: String!) { hypotheses(project: $p) { edges { node { id } } } }",
            json!({"p": PROJECT}),
        )
        .await["hypotheses"]["edges"]
        .as_array()
        .expect("hypotheses")
        .len();
    assert_eq!(hypotheses_before, 2, "suggestions create nothing on their own");

    let dismissed = server
        .ok(
            "mutation($p: String!) { dismissSuggestedHypothesis(project: $p, key: \"val_acc|optimizer.lr|0.001\") }",
            json!({"p": PROJECT}),
        )
        .await;
    assert_eq!(dismissed["dismissSuggestedHypothesis"], true);
    let accepted = server
        .ok(
            "mutation($p: String!) { acceptSuggestedHypothesis(project: $p, key: \"val_loss|optimizer.name|adamw\") { title about targets { metric } experiments { number } } }",
            json!({"p": PROJECT}),
        )
        .await["acceptSuggestedHypothesis"]
        .clone();
    assert_eq!(
        accepted["title"],
        "Setting optimizer.name to adamw improves val_loss"
    );
    assert_eq!(accepted["about"], json!(["optimizer.name"]));
    assert_eq!(accepted["targets"][0]["metric"], "val_loss");
    assert_eq!(
        accepted["experiments"],
        json!([{"number": 2}, {"number": 7}, {"number": 9}])
    );

    let after = keys(&server.ok(SUGGESTED, json!({"p": PROJECT})).await);
    assert!(
        !after.contains(&"val_acc|optimizer.lr|0.001".to_owned()),
        "dismissed: {after:?}"
    );
    assert!(
        !after
            .iter()
            .any(|key| key.starts_with("val_loss|optimizer.name|")),
        "accepted: {after:?}"
    );

    let error = server
        .error(
            "mutation($p: String!) { acceptSuggestedHypothesis(project: $p, key: \"val_acc|optimizer.lr|0.001\") { id } }",
            json!({"p": PROJECT}),
        )
        .await;
    assert_eq!(
        error["extensions"]["code"], "VALIDATION",
        "a dismissed suggestion is not offered: {error}"
    );
    assert_eq!(error["extensions"]["field"], "key");
}
