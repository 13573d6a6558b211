//! Signing in, the first start, the audit log, sign-in limits and GDPR erasure, driven
//! through the real server.

mod support;

use serde_json::{json, Value};

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }";
const LOGIN: &str = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken user { id } } }";
const PASSWORD: &str = "correct horse battery staple";

async fn create_user(server: &support::TestServer, email: &str, name: &str) -> String {
    let data = server
        .ok(
            CREATE_USER,
            json!({ "input": { "email": email, "displayName": name, "password": PASSWORD } }),
        )
        .await;
    data["createUser"]["id"].as_str().expect("an id").to_owned()
}

/// Runs `query` with `client` and returns the body.
async fn call(
    server: &support::TestServer,
    client: &reqwest::Client,
    query: &str,
    variables: Value,
) -> Value {
    client
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// Team `vision` with `members` (user id and role, e.g. `VIEWER`), owning project `vit`.
async fn vision_team_owning_vit(server: &support::TestServer, members: &[(&str, &str)]) {
    server
        .ok("mutation { createTeam(name: \"vision\") { id } }", json!({}))
        .await;
    for (user, role) in members {
        server
            .ok(
                &format!("mutation($u: ID!) {{ setTeamMember(team: \"vision\", userId: $u, role: {role}) }}"),
                json!({ "u": user }),
            )
            .await;
    }
    server
        .ok(
            "mutation { createProject(input: {name: \"vit\", team: \"vision\"}) { id } }",
            json!({}),
        )
        .await;
}

/// A client signed in as `email` (created with [`PASSWORD`]), sending its access token.
async fn signed_in(server: &support::TestServer, email: &str) -> reqwest::Client {
    let session = call(
        server,
        &server.anonymous,
        LOGIN,
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    support::client_with_token(
        session["data"]["login"]["accessToken"]
            .as_str()
            .expect("signed in"),
    )
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_creates_an_admin_and_a_private_token_file_once() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let client_config = dir.path().join("sdk").join("config.toml");
    let path = client_config.clone();
    let server = support::start_with(move |config| config.client_config = Some(path)).await;
    let mode = std::fs::metadata(&client_config)
        .expect("written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner may read the token");
    let text = std::fs::read_to_string(&client_config).expect("readable");
    assert!(text.contains(&format!("server = \"{}\"", server.url)), "{text}");
    let token = support::token_in(&client_config);
    let me = call(
        &server,
        &support::client_with_token(&token),
        "{ me { email siteAdmin } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "email": "admin@localhost", "siteAdmin": true })
    );
    let users = server.ok("{ users { email } }", json!({})).await;
    assert_eq!(
        users["users"].as_array().map(Vec::len),
        Some(1),
        "one administrator, created once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_answers_unknown_and_wrong_alike_and_refuses_bad_input_by_field() {
    let server = support::start().await;
    create_user(&server, "Ann@Example.org ", "Ann").await;

    let duplicate = server
        .error(
            CREATE_USER,
            json!({ "input": { "email": "ann@example.org", "displayName": "Ann 2", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(duplicate["extensions"]["code"], "CONFLICT");
    assert_eq!(duplicate["extensions"]["field"], "email");
    let weak = server
        .error(
            CREATE_USER,
            json!({ "input": { "email": "bob@example.org", "displayName": "Bob", "password": "short" } }),
        )
        .await;
    assert_eq!(weak["extensions"]["field"], "password");
    assert!(
        weak["message"].as_str().unwrap_or_default().contains("12"),
        "{weak}"
    );

    let signed_in = call(
        &server,
        &server.anonymous,
        LOGIN,
        json!({ "email": "ann@example.org", "password": PASSWORD }),
    )
    .await;
    assert!(
        signed_in["data"]["login"]["accessToken"].is_string(),
        "{signed_in}"
    );
    let wrong = call(
        &server,
        &server.anonymous,
        LOGIN,
        json!({ "email": "ann@example.org", "password": "not the password" }),
    )
    .await;
    let unknown = call(
        &server,
        &server.anonymous,
        LOGIN,
        json!({ "email": "nobody@example.org", "password": PASSWORD }),
    )
    .await;
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_sign_ins_are_refused_with_a_wait() {
    let server = support::start().await;
    create_user(&server, "carol@example.org", "Carol").await;
    let attempt = json!({ "email": "carol@example.org", "password": "wrong wrong wrong" });
    let mut codes = Vec::new();
    for _ in 0..11 {
        let body = call(&server, &server.anonymous, LOGIN, attempt.clone()).await;
        codes.push(
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        if codes.last().map(String::as_str) == Some("RATE_LIMITED") {
            assert!(
                body["errors"][0]["extensions"]["retryAfter"]
                    .as_u64()
                    .unwrap_or_default()
                    > 0,
                "{body}"
            );
        }
    }
    assert!(
        codes[..10].iter().all(|code| code == "UNAUTHENTICATED"),
        "{codes:?}"
    );
    assert_eq!(codes[10], "RATE_LIMITED");
    let right = call(
        &server,
        &server.anonymous,
        LOGIN,
        json!({ "email": "carol@example.org", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        right["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "even the right password waits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_and_refusal_leaves_exactly_one_audit_record_without_secrets() {
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_experiment("vit", "1", None).await;
    let bad_token = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                "Bearer not-a-token".parse().expect("header"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .expect("client");
    let refused = bad_token
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": "{ projects { name } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 401);
    let anonymous = call(
        &server,
        &server.anonymous,
        "mutation { createProject(input: {name: \"sneaky\"}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    create_user(&server, "dan@example.org", "Dan").await;

    let log = server
        .ok(
            "{ auditLog(first: 100) { action target outcome summary actor } }",
            json!({}),
        )
        .await;
    let entries = log["auditLog"].as_array().expect("entries").clone();
    let count = |action: &str, outcome: &str| {
        entries
            .iter()
            .filter(|entry| entry["action"] == action && entry["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("createProject", "ok"), 1);
    assert_eq!(count("createExperiment", "ok"), 1);
    assert_eq!(count("createProject", "denied"), 1, "the anonymous attempt");
    assert_eq!(count("authenticate", "denied"), 1, "the bad token");
    assert_eq!(count("createUser", "ok"), 1);
    let text = serde_json::to_string(&entries).expect("json");
    assert!(!text.contains(PASSWORD), "no password in the audit log");
    assert!(!text.contains("dan@example.org"), "no email in the audit log");
    let experiment = entries
        .iter()
        .find(|entry| entry["action"] == "createExperiment")
        .expect("recorded");
    assert_eq!(experiment["target"], "project vit");
    assert!(experiment["actor"].is_string(), "the admin did it");

    let filtered = server
        .ok("{ auditLog(action: \"createExperiment\") { action } }", json!({}))
        .await;
    assert_eq!(filtered["auditLog"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_user_is_gone_from_every_answer_but_their_actions_still_count() {
    let server = support::start().await;
    let erin = create_user(&server, "erin@example.org", "Erin Example").await;
    vision_team_owning_vit(&server, &[(&erin, "RESEARCHER")]).await;
    let erin_client = signed_in(&server, "erin@example.org").await;
    let created = call(
        &server,
        &erin_client,
        "mutation { createExperiment(input: {project: \"vit\", name: \"1\"}) { id } }",
        json!({}),
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let export = call(&server, &erin_client, "{ exportMyData }", json!({})).await;
    let export_text = export.to_string();
    assert!(
        export_text.contains("erin@example.org") && export_text.contains("vision"),
        "{export_text}"
    );
    assert!(!export_text.contains("admin@localhost"), "nobody else's data");

    let actions_before = server
        .ok(
            "query($u: ID!) { auditLog(actor: $u) { action } }",
            json!({ "u": erin }),
        )
        .await["auditLog"]
        .as_array()
        .map(Vec::len);
    server
        .ok(
            "mutation($u: ID!) { eraseUser(userId: $u) }",
            json!({ "u": erin }),
        )
        .await;

    let after = call(&server, &erin_client, "{ me { email } }", json!({})).await;
    assert_eq!(
        after["code"], "UNAUTHENTICATED",
        "the erased user's token is dead: {after}"
    );
    for query in [
        "{ users { email displayName } }",
        "{ teamMembers(team: \"vision\") { user { email displayName } } }",
        "{ auditLog(first: 1000) { actor summary target } }",
    ] {
        let text = server.ok(query, json!({})).await.to_string();
        assert!(!text.contains("erin@example.org"), "{query}: {text}");
        assert!(!text.contains("Erin Example"), "{query}: {text}");
    }
    let actions_after = server
        .ok(
            "query($u: ID!) { auditLog(actor: $u) { action } }",
            json!({ "u": erin }),
        )
        .await["auditLog"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        actions_before, actions_after,
        "their actions still count, under a pseudonym"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_admins_export_the_audit_log_as_json_lines_and_nobody_else_can() {
    let server = support::start().await;
    server.create_project("vit").await;
    server.create_experiment("vit", "1", None).await;
    create_user(&server, "fay@example.org", "Fay").await;
    let export = server
        .client
        .get(format!(
            "{}/api/v1/audit.jsonl?action=createExperiment",
            server.url
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(export.status(), 200);
    let text = export.text().await.expect("text");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a json line"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["target"], "project vit");
    let all = server
        .client
        .get(format!("{}/api/v1/audit.jsonl", server.url))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(all.lines().count() >= 3, "{all}");
    assert!(
        !all.contains(PASSWORD) && !all.contains("fay@example.org"),
        "{all}"
    );

    let fay = signed_in(&server, "fay@example.org").await;
    let refused = fay
        .get(format!("{}/api/v1/audit.jsonl", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    let anonymous = server
        .anonymous
        .get(format!("{}/api/v1/audit.jsonl", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_access_closes_a_live_event_stream_within_five_seconds() {
    use futures::StreamExt as _;
    let server = support::start().await;
    let gil = create_user(&server, "gil@example.org", "Gil").await;
    vision_team_owning_vit(&server, &[(&gil, "VIEWER")]).await;
    let gil_client = signed_in(&server, "gil@example.org").await;
    let response = gil_client
        .get(format!("{}/api/v1/events", server.url))
        .send()
        .await
        .expect("subscribed");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();

    server
        .ok(
            "mutation($u: ID!) { removeTeamMember(team: \"vision\", userId: $u) }",
            json!({ "u": gil }),
        )
        .await;
    let revoked = std::time::Instant::now();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream was still open 5 s after access was revoked"
    );
    assert!(revoked.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_members_and_my_role_show_each_role_with_its_source_and_no_email() {
    let server = support::start().await;
    let erin = create_user(&server, "erin@example.org", "Erin Example").await;
    let finn = create_user(&server, "finn@example.org", "Finn Example").await;
    vision_team_owning_vit(&server, &[(&erin, "VIEWER"), (&finn, "VIEWER")]).await;
    server
        .ok(
            "mutation($u: ID!) { setProjectRole(project: \"vit\", userId: $u, role: RESEARCHER) }",
            json!({ "u": finn }),
        )
        .await;

    let body = serde_json::to_string(
        &server
            .ok(
                "{ projectMembers(project: \"vit\") { person { id displayName } role teams { team role } overrideRole } }",
                json!({}),
            )
            .await,
    )
    .expect("json");
    assert!(!body.contains("@example.org"), "no email: {body}");
    let members: Value = serde_json::from_str(&body).expect("json");
    let of = |id: &str| {
        members["projectMembers"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|member| member["person"]["id"] == id)
            .cloned()
            .expect("listed")
    };
    assert_eq!(
        of(&erin),
        json!({ "person": { "id": erin, "displayName": "Erin Example" }, "role": "VIEWER",
                "teams": [{ "team": "vision", "role": "VIEWER" }], "overrideRole": null })
    );
    assert_eq!(
        of(&finn),
        json!({ "person": { "id": finn, "displayName": "Finn Example" }, "role": "RESEARCHER",
                "teams": [{ "team": "vision", "role": "VIEWER" }], "overrideRole": "RESEARCHER" })
    );

    let finn_client = signed_in(&server, "finn@example.org").await;
    let mine = call(
        &server,
        &finn_client,
        "{ project(name: \"vit\") { myRole } }",
        json!({}),
    )
    .await;
    assert_eq!(mine["data"]["project"]["myRole"], "RESEARCHER", "{mine}");
    let admin = server
        .ok("{ project(name: \"vit\") { myRole } }", json!({}))
        .await;
    assert_eq!(admin["project"]["myRole"], "ADMIN");

    let unknown = server
        .error("{ projectMembers(project: \"nope\") { role } }", json!({}))
        .await;
    assert_eq!(unknown["extensions"]["code"], "NOT_FOUND", "{unknown}");
}
