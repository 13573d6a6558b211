//! Generated requests against the schema and the routes: GraphQL operations built from the
//! server's own introspection (every query and mutation, arguments of the declared types drawn
//! from hostile values — empty, huge, negative, traversal and injection strings, NUL, unknown
//! enum values, deep JSON — and selections of the returned type) and REST requests on every
//! route with hostile ids, paths and bodies. Whatever a client sends, the server answers with
//! a result or a clear error: never a 5xx, never an INTERNAL error, never a crash.
//!
//! Seeded, so a failure repeats; `RSDK_GENERATED_CASES` sets the number of GraphQL operations
//! (default 800) and `RSDK_GENERATED_SEED` the seed.

mod support;

use std::collections::HashMap;

use serde_json::{json, Value};

const INTROSPECTION: &str = "query { __schema { queryType { name } mutationType { name } types { kind name \
     fields { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues { name } } } }
     fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }";

const STRINGS: &[&str] = &[
    "",
    "gen",
    "1",
    "../../../etc/passwd",
    "..\\\\..\\\\windows",
    "/abs/path",
    "%2e%2e%2fescape",
    "' OR 1=1 --",
    "\\\" }) MATCH (n) DETACH DELETE n //",
    "\\u0000nul",
    "😀 unicode ☃",
    "a/b/c.txt",
    "loss",
    "2026-01-01T00:00:00Z",
    "not-a-date",
    "rsdk_bad_token",
    "x{1000}",
];
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "42",
    "1000",
    "1001",
    "2147483647",
    "-2147483648",
];
const FLOATS: &[&str] = &["0.0", "-1.5", "1e308", "-1e-308", "0.5", "3"];

/// xorshift64*: the same cases for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The introspected types, by name.
struct Types(HashMap<String, Value>);

/// The named type under NON_NULL and LIST wrappers.
fn named(type_ref: &Value) -> &Value {
    match type_ref["kind"].as_str() {
        Some("NON_NULL" | "LIST") => named(&type_ref["ofType"]),
        _ => type_ref,
    }
}

fn is_required(type_ref: &Value) -> bool {
    type_ref["kind"] == "NON_NULL"
}

impl Types {
    /// A GraphQL literal of `type_ref`.
    fn value(&self, type_ref: &Value, rng: &mut Rng, depth: usize) -> String {
        match type_ref["kind"].as_str().unwrap_or_default() {
            "NON_NULL" => self.value(&type_ref["ofType"], rng, depth),
            "LIST" => {
                let items: Vec<String> = (0..rng.below(4))
                    .map(|_| self.value(&type_ref["ofType"], rng, depth + 1))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            "ENUM" => {
                let values = self.0[type_ref["name"].as_str().unwrap_or_default()]["enumValues"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                match rng.chance(5) || values.is_empty() {
                    true => "BOGUS_VALUE".into(),
                    false => rng.pick(&values)["name"].as_str().unwrap_or("X").to_owned(),
                }
            }
            "INPUT_OBJECT" => {
                let fields = self.0[type_ref["name"].as_str().unwrap_or_default()]["inputFields"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let mut chosen = Vec::new();
                for field in &fields {
                    if is_required(&field["type"]) || (depth < 3 && rng.chance(50)) {
                        let value = self.value(&field["type"], rng, depth + 1);
                        chosen.push(format!("{}: {value}", field["name"].as_str().unwrap_or_default()));
                    }
                }
                format!("{{{}}}", chosen.join(", "))
            }
            _ => match type_ref["name"].as_str().unwrap_or_default() {
                "Int" => rng.pick(INTS).to_string(),
                "Float" => rng.pick(FLOATS).to_string(),
                "Boolean" => rng.pick(&["true", "false"]).to_string(),
                "JSON" => rng
                    .pick(&[
                        "{a: 1, b: [1, 2, {c: null}]}",
                        "\"lr: 0.1\"",
                        "[]",
                        "42",
                        "{x: {y: {z: {w: \"deep\"}}}}",
                    ])
                    .to_string(),
                "MetricValue" => rng.pick(&["1.5", "\"NaN\"", "\"inf\"", "-3"]).to_string(),
                _ => format!("\"{}\"", rng.pick(STRINGS).replace("{1000}", &"x".repeat(1000))),
            },
        }
    }

    /// A selection of `type_ref`'s fields (none for a scalar or an enum).
    fn selection(&self, type_ref: &Value, rng: &mut Rng, depth: usize) -> String {
        let name = named(type_ref)["name"].as_str().unwrap_or_default();
        let Some(fields) = self.0.get(name).and_then(|kind| kind["fields"].as_array()) else {
            return String::new();
        };
        let callable: Vec<&Value> = fields
            .iter()
            .filter(|field| {
                !field["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|arg| is_required(&arg["type"]))
            })
            .collect();
        let mut chosen = vec!["__typename".to_owned()];
        for _ in 0..rng.below(5) {
            let field = *rng.pick(&callable);
            let inner = named(&field["type"]);
            let nested = self.0.get(inner["name"].as_str().unwrap_or_default());
            let is_object = nested.is_some_and(|kind| kind["kind"] == "OBJECT");
            let field_name = field["name"].as_str().unwrap_or_default();
            match (is_object, depth < 2) {
                (false, _) => chosen.push(field_name.to_owned()),
                (true, true) => chosen.push(format!(
                    "{field_name} {}",
                    self.selection(&field["type"], rng, depth + 1)
                )),
                (true, false) => {}
            }
        }
        format!("{{ {} }}", chosen.join(" "))
    }

    /// One operation calling root field `field` of `root` (`query` or `mutation`).
    fn operation(&self, root: &str, field: &Value, rng: &mut Rng) -> String {
        let mut args = Vec::new();
        for arg in field["args"].as_array().into_iter().flatten() {
            if is_required(&arg["type"]) || rng.chance(50) {
                let value = self.value(&arg["type"], rng, 0);
                args.push(format!("{}: {value}", arg["name"].as_str().unwrap_or_default()));
            }
        }
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        format!(
            "{root} {{ {}{args} {} }}",
            field["name"].as_str().unwrap_or_default(),
            self.selection(&field["type"], rng, 0)
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_operations_and_requests_never_get_a_5xx_or_an_internal_error() {
    let cases: usize = std::env::var("RSDK_GENERATED_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(800);
    let seed: u64 = std::env::var("RSDK_GENERATED_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(11);
    let server = support::start().await;
    server.create_project("gen").await;
    server.create_experiment("gen", "1", Some("lr: 0.1")).await;
    server.create_experiment("gen", "2_from_1", Some("lr: 0.2")).await;
    let schema = server.ok(INTROSPECTION, json!({})).await["__schema"].clone();
    let types = Types(
        schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|kind| (kind["name"].as_str().unwrap_or_default().to_owned(), kind.clone()))
            .collect(),
    );
    let roots: Vec<(&str, Value)> = ["query", "mutation"]
        .into_iter()
        .flat_map(|root| {
            let name = schema[format!("{root}Type")]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let fields = types.0[&name]["fields"].as_array().cloned().unwrap_or_default();
            fields.into_iter().map(move |field| (root, field))
        })
        .collect();

    let mut rng = Rng(seed.max(1));
    let mut failures = Vec::new();
    let mut answered_with_data = 0;
    for case in 0..cases {
        // Every root field at least once, then at random.
        let (root, field) = &roots[if case < roots.len() {
            case
        } else {
            rng.below(roots.len())
        }];
        let operation = types.operation(root, field, &mut rng);
        let client = if rng.chance(80) {
            &server.client
        } else {
            &server.anonymous
        };
        let response = client
            .post(format!("{}/graphql", server.url))
            .json(&json!({ "query": operation }))
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let internal = body["errors"].as_array().into_iter().flatten().any(|error| {
            error["extensions"]["code"] == "INTERNAL"
                || error["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("internal error"))
        });
        if status.is_server_error() || internal {
            failures.push(format!("{status}: {operation}\n  → {body}"));
        } else if body.get("errors").is_none() {
            answered_with_data += 1;
        }
    }

    let routes = [
        ("GET", "/api/v1/experiments/{id}/metrics.parquet"),
        ("GET", "/api/v1/experiments/{id}/metrics.csv"),
        ("POST", "/api/v1/experiments/{id}/metrics"),
        ("POST", "/api/v1/experiments/{id}/files/plan"),
        ("PUT", "/api/v1/experiments/{id}/files/content?path={path}"),
        ("POST", "/api/v1/experiments/{id}/files/commit"),
        ("GET", "/api/v1/experiments/{id}/tree/{path}"),
        ("GET", "/api/v1/experiments/{id}/tree.tar"),
        ("POST", "/api/v1/experiments/{id}/code"),
        ("POST", "/api/v1/experiments/{id}/code/plan"),
        ("PUT", "/api/v1/experiments/{id}/code/content?path={path}"),
        ("PUT", "/api/v1/experiments/{id}/code.tar"),
        ("GET", "/api/v1/experiments/{id}/code/restore"),
        ("GET", "/api/v1/blobs/{id}"),
        ("PUT", "/api/v1/blobs/{id}"),
        ("HEAD", "/api/v1/blobs/{id}"),
        ("POST", "/api/v1/ask"),
        ("GET", "/api/v1/audit.jsonl?since={path}"),
        ("GET", "/api/v1/events?project={path}"),
    ];
    let first = server
        .ok("{ experiment(project: \"gen\", number: 1) { id } }", json!({}))
        .await["experiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let ids = [
        first.as_str(),
        "nope",
        "..",
        "%2e%2e",
        "0",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ];
    let bodies = [
        Value::Null,
        json!({}),
        json!({ "chunkId": "", "points": [{ "metric": "", "step": -1, "value": "x" }] }),
        json!({ "files": [{ "path": "../x", "size": -5, "hash": "zz" }] }),
        json!([1, 2, 3]),
        json!({ "project": "gen", "question": "\u{0}" }),
    ];
    let mut requests = 0;
    for (method, pattern) in routes {
        for _ in 0..12 {
            let id: &&str = rng.pick(&ids);
            let path = pattern
                .replace("{id}", id)
                .replace("{path}", &rng.pick(STRINGS).replace("{1000}", &"y".repeat(300)));
            let client = if rng.chance(80) {
                &server.client
            } else {
                &server.anonymous
            };
            let request = client
                .request(method.parse().expect("a method"), format!("{}{path}", server.url))
                .header("content-type", "application/json")
                .body(rng.pick(&bodies).to_string());
            let status = request.send().await.expect("the server answers").status();
            requests += 1;
            if status.is_server_error() {
                failures.push(format!("{status}: {method} {path}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        answered_with_data > cases / 20,
        "the generator reaches real answers too ({answered_with_data})"
    );
    println!(
        "generated: {cases} GraphQL operations over {} root fields ({answered_with_data} answered with data), \
         {requests} REST requests on {} routes; 0 5xx, 0 internal errors (seed {seed})",
        roots.len(),
        routes.len()
    );
}
