//! `rsdk search`, `rsdk ask` and `rsdk reindex` against the real server: the `rsdk` binary
//! runs the way a person runs it (`--server`, `--token`, no config file), and its output
//! lines and exit status are checked.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::TestServer;

/// What one `rsdk` command printed and how it exited.
#[derive(Debug)]
struct Output {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The line that mentions `text`; fails the test when none does.
    fn line_with(&self, text: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?} in:\n{}", self.stdout))
    }
}

/// Runs `rsdk SUBCOMMAND --server URL [--token TOKEN] ARGS...` with `environment` set and
/// nothing of the caller's environment or config file.
async fn rsdk_with(
    server: &TestServer,
    token: Option<&str>,
    environment: &[(&str, &str)],
    subcommand: &str,
    args: &[&str],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rsdk"));
    command
        .arg(subcommand)
        .args(["--server", &server.url])
        .args(["--client-config", "/nonexistent/rsdk/config.toml"]);
    if let Some(token) = token {
        command.args(["--token", token]);
    }
    command.args(args);
    for variable in ["RSDK_PROJECT", "RSDK_SERVER", "RSDK_TOKEN", "RSDK_CONFIG"] {
        command.env_remove(variable);
    }
    command.envs(environment.iter().copied());
    // The server runs on this test's runtime: the blocking wait goes to another thread.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joined")
        .expect("rsdk runs");
    Output {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn rsdk(server: &TestServer, subcommand: &str, args: &[&str]) -> Output {
    rsdk_with(server, Some(&server.admin_token), &[], subcommand, args).await
}

async fn create_experiment(server: &TestServer, input: Value) -> Value {
    let data = server
        .ok(
            "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number } }",
            json!({ "input": input }),
        )
        .await;
    data["createExperiment"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_prints_a_line_a_hit_with_the_matches_in_brackets_and_the_total() {
    let server = support::start().await;
    server.create_project("vision").await;
    server.create_project("audio").await;
    create_experiment(&server, json!({"project": "vision", "name": "1_vit_baseline"})).await;
    create_experiment(
        &server,
        json!({"project": "vision", "name": "2_from_1_transformer_lr",
               "notes": "Warmup made the transformer converge twice as fast", "tags": ["sweep"]}),
    )
    .await;
    create_experiment(
        &server,
        json!({"project": "audio", "name": "1_tts", "notes": "a transformer for speech"}),
    )
    .await;
    server
        .ok(
            "mutation { createHypothesis(input: {project: \"vision\", title: \"Warmup helps the transformer\"}) { id } }",
            json!({}),
        )
        .await;

    // The index follows the graph within a moment.
    support::demo::wait_for("the index to find all three", || async {
        rsdk(&server, "search", &["transformer"])
            .await
            .stdout
            .contains("3 of 3 hits")
    })
    .await;
    let everything = rsdk(&server, "search", &["transformer"]).await;
    assert_eq!(everything.status, 0, "{everything:?}");
    assert_eq!(everything.lines().len(), 4, "{}", everything.stdout);
    let experiment = everything.line_with("2_from_1_transformer_lr");
    assert!(
        experiment.starts_with("experiment  vision  #2  2_from_1_transformer_lr")
            && experiment.ends_with("notes: Warmup made the [transformer] converge twice as fast"),
        "{experiment:?}"
    );
    assert!(
        everything
            .line_with("1_tts")
            .ends_with("notes: a [transformer] for speech"),
        "{}",
        everything.stdout
    );
    let hypothesis = everything.line_with("Warmup helps the transformer");
    assert!(hypothesis.starts_with("hypothesis  vision  "), "{hypothesis:?}");
    assert!(
        !hypothesis.contains('#'),
        "a hypothesis has no number: {hypothesis:?}"
    );

    let one_project = rsdk(
        &server,
        "search",
        &["transformer", "-p", "vision", "--kind", "experiment"],
    )
    .await;
    assert_eq!(one_project.lines().len(), 2, "{}", one_project.stdout);
    assert!(one_project.stdout.contains("2_from_1_transformer_lr"));
    assert_eq!(one_project.lines()[1], "1 of 1 hit");

    let limited = rsdk(&server, "search", &["transformer", "--limit", "1"]).await;
    assert_eq!(limited.lines().last(), Some(&"1 of 3 hits"), "{}", limited.stdout);

    let phrase = rsdk(&server, "search", &["\"converge twice\" tag:sweep"]).await;
    assert_eq!(phrase.lines().len(), 2, "{}", phrase.stdout);
    assert!(
        phrase.lines()[0].contains("[converge] [twice]") || phrase.lines()[0].contains("[converge twice]")
    );

    let json_lines = rsdk(
        &server,
        "search",
        &["transformer", "--kind", "hypothesis,experiment", "--json"],
    )
    .await;
    let hits: Vec<Value> = json_lines
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(hits.len(), 3, "{}", json_lines.stdout);
    let numbered = hits
        .iter()
        .find(|hit| hit["title"] == "2_from_1_transformer_lr")
        .expect("the experiment");
    assert_eq!(
        (numbered["kind"].clone(), numbered["number"].clone()),
        (json!("EXPERIMENT"), json!(2))
    );
    assert!(numbered["snippets"][0]["highlights"].is_array(), "{numbered}");

    let nothing = rsdk(&server, "search", &["zeppelin"]).await;
    assert_eq!((nothing.status, nothing.lines()), (0, vec!["0 of 0 hits"]));
    assert!(nothing.stderr.contains("hint:"), "{nothing:?}");

    let bad = rsdk(&server, "search", &["nosuchfield:x"]).await;
    assert_eq!(bad.status, 1, "{bad:?}");
    assert!(bad.stderr.contains("(field `query`)"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("hint: see `rsdk search --help`"),
        "{}",
        bad.stderr
    );
    let unknown = rsdk(&server, "search", &["transformer", "-p", "nowhere"]).await;
    assert_eq!(unknown.status, 1, "{unknown:?}");
    assert!(unknown.stderr.contains("`rsdk projects`"), "{}", unknown.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_prints_the_sentence_and_a_table_and_an_unclear_question_exits_2() {
    let server = support::start().await;
    server.create_project("lab").await;
    let baseline = create_experiment(
        &server,
        json!({"project": "lab", "name": "1_baseline", "status": "COMPLETE"}),
    )
    .await;
    create_experiment(&server, json!({"project": "lab", "name": "2_from_1_momentum"})).await;
    create_experiment(&server, json!({"project": "lab", "name": "3_from_1_wide_model"})).await;
    let points: Vec<Value> = ["val_acc", "val_loss", "train_loss"]
        .iter()
        .map(|metric| json!({"metric": metric, "step": 1, "value": 0.5, "wallTime": 1_700_000_000.0}))
        .collect();
    let stored = server
        .client
        .post(format!(
            "{}/api/v1/experiments/{}/metrics",
            server.url,
            baseline["id"].as_str().expect("an id")
        ))
        .json(&json!({"chunkId": "c1", "points": points}))
        .send()
        .await
        .expect("sent");
    assert_eq!(stored.status(), 201);

    let planned = rsdk(&server, "ask", &["-p", "lab", "which runs are planned"]).await;
    assert_eq!(planned.status, 0, "{planned:?}");
    let lines = planned.lines();
    assert!(!lines[0].is_empty() && lines[1].is_empty(), "{}", planned.stdout);
    assert!(
        lines[2].starts_with("number  name"),
        "a header: {}",
        planned.stdout
    );
    assert_eq!(lines.len(), 5, "two runs: {}", planned.stdout);
    assert!(
        lines[3].trim_start().starts_with("2  2_from_1_momentum"),
        "{}",
        planned.stdout
    );
    assert!(
        lines[4].trim_start().starts_with("3  3_from_1_wide_model"),
        "{}",
        planned.stdout
    );

    // Unquoted words, the project from RSDK_PROJECT, and the Cypher that ran.
    let with_cypher = rsdk_with(
        &server,
        Some(&server.admin_token),
        &[("RSDK_PROJECT", "lab")],
        "ask",
        &["--cypher", "which", "runs", "are", "planned"],
    )
    .await;
    assert_eq!(with_cypher.status, 0, "{with_cypher:?}");
    assert!(
        with_cypher.stdout.starts_with(&planned.stdout),
        "{}",
        with_cypher.stdout
    );
    assert!(
        with_cypher.stdout.contains("\n// parameters: {"),
        "{}",
        with_cypher.stdout
    );

    let as_json = rsdk(&server, "ask", &["-p", "lab", "--json", "which runs are planned"]).await;
    let answer: Value = serde_json::from_str(&as_json.stdout).expect("one JSON answer");
    assert_eq!(answer["answered"], true);
    assert_eq!(answer["rows"].as_array().map(Vec::len), Some(2), "{answer}");
    assert_eq!(answer["interpretation"]["intent"], "runs");

    let corrected = rsdk(&server, "ask", &["-p", "lab", "best runs by validation acuracy"]).await;
    assert_eq!(corrected.status, 0, "{corrected:?}");
    assert!(corrected.stdout.contains("1_baseline"), "{}", corrected.stdout);
    assert!(
        corrected.stderr.contains("note: read \"acuracy\" as"),
        "{}",
        corrected.stderr
    );

    let unclear = rsdk(&server, "ask", &["-p", "lab", "lowest", "loss"]).await;
    assert_eq!(unclear.status, 2, "a clarifying answer: {unclear:?}");
    let try_line = unclear.line_with("Try: ");
    assert!(
        try_line.contains("val_loss") && try_line.contains("train_loss"),
        "{}",
        unclear.stdout
    );
    assert!(!unclear.lines()[0].is_empty());

    let unknown = rsdk(&server, "ask", &["-p", "nowhere", "which runs failed"]).await;
    assert_eq!(unknown.status, 1, "{unknown:?}");
    assert!(unknown.stderr.contains("`rsdk projects`"), "{}", unknown.stderr);
    let no_project = rsdk(&server, "ask", &["which runs failed"]).await;
    assert_eq!(no_project.status, 2, "a usage error: {no_project:?}");
    assert!(no_project.stderr.contains("--project"), "{}", no_project.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_prints_how_many_documents_it_indexed() {
    let server = support::start().await;
    server.create_project("atlas").await;
    for name in ["1_alpha", "2_from_1_beta", "3_from_1_gamma"] {
        server
            .create_experiment("atlas", name, Some(r#"{"lr": 0.1}"#))
            .await;
    }
    // 3 experiments and the one feature path they share.
    let one = rsdk(&server, "reindex", &["-p", "atlas"]).await;
    assert_eq!(
        (one.status, one.stdout.as_str()),
        (0, "indexed 4 documents (project atlas)\n"),
        "{one:?}"
    );
    let every = rsdk(&server, "reindex", &[]).await;
    assert_eq!(every.stdout, "indexed 4 documents (every project)\n", "{every:?}");
    let found = rsdk(&server, "search", &["beta OR gamma", "--kind", "experiment"]).await;
    assert_eq!(found.lines().last(), Some(&"2 of 2 hits"), "{found:?}");

    let anonymous = rsdk_with(&server, None, &[], "reindex", &[]).await;
    assert_eq!(anonymous.status, 1, "{anonymous:?}");
    assert!(
        anonymous.stderr.contains("hint: sign in with `rsdk login`"),
        "{}",
        anonymous.stderr
    );
}
