//! Reruns, the same on every engine: a rerun points at the experiment it repeats
//! (`RERUN_OF`), found both ways; it takes the next free number even when it repeats the
//! original's name, keeps the name's parent, and a missing original is refused naming
//! `rerunOf` with nothing stored.

mod support;

support::on_every_engine!(
    a_rerun_points_at_its_original_both_ways_and_takes_the_next_free_number,
    a_rerun_of_a_missing_experiment_is_refused_naming_rerun_of_and_stores_nothing,
);

use graph::model::NewExperiment;
use graph::Error;
use support::{experiment, project, TestGraph};

fn rerun(project: &str, name: &str, original: i64) -> NewExperiment {
    NewExperiment {
        rerun_of: Some(original),
        ..experiment(project, name, None)
    }
}

fn numbers(experiments: &[graph::model::Experiment]) -> Vec<i64> {
    experiments.iter().map(|experiment| experiment.number).collect()
}

async fn a_rerun_points_at_its_original_both_ways_and_takes_the_next_free_number(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "8_base", Some("lr: 0.1\n")))
        .await
        .expect("base");
    let original = t
        .graph
        .create_experiment(experiment("vit", "12_from_8_lr_sweep", Some("lr: 0.01\n")))
        .await
        .expect("original");

    let first = t
        .graph
        .create_experiment(rerun("vit", "12_from_8_lr_sweep", 12))
        .await
        .expect("a rerun under the original's name");
    assert_eq!(
        first.number, 13,
        "the name's number is the original's, so a rerun takes the next free one"
    );
    assert_eq!(first.name, "12_from_8_lr_sweep");
    let parent = t
        .graph
        .primary_parent(&first)
        .await
        .expect("query")
        .expect("the name's parent applies");
    assert_eq!(parent.number, 8);

    let second = t
        .graph
        .create_experiment(rerun("vit", "lr sweep again", 12))
        .await
        .expect("a rerun under another name");
    assert_eq!(second.number, 14);

    let repeated = t
        .graph
        .rerun_of(&first)
        .await
        .expect("query")
        .expect("a rerun has an original");
    assert_eq!((repeated.id, repeated.number), (original.id.clone(), 12));
    assert_eq!(t.graph.rerun_of(&original).await.expect("query"), None);
    assert_eq!(
        numbers(&t.graph.reruns(&original).await.expect("query")),
        vec![13, 14]
    );
    assert!(t.graph.reruns(&first).await.expect("query").is_empty());

    assert!(
        t.graph.children(&original).await.expect("query").is_empty(),
        "a rerun is not a child of its original"
    );
    assert_eq!(numbers(&t.graph.parents(&first).await.expect("query")), vec![8]);
    let dag = t.graph.dag("vit").await.expect("dag");
    assert!(
        dag.edges.iter().all(|edge| edge.from != 12),
        "the DAG has no edge from the original: {:?}",
        dag.edges
    );

    let next = t
        .graph
        .create_experiment(experiment("vit", "another", None))
        .await
        .expect("created");
    assert_eq!(next.number, 15);
}

async fn a_rerun_of_a_missing_experiment_is_refused_naming_rerun_of_and_stores_nothing(t: TestGraph) {
    project(&t.graph, "vit").await;
    t.graph
        .create_experiment(experiment("vit", "1", None))
        .await
        .expect("created");
    project(&t.graph, "other").await;
    t.graph
        .create_experiment(experiment("other", "7", None))
        .await
        .expect("created in another project");

    for missing in [99, 7, 0] {
        let error = t
            .graph
            .create_experiment(rerun("vit", "3_retry", missing))
            .await
            .expect_err("no such experiment in the project");
        match error {
            Error::Invalid { field, reason } => {
                assert_eq!(field, "rerunOf");
                assert!(reason.contains(&format!("#{missing}")), "{reason}");
            }
            other => panic!("expected a VALIDATION error, got {other:?}"),
        }
    }
    let page = t.graph.experiments("vit", None, 100, None).await.expect("list");
    assert_eq!(numbers(&page.experiments), vec![1], "nothing stored");
    assert_eq!(
        t.graph.project("vit").await.expect("project").next_number,
        2,
        "no number used up"
    );
}
