//! The optional language model behind `ask`, against an OpenAI-compatible endpoint served
//! here (a stand-in for a hosted model: it answers each question with a fixed proposal). What
//! the planner understands never reaches the model; what the model proposes runs only when it
//! is a read-only query over the asked project, and nothing it proposes can write.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

const ASK: &str = "query($q: String!) { ask(project: \"vision\", question: $q) { answered sentence columns rows interpretation { intent notes } cypher { name text parameters } } }";

/// The proposals of the stand-in model, by a word of the question.
fn proposal(question: &str) -> &'static str {
    if question.contains("warmup") {
        "Sure:\n```cypher\nMATCH (e:Experiment {project_id: $project_id}) WHERE e.notes CONTAINS 'warmup' RETURN e.number AS number, e.name AS name ORDER BY number\n```"
    } else if question.contains("forget") {
        "```cypher\nMATCH (e:Experiment {project_id: $project_id}) DETACH DELETE e\n```"
    } else if question.contains("colleagues") {
        "```cypher\nMATCH (u:User) RETURN u.email AS email\n```"
    } else {
        "```cypher\nMATCH (e:Experiment) RETURN e.name AS name\n```"
    }
}

/// Serves `/v1/chat/completions` and records the questions it was asked.
async fn stand_in_model() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorded = asked.clone();
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let recorded = recorded.clone();
            async move {
                if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer test-key") {
                    return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
                }
                let question = body["messages"][1]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    body["messages"][0]["content"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("$project_id"),
                    "the model is told to stay in the project"
                );
                let content = proposal(&question);
                recorded.lock().expect("lock").push(question);
                (
                    StatusCode::OK,
                    Json(json!({"choices": [{"message": {"role": "assistant", "content": content}}]})),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    (address, asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_answers_only_what_the_planner_cannot_and_only_with_checked_reads() {
    let (address, asked) = stand_in_model().await;
    let server = support::start_with(|config| {
        config.ask_model_url = Some(format!("http://{address}/v1"));
        config.outbound_allow = "127.0.0.1".into();
        config.ask_model_key = Some(api::config::Secret("test-key".into()));
    })
    .await;
    server.create_project("vision").await;
    for name in ["1_base", "2_from_1_warm"] {
        server.create_experiment("vision", name, None).await;
    }
    server
        .ok(
            "mutation { updateExperiment(project: \"vision\", number: 2, input: {notes: \"linear warmup for 500 steps\"}) { number } }",
            json!({}),
        )
        .await;

    let planned = server.ok(ASK, json!({"q": "which runs are planned"})).await;
    assert_eq!(planned["ask"]["interpretation"]["intent"], "runs");
    assert!(
        asked.lock().expect("lock").is_empty(),
        "the planner answered: the model was not asked"
    );

    let answer = server
        .ok(ASK, json!({"q": "list runs whose notes talk about warmup"}))
        .await["ask"]
        .clone();
    assert_eq!(answer["answered"], true, "{answer}");
    assert_eq!(answer["interpretation"]["intent"], "language_model");
    assert_eq!(answer["columns"], json!(["name", "number"]));
    assert_eq!(answer["rows"], json!([["2_from_1_warm", 2]]));
    assert_eq!(answer["cypher"][0]["name"], "generated");
    assert!(answer["cypher"][0]["text"]
        .as_str()
        .expect("text")
        .ends_with("LIMIT 100"));
    assert!(
        answer["interpretation"]["notes"]
            .to_string()
            .contains("LIMIT 100 added"),
        "{answer}"
    );

    for (question, reason) in [
        ("please forget everything", "DETACH"),
        ("who are my colleagues", "`User`"),
        ("every run of every team", "this project"),
    ] {
        let refused = server.ok(ASK, json!({"q": question})).await["ask"].clone();
        assert_eq!(refused["answered"], false, "{refused}");
        assert_eq!(refused["interpretation"]["intent"], "clarify");
        let notes = refused["interpretation"]["notes"].to_string();
        assert!(
            notes.contains("refused") && notes.contains(reason),
            "{question}: {notes}"
        );
        assert_eq!(refused["cypher"], json!([]), "nothing ran");
    }
    let runs = server
        .ok(
            "{ experiments(project: \"vision\") { edges { node { number name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        runs["experiments"]["edges"].as_array().expect("runs").len(),
        2,
        "nothing was deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_model_leaves_the_planners_clarification_with_the_reason() {
    let port = testkit::free_port();
    let server = support::start_with(|config| {
        config.ask_model_url = Some(format!("http://127.0.0.1:{port}/v1"));
        config.outbound_allow = "127.0.0.1".into();
        config.ask_model_timeout_seconds = 2;
    })
    .await;
    server.create_project("vision").await;
    let answer = server.ok(ASK, json!({"q": "what is the meaning of life"})).await["ask"].clone();
    assert_eq!(answer["answered"], false);
    assert!(answer["sentence"]
        .as_str()
        .expect("a sentence")
        .contains("did not understand"));
    assert!(
        answer["interpretation"]["notes"]
            .to_string()
            .contains("could not help"),
        "{answer}"
    );
}
