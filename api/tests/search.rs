//! Full-text search through the real server: the index follows what researchers change (kept
//! current from the event bus), answers the query syntax with highlighted snippets, shows
//! only projects the caller reads, refuses bad queries by field, and rebuilds from the graph.

mod support;

use serde_json::{json, Value};

const SEARCH: &str = "query($q: String!, $p: String, $k: [SearchKind!], $first: Int) { search(query: $q, project: $p, kinds: $k, first: $first) { total hits { kind id project number title snippets { field text html highlights { start end } } } } }";

async fn search(server: &support::TestServer, client: &reqwest::Client, query: &str, kinds: Value) -> Value {
    let body: Value = client
        .post(format!("{}/graphql", server.url))
        .json(&json!({"query": SEARCH, "variables": {"q": query, "k": kinds}}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["search"].clone()
}

fn titles(results: &Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["title"].as_str().expect("a title").to_owned())
        .collect()
}

/// Waits until `query` finds a hit titled `title` (the index catches up within a moment).
async fn until_found(server: &support::TestServer, query: &str, kinds: Value, title: &str) -> Value {
    for _ in 0..100 {
        let results = search(server, &server.client, query, kinds.clone()).await;
        if titles(&results).iter().any(|found| found == title) {
            return results;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("`{query}` never found {title}");
}

async fn set_notes(server: &support::TestServer, number: i64, notes: &str) {
    server
        .ok(
            "mutation($n: Int!, $notes: String!) { updateExperiment(project: \"vision\", number: $n, input: {notes: $notes, tags: [\"sweep\"]}) { number } }",
            json!({"n": number, "notes": notes}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_changes_and_answers_the_query_syntax_with_snippets() {
    let server = support::start().await;
    server.create_project("vision").await;
    server
        .create_experiment(
            "vision",
            "1_vit_baseline",
            Some(r#"{"optimizer": {"name": "sgd", "lr": 0.1}}"#),
        )
        .await;
    let child = server
        .create_experiment(
            "vision",
            "2_from_1_transformer_lr",
            Some(r#"{"optimizer": {"name": "adamw", "lr": 0.001}}"#),
        )
        .await;
    set_notes(&server, 2, "Warmup made the transformer converge twice as fast").await;

    let found = until_found(
        &server,
        "transformer",
        json!(["EXPERIMENT"]),
        "2_from_1_transformer_lr",
    )
    .await;
    let hit = &found["hits"][0];
    assert_eq!(hit["number"], 2);
    assert_eq!(hit["id"], child["id"]);
    let notes = hit["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|snippet| snippet["field"] == "notes")
        .expect("a notes snippet")
        .clone();
    assert!(
        notes["html"]
            .as_str()
            .expect("html")
            .contains("<mark>transformer</mark>"),
        "{notes}"
    );
    let range = &notes["highlights"][0];
    let text: Vec<char> = notes["text"].as_str().expect("text").chars().collect();
    let marked: String = text
        [range["start"].as_u64().expect("start") as usize..range["end"].as_u64().expect("end") as usize]
        .iter()
        .collect();
    assert_eq!(
        marked, "transformer",
        "highlights are character offsets into the text"
    );

    // Phrases, prefixes, fuzzy words, fields, feature values and exclusion.
    let cases: [(&str, Value, &[&str]); 7] = [
        (
            "\"converge twice\"",
            json!(["EXPERIMENT"]),
            &["2_from_1_transformer_lr"],
        ),
        ("warm*", json!(["EXPERIMENT"]), &["2_from_1_transformer_lr"]),
        (
            "transfromer~",
            json!(["EXPERIMENT"]),
            &["2_from_1_transformer_lr"],
        ),
        ("name:vit", json!(["EXPERIMENT"]), &["1_vit_baseline"]),
        ("0.001", json!(["EXPERIMENT"]), &["2_from_1_transformer_lr"]),
        (
            "feature:optimizer -adamw",
            json!(["EXPERIMENT"]),
            &["1_vit_baseline"],
        ),
        ("optimizer.lr", json!(["FEATURE"]), &["optimizer.lr"]),
    ];
    for (query, kinds, expected) in cases {
        let results = search(&server, &server.client, query, kinds).await;
        assert_eq!(titles(&results), expected, "`{query}`: {results}");
    }

    // An edit replaces what the index knew; hypotheses and metrics are found as they appear.
    set_notes(&server, 2, "Cosine schedule instead").await;
    until_found(
        &server,
        "cosine",
        json!(["EXPERIMENT"]),
        "2_from_1_transformer_lr",
    )
    .await;
    let stale = search(&server, &server.client, "warmup", json!(["EXPERIMENT"])).await;
    assert_eq!(stale["total"], 0, "the old notes are gone: {stale}");
    server
        .ok(
            "mutation { createHypothesis(input: {project: \"vision\", title: \"Warmup stabilises transformers\"}) { id } }",
            json!({}),
        )
        .await;
    until_found(
        &server,
        "stabilises",
        json!(["HYPOTHESIS"]),
        "Warmup stabilises transformers",
    )
    .await;
    let response = server
        .client
        .post(format!("{}/api/v1/experiments/{}/metrics", server.url, child["id"].as_str().expect("id")))
        .json(&json!({"chunkId": "c1", "points": [{"metric": "top1_accuracy", "step": 1, "value": 0.5, "wallTime": 0.0}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    until_found(&server, "top1*", json!(["METRIC"]), "top1_accuracy").await;

    // Committed files are found by path; a deleted one disappears.
    let id = child["id"].as_str().expect("id");
    support::files::upload(
        &server,
        id,
        &[("checkpoints/epoch_3.pt", b"weights"), ("plots/loss.png", b"png")],
    )
    .await;
    let found = until_found(&server, "epoch*", json!(["ARTIFACT"]), "checkpoints/epoch_3.pt").await;
    assert_eq!(found["hits"][0]["number"], 2);
    let (status, _) = support::files::post(
        &server,
        id,
        "commit",
        &json!({"files": [], "deleted": ["checkpoints/epoch_3.pt"]}),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        if search(&server, &server.client, "epoch*", json!(["ARTIFACT"])).await["total"] == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the deleted file is still found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_show_only_readable_projects_and_bad_queries_name_the_field() {
    let server = support::start().await;
    server.create_project("open-lab").await;
    server.create_project("secret-lab").await;
    server.create_experiment("open-lab", "1_shared_idea", None).await;
    server
        .create_experiment("secret-lab", "1_secret_idea", None)
        .await;
    until_found(&server, "idea", json!(["EXPERIMENT"]), "1_secret_idea").await;

    let created = server
        .ok(
            "mutation { createUser(input: {email: \"guest@lab\", displayName: \"Guest\", password: \"correct horse battery staple\"}) { id } }",
            json!({}),
        )
        .await;
    server
        .ok(
            "mutation($user: ID!) { setProjectRole(project: \"open-lab\", userId: $user, role: VIEWER) }",
            json!({"user": created["createUser"]["id"]}),
        )
        .await;
    let login = server
        .ok(
            "mutation { login(email: \"guest@lab\", password: \"correct horse battery staple\") { accessToken } }",
            json!({}),
        )
        .await;
    let guest = support::client_with_token(login["login"]["accessToken"].as_str().expect("a token"));
    let results = search(&server, &guest, "idea", Value::Null).await;
    assert_eq!(titles(&results), vec!["1_shared_idea"]);
    assert_eq!(
        results["total"], 1,
        "what the guest may not read is not even counted"
    );
    let body: Value = guest
        .post(format!("{}/graphql", server.url))
        .json(&json!({"query": SEARCH, "variables": {"q": "idea", "p": "secret-lab"}}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");

    for (query, first, field) in [
        ("nosuchfield:x", 20, "query"),
        ("\"unbalanced", 20, "query"),
        ("   ", 20, "query"),
        ("idea", 0, "first"),
        ("idea", 101, "first"),
    ] {
        let error = server.error(SEARCH, json!({"q": query, "first": first})).await;
        assert_eq!(error["extensions"]["code"], "VALIDATION", "`{query}`: {error}");
        assert_eq!(error["extensions"]["field"], field, "`{query}`: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_restores_the_index_from_the_graph_for_admins_only() {
    let server = support::start().await;
    server.create_project("atlas").await;
    for name in ["1_alpha", "2_from_1_beta", "3_from_1_gamma"] {
        server
            .create_experiment("atlas", name, Some(r#"{"lr": 0.1}"#))
            .await;
    }
    until_found(&server, "gamma", json!(["EXPERIMENT"]), "3_from_1_gamma").await;
    let rebuilt = server
        .ok("mutation { rebuildSearchIndex(project: \"atlas\") }", json!({}))
        .await;
    // 3 experiments and the one feature path they share.
    assert_eq!(rebuilt["rebuildSearchIndex"], 4);
    let everything = server.ok("mutation { rebuildSearchIndex }", json!({})).await;
    assert_eq!(everything["rebuildSearchIndex"], 4);
    let results = search(&server, &server.client, "beta OR gamma", json!(["EXPERIMENT"])).await;
    assert_eq!(results["total"], 2, "{results}");

    let refused = server
        .anonymous
        .post(format!("{}/graphql", server.url))
        .json(&json!({"query": "mutation { rebuildSearchIndex }"}))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_in_the_same_process_reopens_its_index() {
    let server = support::start().await;
    server.create_project("vision").await;
    server.create_experiment("vision", "1", None).await;
    set_notes(&server, 1, "warmup cosine").await;
    until_found(&server, "cosine", json!(["EXPERIMENT"]), "1").await;

    // Stopping releases the index's writer lock, so the next server opens it.
    let server = server.restart().await;
    set_notes(&server, 1, "warmup linear").await;
    until_found(&server, "linear", json!(["EXPERIMENT"]), "1").await;
}
