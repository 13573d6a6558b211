//! Environment records through the real server: recorded by a run, read back, replaced,
//! screened by the project's allow-list and the secret screen (values of dropped variables
//! reach neither the graph nor the audit log), refused with the field named, the code
//! directory kept inside the snapshot, and compared with the parent's or any experiment's.

mod support;

use serde_json::{json, Value};
use support::TestServer;

const RECORD: &str = "mutation($project: String!, $number: Int!, $environment: EnvironmentInput!) { \
     recordEnvironment(project: $project, number: $number, environment: $environment) { \
     interpreter platform workingDirectory codeDirectory commandLine packages { name version } \
     accelerators { name count memoryBytes driver } variables { name value } droppedVariables recordedAt } }";

const READ: &str = "query($number: Int!) { environment(project: \"env\", number: $number) { \
     interpreter codeDirectory packages { name version } variables { name value } droppedVariables } }";

const DIFF: &str = "query($number: Int!, $against: Int) { \
     environmentDiff(project: \"env\", number: $number, against: $against) { \
     against left { interpreter } right { interpreter } \
     packages { name kind leftVersion rightVersion } changedFields } }";

/// What the SDK sends for a GPU run: its variables include a secret and some noise.
fn report(packages: Value) -> Value {
    json!({
        "interpreter": "CPython 3.12.1",
        "packages": packages,
        "platform": "Linux-6.8.0-x86_64-with-glibc2.39",
        "accelerators": [{ "name": "NVIDIA H100 80GB HBM3", "count": 8, "memoryBytes": 85_520_809_984_i64, "driver": "550.54.15" }],
        "commandLine": ["python", "train.py", "--lr=0.1"],
        "workingDirectory": "/home/ann/vit",
        "codeDirectory": "vit",
        "variables": [
            { "name": "CUDA_VISIBLE_DEVICES", "value": "0,1" },
            { "name": "PYTHONHASHSEED", "value": "0" },
            { "name": "WANDB_API_KEY", "value": "wandb-canary-secret" },
            { "name": "HOME", "value": "/home/ann" }
        ]
    })
}

fn base_packages() -> Value {
    json!([
        { "name": "torch", "version": "2.3.1+cu121" },
        { "name": "numpy", "version": "1.26.4" },
        { "name": "PyYAML", "version": "6.0.1" }
    ])
}

async fn record(server: &TestServer, number: i64, environment: Value) -> Value {
    let data = server
        .ok(
            RECORD,
            json!({ "project": "env", "number": number, "environment": environment }),
        )
        .await;
    data["recordEnvironment"].clone()
}

async fn with_runs(names: &[&str]) -> TestServer {
    let server = support::start().await;
    server.create_project("env").await;
    for name in names {
        server.create_experiment("env", name, None).await;
    }
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_records_its_environment_and_reads_it_back_without_secrets() {
    let server = with_runs(&["1"]).await;
    let empty = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(empty["environment"], Value::Null, "nothing recorded yet");

    let stored = record(&server, 1, report(base_packages())).await;
    assert_eq!(stored["interpreter"], "CPython 3.12.1");
    assert_eq!(
        stored["packages"],
        json!([
            { "name": "numpy", "version": "1.26.4" },
            { "name": "PyYAML", "version": "6.0.1" },
            { "name": "torch", "version": "2.3.1+cu121" }
        ])
    );
    assert_eq!(stored["accelerators"][0]["memoryBytes"], 85_520_809_984_i64);
    assert_eq!(
        stored["variables"],
        json!([
            { "name": "CUDA_VISIBLE_DEVICES", "value": "0,1" },
            { "name": "PYTHONHASHSEED", "value": "0" }
        ])
    );
    assert_eq!(stored["droppedVariables"], json!(["HOME", "WANDB_API_KEY"]));

    let read = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(read["environment"]["variables"], stored["variables"]);
    assert_eq!(
        read["environment"]["droppedVariables"],
        stored["droppedVariables"]
    );

    let log = server
        .ok(
            "{ auditLog(action: \"recordEnvironment\") { target outcome summary } }",
            json!({}),
        )
        .await;
    let entry = &log["auditLog"][0];
    assert_eq!(
        (&entry["target"], &entry["outcome"]),
        (&json!("project env"), &json!("ok"))
    );
    assert_eq!(
        entry["summary"],
        json!({ "project": "env", "number": 1, "environment": "<redacted>" })
    );
    for body in [stored.to_string(), read.to_string(), log.to_string()] {
        assert!(
            !body.contains("wandb-canary-secret"),
            "a secret value leaked: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_again_replaces_the_record() {
    let server = with_runs(&["1"]).await;
    record(&server, 1, report(base_packages())).await;
    let upgraded = json!([{ "name": "torch", "version": "2.4.0" }]);
    record(&server, 1, report(upgraded.clone())).await;
    let read = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(read["environment"]["packages"], upgraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allow_list_is_read_and_changed_with_the_project_settings() {
    let server = with_runs(&["1"]).await;
    let project = server
        .ok("{ project(name: \"env\") { environmentVariables } }", json!({}))
        .await;
    let defaults = project["project"]["environmentVariables"]
        .as_array()
        .expect("a list")
        .clone();
    for name in ["CUDA_*", "OMP_NUM_THREADS", "PYTHONHASHSEED", "TORCH_*"] {
        assert!(defaults.contains(&json!(name)), "{name} is in the default list");
    }

    let update =
        "mutation($list: [String!]) { updateProject(name: \"env\", input: {environmentVariables: $list}) \
         { environmentVariables } }";
    let error = server.error(update, json!({ "list": ["HOME", "*"] })).await;
    assert_eq!(error["extensions"]["code"], "VALIDATION");
    assert_eq!(error["extensions"]["field"], "settings.environmentVariables[1]");
    let updated = server.ok(update, json!({ "list": ["HOME", "WANDB_*"] })).await;
    assert_eq!(
        updated["updateProject"]["environmentVariables"],
        json!(["HOME", "WANDB_*"])
    );

    let stored = record(&server, 1, report(base_packages())).await;
    assert_eq!(
        stored["variables"],
        json!([{ "name": "HOME", "value": "/home/ann" }])
    );
    assert_eq!(
        stored["droppedVariables"],
        json!(["CUDA_VISIBLE_DEVICES", "PYTHONHASHSEED", "WANDB_API_KEY"]),
        "an allow-listed name that looks secret is dropped all the same"
    );

    let created = server
        .ok(
            "mutation { createProject(input: {name: \"quiet\", environmentVariables: []}) { environmentVariables } }",
            json!({}),
        )
        .await;
    assert_eq!(created["createProject"]["environmentVariables"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_report_is_refused_naming_the_field_and_keeps_the_previous_record() {
    let server = with_runs(&["1"]).await;
    record(&server, 1, report(base_packages())).await;
    let twice = json!([
        { "name": "numpy", "version": "1.26.4" },
        { "name": "Numpy", "version": "2.0.0" }
    ]);
    let cases = [
        (report(twice), "environment.packages[1].name"),
        (
            json!({ "interpreter": "CPython\u{0}", "platform": "", "workingDirectory": "/" }),
            "environment.interpreter",
        ),
        (
            json!({ "interpreter": "", "platform": "", "workingDirectory": "/", "accelerators": [{ "name": "H100", "count": 0 }] }),
            "environment.accelerators[0].count",
        ),
        (
            json!({ "interpreter": "", "platform": "", "workingDirectory": "/", "commandLine": vec!["x"; 1_001] }),
            "environment.commandLine",
        ),
        (
            json!({ "interpreter": "", "platform": "", "workingDirectory": "/", "codeDirectory": "src/../../etc" }),
            "environment.codeDirectory",
        ),
    ];
    for (environment, field) in cases {
        let error = server
            .error(
                RECORD,
                json!({ "project": "env", "number": 1, "environment": environment }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "VALIDATION", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }
    let missing = server
        .error(
            RECORD,
            json!({ "project": "env", "number": 7, "environment": report(base_packages()) }),
        )
        .await;
    assert_eq!(missing["extensions"]["code"], "NOT_FOUND");
    let read = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(read["environment"]["packages"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_directory_is_kept_normalised_and_must_stay_inside_the_snapshot() {
    let server = with_runs(&["1", "2"]).await;
    let mut nested = report(base_packages());
    nested["codeDirectory"] = json!("./src//train/");
    let stored = record(&server, 1, nested).await;
    assert_eq!(stored["codeDirectory"], "src/train");
    let read = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(read["environment"]["codeDirectory"], "src/train");

    let mut at_root = report(base_packages());
    at_root["codeDirectory"] = json!("");
    assert_eq!(record(&server, 2, at_root).await["codeDirectory"], "");
    let mut unsaid = report(base_packages());
    unsaid.as_object_mut().expect("an object").remove("codeDirectory");
    assert_eq!(record(&server, 2, unsaid).await["codeDirectory"], Value::Null);

    for outside in [
        "/home/ann/vit",
        "../vit",
        "src/../../etc",
        "src\\train",
        "C:/runs",
        "a\u{1b}b",
    ] {
        let mut bad = report(base_packages());
        bad["codeDirectory"] = json!(outside);
        let error = server
            .error(
                RECORD,
                json!({ "project": "env", "number": 1, "environment": bad }),
            )
            .await;
        assert_eq!(
            (&error["extensions"]["code"], &error["extensions"]["field"]),
            (&json!("VALIDATION"), &json!("environment.codeDirectory")),
            "{outside:?}: {error}"
        );
    }
    let mut too_long = report(base_packages());
    too_long["codeDirectory"] = json!("d/".repeat(513));
    let error = server
        .error(
            RECORD,
            json!({ "project": "env", "number": 1, "environment": too_long }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "environment.codeDirectory");
    let read = server.ok(READ, json!({ "number": 1 })).await;
    assert_eq!(
        read["environment"]["codeDirectory"], "src/train",
        "a refused report changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_environment_of_twenty_thousand_packages_is_kept_whole() {
    let server = with_runs(&["1"]).await;
    let packages: Vec<Value> = (0..20_000)
        .map(|index| json!({ "name": format!("package-{index:05}"), "version": "1.0.0" }))
        .collect();
    record(&server, 1, report(json!(packages))).await;
    let read = server.ok(READ, json!({ "number": 1 })).await;
    let stored = read["environment"]["packages"].as_array().expect("packages");
    assert_eq!(stored.len(), 20_000);
    assert_eq!(stored[19_999]["name"], "package-19999");

    let one_more: Vec<Value> = (0..20_001)
        .map(|index| json!({ "name": format!("package-{index:05}"), "version": "1.0.0" }))
        .collect();
    let error = server
        .error(
            RECORD,
            json!({ "project": "env", "number": 1, "environment": report(json!(one_more)) }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "environment.packages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_compares_with_the_parent_unless_told_otherwise() {
    let server = with_runs(&["1", "2_from_1", "3"]).await;
    record(&server, 1, report(base_packages())).await;
    let mut upgraded = report(json!([
        { "name": "torch", "version": "2.4.0" },
        { "name": "numpy", "version": "1.26.4" },
        { "name": "einops", "version": "0.8.0" }
    ]));
    upgraded["interpreter"] = json!("CPython 3.12.4");
    upgraded["codeDirectory"] = json!("vit/train");
    record(&server, 2, upgraded).await;

    let diff = server.ok(DIFF, json!({ "number": 2 })).await["environmentDiff"].clone();
    assert_eq!(diff["against"], 1);
    assert_eq!(
        (&diff["left"]["interpreter"], &diff["right"]["interpreter"]),
        (&json!("CPython 3.12.1"), &json!("CPython 3.12.4"))
    );
    assert_eq!(
        diff["packages"],
        json!([
            { "name": "einops", "kind": "ADDED", "leftVersion": null, "rightVersion": "0.8.0" },
            { "name": "PyYAML", "kind": "REMOVED", "leftVersion": "6.0.1", "rightVersion": null },
            { "name": "torch", "kind": "CHANGED", "leftVersion": "2.3.1+cu121", "rightVersion": "2.4.0" }
        ])
    );
    assert_eq!(diff["changedFields"], json!(["INTERPRETER", "CODE_DIRECTORY"]));

    let against_itself = server.ok(DIFF, json!({ "number": 2, "against": 2 })).await;
    assert_eq!(against_itself["environmentDiff"]["packages"], json!([]));
    assert_eq!(against_itself["environmentDiff"]["changedFields"], json!([]));

    let root = server.error(DIFF, json!({ "number": 1 })).await;
    assert_eq!(
        (&root["extensions"]["code"], &root["extensions"]["field"]),
        (&json!("VALIDATION"), &json!("against"))
    );
    let unrecorded = server.error(DIFF, json!({ "number": 3, "against": 1 })).await;
    assert_eq!(unrecorded["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        unrecorded["message"],
        "environment record of experiment #3 in project env not found"
    );
}
