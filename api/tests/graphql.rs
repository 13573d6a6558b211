//! The GraphQL contract, driven over HTTP against the real server and embedded graph.

mod support;

use serde_json::json;
use support::start;

const EXPERIMENT_FIELDS: &str = "id number name status progress parent { number } parents { number } \
    children { number } ancestors { number } descendants { number } featuresDiff featuresFull";

#[tokio::test]
async fn experiments_form_a_dag_with_feature_diffs() {
    let server = start().await;
    server.create_project("vit_imagenet").await;
    server
        .create_experiment(
            "vit_imagenet",
            "8_base",
            Some("optimizer:\n  lr: 0.1\n  name: sgd\n"),
        )
        .await;
    let created = server
        .create_experiment(
            "vit_imagenet",
            "12_from_8_lr_sweep",
            Some("{\"optimizer\": {\"lr\": 0.01, \"name\": \"sgd\"}}"),
        )
        .await;
    assert_eq!(created["number"], 12);

    let query = format!(
        "query($p: String!, $n: Int!) {{ experiment(project: $p, number: $n) {{ {EXPERIMENT_FIELDS} }} }}"
    );
    let data = server.ok(&query, json!({ "p": "vit_imagenet", "n": 12 })).await;
    let experiment = &data["experiment"];
    assert_eq!(experiment["name"], "12_from_8_lr_sweep");
    assert_eq!(experiment["status"], "PLANNED");
    assert_eq!(experiment["parent"], json!({ "number": 8 }));
    assert_eq!(experiment["ancestors"], json!([{ "number": 8 }]));
    assert_eq!(
        experiment["featuresDiff"],
        json!([{ "op": "replace", "path": "/optimizer/lr", "value": 0.01 }])
    );
    assert_eq!(
        experiment["featuresFull"],
        json!({ "optimizer": { "lr": 0.01, "name": "sgd" } })
    );

    let root = server.ok(&query, json!({ "p": "vit_imagenet", "n": 8 })).await;
    assert_eq!(root["experiment"]["children"], json!([{ "number": 12 }]));
    assert_eq!(root["experiment"]["descendants"], json!([{ "number": 12 }]));
    assert_eq!(root["experiment"]["parent"], json!(null));
}

#[tokio::test]
async fn lineage_is_edited_retroactively_and_cycles_are_refused_by_code() {
    let server = start().await;
    server.create_project("p").await;
    for name in ["1", "2_from_1", "3_from_2", "4_from_1"] {
        server.create_experiment("p", name, Some("a: 1\n")).await;
    }
    let reparent = "mutation($n: Int!, $parent: Int) { reparentExperiment(project: \"p\", number: $n, parentNumber: $parent) { number parent { number } } }";
    let moved = server.ok(reparent, json!({ "n": 3, "parent": 4 })).await;
    assert_eq!(moved["reparentExperiment"]["parent"], json!({ "number": 4 }));

    let cycle = server.error(reparent, json!({ "n": 1, "parent": 3 })).await;
    assert_eq!(cycle["extensions"]["code"], "CYCLE");
    assert_eq!(cycle["extensions"]["cycle"], json!([1, 3, 4, 1]));
    assert!(
        cycle["message"]
            .as_str()
            .expect("message")
            .contains("#1 -> #3 -> #4 -> #1"),
        "{cycle}"
    );

    let merge =
        "mutation { addMergeParent(project: \"p\", number: 3, parentNumber: 2) { parents { number } } }";
    let merged = server.ok(merge, json!({})).await;
    assert_eq!(
        merged["addMergeParent"]["parents"],
        json!([{ "number": 4 }, { "number": 2 }])
    );

    let dag = server
        .ok(
            "{ dag(project: \"p\") { nodes { number name status } edges { from to kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(dag["dag"]["nodes"].as_array().expect("nodes").len(), 4);
    assert_eq!(
        dag["dag"]["edges"],
        json!([
            { "from": 1, "to": 2, "kind": "CHILD_OF" },
            { "from": 2, "to": 3, "kind": "MERGED_FROM" },
            { "from": 4, "to": 3, "kind": "CHILD_OF" },
            { "from": 1, "to": 4, "kind": "CHILD_OF" }
        ])
    );

    let unmerge =
        "mutation { removeMergeParent(project: \"p\", number: 3, parentNumber: 2) { parents { number } } }";
    let unmerged = server.ok(unmerge, json!({})).await;
    assert_eq!(unmerged["removeMergeParent"]["parents"], json!([{ "number": 4 }]));
}

#[tokio::test]
async fn merge_preview_and_feature_diff_explain_changes() {
    let server = start().await;
    server.create_project("p").await;
    server
        .create_experiment("p", "1", Some("lr: 0.1\ndepth: 12\n"))
        .await;
    server
        .create_experiment("p", "2_from_1", Some("lr: 0.2\ndepth: 12\n"))
        .await;
    server
        .create_experiment("p", "3_from_1", Some("lr: 0.3\ndepth: 24\n"))
        .await;
    let data = server
        .ok(
            "{ mergePreview(project: \"p\", a: 2, b: 3) { base merged clean conflicts { path base ours theirs } }
               featureDiff(project: \"p\", a: 1, b: 3) { path op before after } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["mergePreview"],
        json!({
            "base": 1, "merged": { "lr": 0.2, "depth": 24 }, "clean": false,
            "conflicts": [{ "path": "lr", "base": 0.1, "ours": 0.2, "theirs": 0.3 }]
        })
    );
    assert_eq!(
        data["featureDiff"],
        json!([
            { "path": "depth", "op": "replace", "before": 12, "after": 24 },
            { "path": "lr", "op": "replace", "before": 0.1, "after": 0.3 }
        ])
    );
}

#[tokio::test]
async fn experiments_page_with_cursors_and_kanban_groups_by_status() {
    let server = start().await;
    server.create_project("p").await;
    for number in 1..=5 {
        server.create_experiment("p", &number.to_string(), None).await;
    }
    let update = "mutation($n: Int!, $s: Status!) { updateExperiment(project: \"p\", number: $n, input: {status: $s, progress: 30}) { status progress } }";
    let updated = server.ok(update, json!({ "n": 2, "s": "RUNNING" })).await;
    assert_eq!(
        updated["updateExperiment"],
        json!({ "status": "RUNNING", "progress": 30 })
    );

    let page = "query($after: String) { experiments(project: \"p\", first: 2, after: $after) {
        edges { cursor node { number } } pageInfo { hasNextPage endCursor } } }";
    let first = server.ok(page, json!({})).await;
    let numbers: Vec<_> = first["experiments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["number"].clone())
        .collect();
    assert_eq!(numbers, vec![json!(1), json!(2)]);
    assert_eq!(first["experiments"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["experiments"]["pageInfo"]["endCursor"].clone();
    let second = server.ok(page, json!({ "after": cursor })).await;
    assert_eq!(second["experiments"]["edges"][0]["node"]["number"], 3);

    let running = server
        .ok(
            "{ experiments(project: \"p\", status: RUNNING) { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        running["experiments"]["edges"],
        json!([{ "node": { "number": 2 } }])
    );

    let kanban = server
        .ok(
            "{ kanban(project: \"p\") { status experiments { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(kanban["kanban"][0]["status"], "PLANNED");
    assert_eq!(
        kanban["kanban"][0]["experiments"]
            .as_array()
            .expect("cards")
            .len(),
        4
    );
    assert_eq!(
        kanban["kanban"][1],
        json!({ "status": "RUNNING", "experiments": [{ "number": 2 }] })
    );

    let bad_cursor = server.error(page, json!({ "after": "not-a-cursor" })).await;
    assert_eq!(bad_cursor["extensions"]["code"], "VALIDATION");
    assert_eq!(bad_cursor["extensions"]["field"], "after");
    let too_many = server
        .error(
            "{ experiments(project: \"p\", first: 5000) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(too_many["extensions"]["field"], "first");
}

#[tokio::test]
async fn a_rerun_points_at_its_original_and_takes_the_next_free_number() {
    let server = start().await;
    server.create_project("p").await;
    server.create_experiment("p", "8_base", Some("lr: 0.1\n")).await;
    server
        .create_experiment("p", "12_from_8_lr_sweep", Some("lr: 0.01\n"))
        .await;
    let create = "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) \
         { number name parent { number } rerunOf { number name } reruns { number } } }";

    let rerun = server
        .ok(
            create,
            json!({ "input": { "project": "p", "name": "12_from_8_lr_sweep", "rerunOf": 12 } }),
        )
        .await;
    assert_eq!(
        rerun["createExperiment"],
        json!({
            "number": 13,
            "name": "12_from_8_lr_sweep",
            "parent": { "number": 8 },
            "rerunOf": { "number": 12, "name": "12_from_8_lr_sweep" },
            "reruns": []
        }),
        "the name's number is ignored, its parent applies"
    );

    let read = "query($n: Int!) { experiment(project: \"p\", number: $n) \
         { rerunOf { number } reruns { number } children { number } } }";
    let original = server.ok(read, json!({ "n": 12 })).await;
    assert_eq!(
        original["experiment"],
        json!({ "rerunOf": null, "reruns": [{ "number": 13 }], "children": [] })
    );

    let missing = server
        .graphql(
            create,
            json!({ "input": { "project": "p", "name": "retry", "rerunOf": 99 } }),
        )
        .await;
    let error = &missing["errors"][0];
    assert_eq!(error["extensions"]["code"], "VALIDATION", "{missing}");
    assert_eq!(error["extensions"]["field"], "rerunOf");
    assert!(
        error["message"].as_str().expect("message").contains("#99"),
        "{error}"
    );
    assert_eq!(missing["data"], json!(null));
    let listed = server
        .ok(
            "{ project(name: \"p\") { nextNumber } experiments(project: \"p\") { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["project"]["nextNumber"], 14, "no number used up");
    assert_eq!(
        listed["experiments"]["edges"],
        json!([{ "node": { "number": 8 } }, { "node": { "number": 12 } }, { "node": { "number": 13 } }]),
        "nothing created"
    );
}

#[tokio::test]
async fn errors_carry_a_code_and_name_the_field() {
    let server = start().await;
    server.create_project("p").await;
    server.create_experiment("p", "1", None).await;
    let create = "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { number } }";

    let missing = server
        .error("{ project(name: \"nope\") { name } }", json!({}))
        .await;
    assert_eq!(missing["extensions"]["code"], "NOT_FOUND");
    assert_eq!(missing["message"], "project nope not found");

    let clash = server
        .error(create, json!({ "input": { "project": "p", "name": "1_again" } }))
        .await;
    assert_eq!(clash["extensions"]["code"], "CONFLICT");

    let yaml = server
        .error(
            create,
            json!({ "input": { "project": "p", "name": "x", "features": "a: [1,\n" } }),
        )
        .await;
    assert_eq!(yaml["extensions"]["code"], "VALIDATION");
    assert_eq!(yaml["extensions"]["field"], "features");
    assert!(
        yaml["message"].as_str().expect("message").contains("line"),
        "{yaml}"
    );

    let parent = server
        .error(
            create,
            json!({ "input": { "project": "p", "name": "x", "parentNumber": 99 } }),
        )
        .await;
    assert_eq!(parent["extensions"]["field"], "parentNumber");

    let pattern = server
        .error(
            "mutation { createProject(input: {name: \"q\", namingPattern: \"(?P<run>x)\"}) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(pattern["extensions"]["field"], "namingPattern");

    let listed = server
        .ok(
            "{ projects { name } experiments(project: \"p\") { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["projects"],
        json!([{ "name": "p" }]),
        "nothing half-written"
    );
    assert_eq!(listed["experiments"]["edges"].as_array().expect("edges").len(), 1);
}

/// The server's counters from `GET /metrics`, by name.
async fn counters(server: &support::TestServer) -> std::collections::HashMap<String, u64> {
    let response = server
        .client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .map(|(name, value)| (name.to_owned(), value.parse().expect("a count")))
        .collect()
}

#[tokio::test]
async fn abusive_requests_are_refused_before_authentication_resolvers_or_database_calls() {
    let server = start().await;
    // What one scrape costs (authenticating its API token), measured twice.
    let first = counters(&server).await;
    let second = counters(&server).await;
    let scrape = second["rsdk_graph_statements_total"] - first["rsdk_graph_statements_total"];
    let bombs = support::bombs::bombs();
    let mut timings = Vec::new();
    for bomb in &bombs {
        let started = std::time::Instant::now();
        let refused = server.error(&bomb.query, json!({})).await;
        timings.push(format!(
            "{} {:.1} ms",
            bomb.name,
            started.elapsed().as_secs_f64() * 1000.0
        ));
        let message = refused["message"].as_str().expect("a message");
        assert!(message.contains(bomb.refusal), "{}: {refused}", bomb.name);
    }

    let after = counters(&server).await;
    assert_eq!(
        after["rsdk_graph_statements_total"] - second["rsdk_graph_statements_total"],
        scrape,
        "the bombs made no database call: only the scrape's own authentication"
    );
    assert_eq!(
        after["rsdk_graphql_operations_executed_total"], second["rsdk_graphql_operations_executed_total"],
        "no bomb reached a resolver"
    );
    assert_eq!(
        after["rsdk_graphql_operations_refused_total"] - second["rsdk_graphql_operations_refused_total"],
        bombs.len() as u64
    );
    println!(
        "abuse: bombs refused before authentication ({}; debug build, request round trip), 0 database calls, 0 resolvers",
        timings.join(", ")
    );

    let batch: Vec<_> = (0..11)
        .map(|_| json!({ "query": "{ projects { name } }" }))
        .collect();
    let response = server
        .client
        .post(format!("{}/graphql", server.url))
        .json(&batch)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);

    let braces = "{".repeat(1024 * 1024);
    let response = server
        .client
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": braces }))
        .send()
        .await
        .expect("sent");
    assert!(
        response.status().is_success() || response.status() == 400,
        "{}",
        response.status()
    );

    let oversized = "x".repeat(5 * 1024 * 1024);
    let response = server
        .client
        .post(format!("{}/graphql", server.url))
        .body(oversized)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);

    let response = server
        .client
        .post(format!("{}/graphql", server.url))
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn graphiql_health_and_readiness_answer() {
    let server = start().await;
    let page = server
        .client
        .get(format!("{}/graphql", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("text").contains("graphiql"));
    let health = server
        .client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.text().await.expect("text"), "ok");
    let ready: serde_json::Value = server
        .client
        .get(format!("{}/readyz", server.url))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(ready, json!({ "status": "ready", "graph": "embedded" }));

    let closed = support::start_with(|config| config.graphiql = false).await;
    let page = closed
        .client
        .get(format!("{}/graphql", closed.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn settings_and_features_are_edited_through_mutations() {
    let server = start().await;
    server.create_project("p").await;
    let update = "mutation($input: UpdateProjectInput!) { updateProject(name: \"p\", input: $input) {
        description namingPattern parentFromName ignoredFeaturePaths } }";
    let updated = server
        .ok(update, json!({ "input": { "description": "vision", "namingPattern": "^(?P<number>\\d+)_.*$", "ignoredFeaturePaths": ["seed"] } }))
        .await;
    assert_eq!(
        updated["updateProject"],
        json!({ "description": "vision", "namingPattern": "^(?P<number>\\d+)_.*$", "parentFromName": true, "ignoredFeaturePaths": ["seed"] })
    );
    let off_pattern = server
        .error(
            "mutation { createExperiment(input: {project: \"p\", name: \"baseline\"}) { number } }",
            json!({}),
        )
        .await;
    assert!(
        off_pattern["message"]
            .as_str()
            .expect("message")
            .contains("^(?P<number>\\d+)_.*$"),
        "{off_pattern}"
    );

    server.create_experiment("p", "1_root", Some("lr: 0.1\n")).await;
    server
        .create_experiment("p", "2_child", Some("lr: 0.1\nbatch: 64\n"))
        .await;
    server
        .ok(
            "mutation { reparentExperiment(project: \"p\", number: 2, parentNumber: 1) { number } }",
            json!({}),
        )
        .await;
    let corrected = server
        .ok(
            "mutation($f: String!) { updateExperimentFeatures(project: \"p\", number: 1, features: $f) { number } }",
            json!({ "f": "lr: 0.5\n" }),
        )
        .await;
    assert_eq!(corrected["updateExperimentFeatures"]["number"], 1);
    let child = server
        .ok(
            "{ experiment(project: \"p\", number: 2) { featuresFull featuresDiff } }",
            json!({}),
        )
        .await;
    assert_eq!(
        child["experiment"]["featuresFull"],
        json!({ "lr": 0.5, "batch": 64 })
    );
    assert_eq!(
        child["experiment"]["featuresDiff"],
        json!([{ "op": "add", "path": "/batch", "value": 64 }])
    );
}
