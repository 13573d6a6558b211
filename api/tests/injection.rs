//! A Cypher-injection corpus through the real server: every free-text field (project
//! description, experiment name and notes, feature values and keys, hypothesis title and
//! description) stores each payload verbatim, reads it back unchanged, and nothing else in
//! the graph changes — user values reach Cypher only as parameters (RELIABILITY.md,
//! "Injection and outbound requests").

mod support;

use serde_json::{json, Value};

/// Payloads that would change a query if they were spliced into its text.
const CORPUS: &[&str] = &[
    "' OR 1=1 //",
    "\" OR \"\"=\"",
    "x'}) MATCH (n) DETACH DELETE n //",
    "x\"}) MATCH (n) DETACH DELETE n //",
    "`) DETACH DELETE n //",
    "$project_id",
    "{id: $id}",
    "'; CALL db.labels() YIELD label RETURN label //",
    "x\") SET n.site_admin = true RETURN n //",
    "1}) RETURN 1 UNION MATCH (u:User) RETURN u.password_hash //",
    "/* comment */ MATCH (n) RETURN count(n)",
    "\\' OR \\'1\\'=\\'1",
    "ʼ OR ʼ1ʼ=ʼ1",
    "%27%20OR%201%3D1",
    "{{7*7}} ${7*7}",
];

async fn count_experiments(server: &support::TestServer, project: &str) -> i64 {
    let data = server
        .ok(
            "query($p: String!) { experiments(project: $p, first: 1000) { edges { node { number } } } }",
            json!({ "p": project }),
        )
        .await;
    data["experiments"]["edges"]
        .as_array()
        .map_or(0, |edges| edges.len() as i64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_payloads_are_stored_verbatim_and_change_nothing_else() {
    let server = support::start().await;
    server.create_project("bystander").await;
    server.create_experiment("bystander", "1", Some("lr: 0.1")).await;
    server.create_project("inj").await;
    let before_users = server.ok("{ users { id } }", json!({})).await;

    for (index, payload) in CORPUS.iter().enumerate() {
        let number = index as i64 + 1;
        let features =
            serde_json::to_string(&json!({ "value": payload, "nested": { (*payload): 1 } })).expect("json");
        let created = server
            .ok(
                "mutation($name: String!, $f: String!) { createExperiment(input: {project: \"inj\", name: $name, features: $f}) { number name featuresFull } }",
                json!({ "name": format!("{number}_{payload}"), "f": features }),
            )
            .await;
        let experiment = &created["createExperiment"];
        assert_eq!(experiment["number"], number, "{payload}");
        assert_eq!(experiment["name"], format!("{number}_{payload}"));
        assert_eq!(experiment["featuresFull"]["value"], *payload);
        assert_eq!(experiment["featuresFull"]["nested"][*payload], 1);

        let updated = server
            .ok(
                "mutation($n: Int!, $notes: String!) { updateExperiment(project: \"inj\", number: $n, input: {notes: $notes}) { notes } }",
                json!({ "n": number, "notes": payload }),
            )
            .await;
        assert_eq!(updated["updateExperiment"]["notes"], *payload);

        let project = server
            .ok(
                "mutation($d: String!) { updateProject(name: \"inj\", input: {description: $d}) { description } }",
                json!({ "d": payload }),
            )
            .await;
        assert_eq!(project["updateProject"]["description"], *payload);

        let hypothesis = server
            .ok(
                "mutation($t: String!) { createHypothesis(input: {project: \"inj\", title: $t, description: $t}) { id title description } }",
                json!({ "t": payload }),
            )
            .await;
        let id = hypothesis["createHypothesis"]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        let read = server
            .ok(
                "query($id: ID!) { hypothesis(id: $id) { title description } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(read["hypothesis"]["title"], *payload);
        assert_eq!(read["hypothesis"]["description"], *payload);
    }

    // Read back after all of them: each stored as written.
    for (index, payload) in CORPUS.iter().enumerate() {
        let data = server
            .ok(
                "query($n: Int!) { experiment(project: \"inj\", number: $n) { name notes featuresFull } }",
                json!({ "n": index as i64 + 1 }),
            )
            .await;
        assert_eq!(data["experiment"]["notes"], *payload);
        assert_eq!(data["experiment"]["featuresFull"]["value"], *payload);
    }
    // And nothing else moved: the other project, its run, the users.
    assert_eq!(count_experiments(&server, "inj").await, CORPUS.len() as i64);
    assert_eq!(count_experiments(&server, "bystander").await, 1);
    let bystander = server
        .ok(
            "{ experiment(project: \"bystander\", number: 1) { notes featuresFull } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bystander["experiment"],
        json!({ "notes": "", "featuresFull": { "lr": 0.1 } })
    );
    let after_users: Value = server.ok("{ users { id } }", json!({})).await;
    assert_eq!(after_users, before_users);
    let projects = server.ok("{ projects { name } }", json!({})).await;
    assert_eq!(projects["projects"].as_array().map(Vec::len), Some(2));
}
