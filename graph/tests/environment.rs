//! Environment records in the graph, the same on every engine: recorded, read back and
//! replaced; environment variables kept only when the project's allow-list names them and
//! their names do not look secret; bad reports refused naming the field; the code directory
//! normalised and kept inside the code snapshot; records compared.

mod support;

support::on_every_engine!(
    a_record_is_read_back_as_stored_and_replaced_by_the_next,
    only_allowed_variables_whose_names_do_not_look_secret_are_stored,
    the_allow_list_is_a_project_setting_validated_on_write,
    a_bad_report_names_the_field_and_keeps_the_previous_record,
    the_code_directory_is_stored_normalised_and_must_stay_inside_the_snapshot,
    text_with_quotes_backslashes_and_line_breaks_comes_back_exactly,
    a_record_is_compared_with_the_primary_parent_or_any_experiment,
);

use graph::model::{
    EnvironmentField, NewEnvironment, PackageChange, PackageChangeKind, ProjectSettings, ProjectUpdate,
};
use graph::Error;
use support::environment::{package, report, variable};
use support::{experiment, project, project_with, TestGraph};

fn invalid_field(error: Error) -> String {
    match error {
        Error::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

async fn a_record_is_read_back_as_stored_and_replaced_by_the_next(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    assert_eq!(t.graph.environment(&run.id).await.expect("read"), None);

    let stored = t
        .graph
        .record_environment("p", 1, report())
        .await
        .expect("recorded");
    assert_eq!(stored.interpreter, "CPython 3.12.1");
    let names: Vec<&str> = stored.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["numpy", "PyYAML", "torch"], "packages by name");
    assert_eq!(stored.accelerators[0].memory_bytes, Some(85_520_809_984));
    assert_eq!(
        t.graph.environment(&run.id).await.expect("read"),
        Some(stored.clone())
    );

    let upgraded = NewEnvironment {
        packages: vec![package("torch", "2.4.0")],
        ..report()
    };
    let replaced = t
        .graph
        .record_environment("p", 1, upgraded)
        .await
        .expect("recorded again");
    assert!(replaced.recorded_at >= stored.recorded_at);
    assert_eq!(replaced.packages, vec![package("torch", "2.4.0")]);
    assert_eq!(
        t.graph.environment(&run.id).await.expect("read"),
        Some(replaced),
        "the second record replaces the first"
    );

    let missing = t.graph.record_environment("p", 9, report()).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

async fn only_allowed_variables_whose_names_do_not_look_secret_are_stored(t: TestGraph) {
    project(&t.graph, "default").await;
    t.graph
        .create_experiment(experiment("default", "1", None))
        .await
        .expect("experiment");
    let stored = t
        .graph
        .record_environment("default", 1, report())
        .await
        .expect("recorded");
    assert_eq!(
        stored.variables,
        vec![
            variable("CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5,6,7"),
            variable("OMP_NUM_THREADS", "8")
        ],
        "the default allow-list keeps device and thread settings"
    );
    assert_eq!(stored.dropped_variables, vec!["HF_TOKEN", "HOME"]);

    let careless = ProjectSettings {
        environment_variables: vec!["HOME".into(), "HF_*".into(), "AWS_*".into(), "DB_PASSWORD".into()],
        ..ProjectSettings::default()
    };
    project_with(&t.graph, "careless", careless).await;
    let run = t
        .graph
        .create_experiment(experiment("careless", "1", None))
        .await
        .expect("experiment");
    let offered = NewEnvironment {
        variables: vec![
            variable("HOME", "/home/ann"),
            variable("HF_HOME", "/cache/hf"),
            variable("HF_TOKEN", "hf_canary_secret_value"),
            variable("AWS_SECRET_ACCESS_KEY", "aws_canary_secret_value"),
            variable("aws_session_token", "aws_canary_session_value"),
            variable("DB_PASSWORD", "db_canary_secret_value"),
            variable("CUDA_VISIBLE_DEVICES", "0"),
        ],
        ..report()
    };
    let stored = t
        .graph
        .record_environment("careless", 1, offered)
        .await
        .expect("recorded");
    assert_eq!(
        stored.variables,
        vec![variable("HF_HOME", "/cache/hf"), variable("HOME", "/home/ann")],
        "allow-listed names that look secret are dropped all the same"
    );
    assert_eq!(
        stored.dropped_variables,
        vec![
            "AWS_SECRET_ACCESS_KEY",
            "CUDA_VISIBLE_DEVICES",
            "DB_PASSWORD",
            "HF_TOKEN",
            "aws_session_token"
        ]
    );
    let read_back = t
        .graph
        .environment(&run.id)
        .await
        .expect("read")
        .expect("a record");
    let stored_text = serde_json::to_string(&read_back).expect("serializes");
    assert!(
        !stored_text.contains("canary"),
        "no secret value is stored: {stored_text}"
    );
}

async fn the_allow_list_is_a_project_setting_validated_on_write(t: TestGraph) {
    project(&t.graph, "p").await;
    let bad = ProjectUpdate {
        environment_variables: Some(vec!["CUDA_*".into(), "*".into()]),
        ..ProjectUpdate::default()
    };
    let error = t.graph.update_project("p", bad).await.expect_err("a lone *");
    assert_eq!(invalid_field(error), "settings.environmentVariables[1]");

    let narrowed = ProjectUpdate {
        environment_variables: Some(vec!["OMP_NUM_THREADS".into()]),
        ..ProjectUpdate::default()
    };
    t.graph.update_project("p", narrowed).await.expect("updated");
    let settings = t.graph.project("p").await.expect("project").settings;
    assert_eq!(settings.environment_variables, vec!["OMP_NUM_THREADS"]);

    t.graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    let stored = t
        .graph
        .record_environment("p", 1, report())
        .await
        .expect("recorded");
    assert_eq!(stored.variables, vec![variable("OMP_NUM_THREADS", "8")]);
    assert_eq!(
        stored.dropped_variables,
        vec!["CUDA_VISIBLE_DEVICES", "HF_TOKEN", "HOME"]
    );
}

async fn a_bad_report_names_the_field_and_keeps_the_previous_record(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    let first = t
        .graph
        .record_environment("p", 1, report())
        .await
        .expect("recorded");
    let duplicate = NewEnvironment {
        packages: vec![
            package("numpy", "1.26.4"),
            package("torch", "2.3.1"),
            package("scipy", "1.13"),
            package("Torch", "2.4.0"),
        ],
        ..report()
    };
    let error = t
        .graph
        .record_environment("p", 1, duplicate)
        .await
        .expect_err("torch twice");
    assert_eq!(
        error.to_string(),
        "environment.packages[3].name: `Torch` is listed twice (first at packages[1]): give each package once"
    );
    let control = NewEnvironment {
        working_directory: "/tmp\u{1b}[2J".into(),
        ..report()
    };
    let error = t
        .graph
        .record_environment("p", 1, control)
        .await
        .expect_err("an escape sequence");
    assert_eq!(invalid_field(error), "environment.workingDirectory");
    let too_long = NewEnvironment {
        command_line: vec!["python".into(); 1_001],
        ..report()
    };
    let error = t
        .graph
        .record_environment("p", 1, too_long)
        .await
        .expect_err("too many arguments");
    assert_eq!(invalid_field(error), "environment.commandLine");
    assert_eq!(
        t.graph.environment(&run.id).await.expect("read"),
        Some(first),
        "nothing of a refused report is stored"
    );
}

async fn the_code_directory_is_stored_normalised_and_must_stay_inside_the_snapshot(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    let nested = NewEnvironment {
        code_directory: Some("./src//train/".into()),
        ..report()
    };
    let stored = t
        .graph
        .record_environment("p", 1, nested)
        .await
        .expect("recorded");
    assert_eq!(stored.code_directory.as_deref(), Some("src/train"));
    assert_eq!(
        t.graph.environment(&run.id).await.expect("read"),
        Some(stored.clone())
    );

    for escaping in ["../outside", "/home/ann/vit", "src\\train", "D:/runs"] {
        let bad = NewEnvironment {
            code_directory: Some(escaping.into()),
            ..report()
        };
        let error = t.graph.record_environment("p", 1, bad).await.expect_err(escaping);
        assert_eq!(invalid_field(error), "environment.codeDirectory", "{escaping:?}");
    }
    assert_eq!(
        t.graph.environment(&run.id).await.expect("read"),
        Some(stored),
        "a refused code directory stores nothing"
    );

    let root = NewEnvironment {
        code_directory: Some(".".into()),
        ..report()
    };
    let at_root = t
        .graph
        .record_environment("p", 1, root)
        .await
        .expect("recorded at the root");
    assert_eq!(at_root.code_directory.as_deref(), Some(""));
    let unsaid = NewEnvironment {
        code_directory: None,
        ..report()
    };
    let without = t
        .graph
        .record_environment("p", 1, unsaid)
        .await
        .expect("recorded without one");
    assert_eq!(without.code_directory, None);
    assert_eq!(t.graph.environment(&run.id).await.expect("read"), Some(without));
}

async fn text_with_quotes_backslashes_and_line_breaks_comes_back_exactly(t: TestGraph) {
    project(&t.graph, "p").await;
    let run = t
        .graph
        .create_experiment(experiment("p", "1", None))
        .await
        .expect("experiment");
    let tricky = NewEnvironment {
        interpreter: "PyPy 7.3 \"quoted\" \\ 'single' ünïcödé 🚀".into(),
        command_line: vec![
            "python".into(),
            "-c".into(),
            "print(\"a\\nb\")\n\tdone // MATCH (n) DETACH DELETE n".into(),
        ],
        working_directory: "C:\\Users\\ann\\runs".into(),
        variables: vec![variable("XLA_FLAGS", "--xla_dump_to=\"/tmp/x\"\r\n--flag")],
        ..report()
    };
    let stored = t
        .graph
        .record_environment("p", 1, tricky.clone())
        .await
        .expect("recorded");
    let read_back = t
        .graph
        .environment(&run.id)
        .await
        .expect("read")
        .expect("a record");
    assert_eq!(read_back, stored);
    assert_eq!(read_back.interpreter, tricky.interpreter);
    assert_eq!(read_back.command_line, tricky.command_line);
    assert_eq!(read_back.working_directory, tricky.working_directory);
    assert_eq!(read_back.variables, tricky.variables);
}

async fn a_record_is_compared_with_the_primary_parent_or_any_experiment(t: TestGraph) {
    project(&t.graph, "p").await;
    for name in ["1", "2_from_1", "3"] {
        t.graph
            .create_experiment(experiment("p", name, None))
            .await
            .expect("experiment");
    }
    t.graph
        .record_environment("p", 1, report())
        .await
        .expect("recorded");
    let upgraded = NewEnvironment {
        interpreter: "CPython 3.12.4".into(),
        packages: vec![
            package("torch", "2.4.0"),
            package("numpy", "1.26.4"),
            package("einops", "0.8.0"),
        ],
        ..report()
    };
    t.graph
        .record_environment("p", 2, upgraded)
        .await
        .expect("recorded");

    let comparison = t
        .graph
        .environment_diff("p", 2, None)
        .await
        .expect("compared with the parent");
    assert_eq!(comparison.against, 1);
    assert_eq!(comparison.left.interpreter, "CPython 3.12.1");
    assert_eq!(comparison.right.interpreter, "CPython 3.12.4");
    let change = |name: &str, kind, left: Option<&str>, right: Option<&str>| PackageChange {
        name: name.into(),
        kind,
        left_version: left.map(Into::into),
        right_version: right.map(Into::into),
    };
    assert_eq!(
        comparison.diff.packages,
        vec![
            change("einops", PackageChangeKind::Added, None, Some("0.8.0")),
            change("PyYAML", PackageChangeKind::Removed, Some("6.0.1"), None),
            change(
                "torch",
                PackageChangeKind::Changed,
                Some("2.3.1+cu121"),
                Some("2.4.0")
            ),
        ]
    );
    assert_eq!(
        comparison.diff.changed_fields,
        vec![EnvironmentField::Interpreter]
    );

    let reversed = t
        .graph
        .environment_diff("p", 1, Some(2))
        .await
        .expect("compared with any experiment");
    assert_eq!(reversed.against, 2);
    assert_eq!(reversed.diff.packages.len(), 3);

    let root = t.graph.environment_diff("p", 1, None).await.expect_err("a root");
    assert_eq!(invalid_field(root), "against");
    let unrecorded = t
        .graph
        .environment_diff("p", 3, Some(1))
        .await
        .expect_err("no record");
    assert_eq!(
        unrecorded.to_string(),
        "environment record of experiment #3 in project p not found"
    );
}
