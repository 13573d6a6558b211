//! Plain-language questions through the real server: the public question set
//! (`tests/ask/questions.yaml`) over the demo project, asked alternately through
//! `POST /api/v1/ask` and GraphQL `ask`; every answer shows only read-only, named Cypher.

mod support;

use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    question: String,
    intent: String,
    #[serde(default = "answered_by_default")]
    answered: bool,
    numbers: Option<Vec<i64>>,
    first: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    suggestions: Vec<String>,
}

fn answered_by_default() -> bool {
    true
}

const ASK: &str = "query($p: String!, $q: String!) { ask(project: $p, question: $q) { answered sentence columns rows interpretation { intent description notes } cypher { name text parameters rows } suggestions } }";

async fn ask(server: &support::TestServer, question: &str, through_rest: bool) -> Value {
    if through_rest {
        let response = server
            .client
            .post(format!("{}/api/v1/ask", server.url))
            .json(&json!({"project": support::demo::PROJECT, "question": question}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{question}");
        response.json().await.expect("JSON")
    } else {
        let data = server
            .ok(ASK, json!({"p": support::demo::PROJECT, "q": question}))
            .await;
        data["ask"].clone()
    }
}

/// What is wrong with `answer` as an answer to `case`; empty when right.
fn mismatches(case: &Case, answer: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let intent = answer["interpretation"]["intent"].as_str().unwrap_or_default();
    if intent != case.intent {
        wrong.push(format!("intent {intent}, expected {}", case.intent));
    }
    if answer["answered"] != case.answered {
        wrong.push(format!(
            "answered {}, expected {}",
            answer["answered"], case.answered
        ));
    }
    let sentence = answer["sentence"].as_str().unwrap_or_default();
    for phrase in &case.contains {
        if !sentence.contains(phrase.as_str()) {
            wrong.push(format!("the sentence lacks {phrase:?}"));
        }
    }
    let rows = answer["rows"].as_array().cloned().unwrap_or_default();
    if let Some(expected) = &case.numbers {
        let column = answer["columns"]
            .as_array()
            .and_then(|columns| columns.iter().position(|column| column == "number"));
        let numbers: Vec<i64> = match column {
            Some(index) => rows.iter().filter_map(|row| row[index].as_i64()).collect(),
            None => Vec::new(),
        };
        if &numbers != expected {
            wrong.push(format!("runs {numbers:?}, expected {expected:?}"));
        }
    }
    if let Some(first) = &case.first {
        let cell = rows
            .first()
            .and_then(|row| row.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        if cell != json!(first) {
            wrong.push(format!("first cell {cell}, expected {first:?}"));
        }
    }
    let offered: Vec<&str> = answer["suggestions"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for name in &case.suggestions {
        if !offered.contains(&name.as_str()) {
            wrong.push(format!("no suggestion {name:?} among {offered:?}"));
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_question_set_is_answered_correctly_with_read_only_cypher() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ask/questions.yaml"))
        .expect("the question set");
    let cases: Vec<Case> = serde_yaml_ng::from_str(&text).expect("the question set parses");
    assert!(cases.len() >= 40, "at least 40 questions, found {}", cases.len());
    let server = support::start().await;
    support::demo::build(&server).await;

    let read_only: Vec<&str> = graph::queries::ALL
        .iter()
        .filter(|query| !query.writes)
        .map(|query| query.name)
        .collect();
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let answer = ask(&server, &case.question, index % 2 == 0).await;
        let mut wrong = mismatches(case, &answer);
        let statements = answer["cypher"].as_array().cloned().unwrap_or_default();
        if case.answered && case.intent != "clarify" && statements.is_empty() {
            wrong.push("no Cypher shown".to_owned());
        }
        for statement in &statements {
            let name = statement["name"].as_str().unwrap_or_default();
            if !read_only.contains(&name) {
                wrong.push(format!("ran {name}, which is not a named read query"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{:?}: {}\n    answer: {}",
                case.question,
                wrong.join("; "),
                answer["sentence"]
            ));
        }
    }
    let correct = cases.len() - failures.len();
    println!(
        "ask: {correct} of {} questions answered correctly ({:.1} %)",
        cases.len(),
        100.0 * correct as f64 / cases.len() as f64
    );
    assert!(failures.is_empty(), "wrong answers:\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_questions_are_refused_with_the_field_and_outsiders_learn_nothing() {
    let server = support::start().await;
    server.create_project("quiet").await;
    let error = server.error(ASK, json!({"p": "quiet", "q": "   "})).await;
    assert_eq!(error["extensions"]["code"], "VALIDATION", "{error}");
    assert_eq!(error["extensions"]["field"], "question", "{error}");
    let long = "why ".repeat(200);
    let error = server.error(ASK, json!({"p": "quiet", "q": long})).await;
    assert_eq!(error["extensions"]["field"], "question", "{error}");

    let response = server
        .client
        .post(format!("{}/api/v1/ask", server.url))
        .body("{\"project\": \"quiet\"}")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 422, "a body without a question is refused");
    let body: Value = response.json().await.expect("JSON");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("question"),
        "{body}"
    );

    let response = server
        .anonymous
        .post(format!("{}/api/v1/ask", server.url))
        .json(&json!({"project": "quiet", "question": "which runs failed"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401, "questions need a caller");
    let error = server
        .error(ASK, json!({"p": "nowhere", "q": "which runs failed"}))
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{error}");
}
