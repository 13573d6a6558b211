//! Hypotheses, the same on every engine: created with targets (existing metrics only), related
//! features and a baseline; edited with lists replaced; linked to experiments many-to-many and
//! idempotently; overridden and cleared; listed with filters and pages; suggested experiments
//! are the unlinked ones whose feature diff touches a related feature. Every refusal names its
//! field and stores nothing.

mod support;

support::on_every_engine!(
    a_hypothesis_is_stored_with_its_targets_features_and_baseline,
    bad_input_is_refused_naming_the_field_and_stores_nothing,
    an_update_replaces_the_lists_it_names_and_keeps_the_rest,
    links_are_many_to_many_idempotent_and_refuse_unknown_numbers_atomically,
    an_override_wins_until_cleared_and_needs_a_reason,
    lists_filter_by_status_title_and_experiment_and_page_by_id,
    suggestions_are_unlinked_experiments_whose_diff_touches_a_related_feature,
    removing_a_targeted_metrics_configuration_keeps_the_metric,
);

use graph::ids::{HypothesisId, UserId};
use graph::model::{
    Direction, HypothesisBaseline, HypothesisFilter, HypothesisStatus, HypothesisUpdate, NewHypothesis,
    TargetInput,
};
use graph::Graph;
use support::hypotheses::{configure, new_hypothesis};
use support::metrics::{chunk, summary};
use support::{experiment, project, TestGraph};

fn target(metric: &str, weight: f64) -> TargetInput {
    TargetInput {
        metric: metric.into(),
        weight,
    }
}

fn numbers(experiments: &[graph::model::Experiment]) -> Vec<i64> {
    experiments.iter().map(|experiment| experiment.number).collect()
}

/// Project `vit` with experiments 1 (root), 2 (child of 1, changes `optimizer.lr`), 3 (child of
/// 1, changes `model.depth`), 4 (child of 2, changes `optimizer.lr`); metric `val/acc`
/// configured, `loss` only measured (by #1).
async fn vit(graph: &Graph) {
    project(graph, "vit").await;
    let features = [
        ("1_root", "optimizer:\n  lr: 0.1\nmodel:\n  depth: 12\n"),
        ("2_from_1", "optimizer:\n  lr: 0.01\nmodel:\n  depth: 12\n"),
        ("3_from_1", "optimizer:\n  lr: 0.1\nmodel:\n  depth: 24\n"),
        ("4_from_2", "optimizer:\n  lr: 0.001\nmodel:\n  depth: 12\n"),
    ];
    for (name, features) in features {
        graph
            .create_experiment(experiment("vit", name, Some(features)))
            .await
            .expect("experiment created");
    }
    configure(graph, "vit", "val/acc").await;
    let root = graph.experiment("vit", 1).await.expect("root");
    graph
        .record_chunk(&root.id, chunk("c1", &["loss"]), vec![summary("loss", 0.5, 0)])
        .await
        .expect("loss measured");
}

async fn all_hypotheses(graph: &Graph, project: &str) -> Vec<graph::model::Hypothesis> {
    graph
        .hypotheses(project, HypothesisFilter::default(), 1000, None)
        .await
        .expect("list")
        .hypotheses
}

async fn a_hypothesis_is_stored_with_its_targets_features_and_baseline(t: TestGraph) {
    vit(&t.graph).await;
    let created = t
        .graph
        .create_hypothesis(NewHypothesis {
            description: "Lower learning rates generalise better on ViT.".into(),
            targets: vec![target("val/acc", 1.0), target("loss", 0.25)],
            about: vec!["optimizer.lr".into(), " optimizer.lr ".into()],
            baseline: HypothesisBaseline::Experiment(1),
            ..new_hypothesis("vit", "  Smaller lr helps  ")
        })
        .await
        .expect("created");
    assert_eq!(created.title, "Smaller lr helps", "the title is trimmed");
    assert_eq!(created.status(), HypothesisStatus::Proposed);

    let (owner, found) = t.graph.hypothesis_by_id(&created.id).await.expect("by id");
    assert_eq!(owner.name, "vit");
    assert_eq!(found, created, "what is returned is what is stored");
    assert_eq!(found.author, UserId("author-1".into()));
    assert_eq!(found.baseline, HypothesisBaseline::Experiment(1));
    assert_eq!(found.computed_status, HypothesisStatus::Proposed);
    assert_eq!((found.evidence_score, found.computed_at), (None, None));
    assert!(found.status_override.is_none());

    let targets = t.graph.hypothesis_targets(&found).await.expect("targets");
    let summary: Vec<_> = targets
        .iter()
        .map(|target| (target.metric.as_str(), target.weight, target.direction))
        .collect();
    assert_eq!(
        summary,
        vec![("loss", 0.25, None), ("val/acc", 1.0, Some(Direction::Maximize))],
        "targets by name with the metric's direction (none while unconfigured)"
    );
    assert_eq!(
        t.graph.hypothesis_about(&found).await.expect("about"),
        vec!["optimizer.lr"]
    );
    assert!(t
        .graph
        .hypothesis_experiments(&found)
        .await
        .expect("links")
        .is_empty());

    let missing = HypothesisId::generate();
    let error = t.graph.hypothesis_by_id(&missing).await.expect_err("unknown id");
    assert_eq!(error.code(), "NOT_FOUND");
    let error = t
        .graph
        .create_hypothesis(new_hypothesis("ghost", "anything"))
        .await
        .expect_err("unknown project");
    assert_eq!(error.code(), "NOT_FOUND");
}

async fn bad_input_is_refused_naming_the_field_and_stores_nothing(t: TestGraph) {
    vit(&t.graph).await;
    let good = || new_hypothesis("vit", "fine");
    let cases: Vec<(&str, NewHypothesis)> = vec![
        ("title", new_hypothesis("vit", " ")),
        ("title", new_hypothesis("vit", &"x".repeat(201))),
        (
            "description",
            NewHypothesis {
                description: "d".repeat(20_001),
                ..good()
            },
        ),
        (
            "targets[1].weight",
            NewHypothesis {
                targets: vec![target("val/acc", 1.0), target("loss", 0.0)],
                ..good()
            },
        ),
        (
            "targets[0].weight",
            NewHypothesis {
                targets: vec![target("val/acc", 1000.5)],
                ..good()
            },
        ),
        (
            "targets[1].metric",
            NewHypothesis {
                targets: vec![target("val/acc", 1.0), target("val/acc", 2.0)],
                ..good()
            },
        ),
        (
            "targets[1].metric",
            NewHypothesis {
                targets: vec![target("val/acc", 1.0), target("never-logged", 1.0)],
                about: vec!["brand.new.feature".into()],
                ..good()
            },
        ),
        (
            "about[1]",
            NewHypothesis {
                about: vec!["optimizer.lr".into(), "bad\npath".into()],
                ..good()
            },
        ),
        (
            "baseline.experiment",
            NewHypothesis {
                baseline: HypothesisBaseline::Experiment(99),
                about: vec!["another.new.feature".into()],
                ..good()
            },
        ),
    ];
    for (field, input) in cases {
        let error = t.graph.create_hypothesis(input).await.expect_err(field);
        assert_eq!(error.code(), "VALIDATION", "{field}: {error}");
        assert!(
            error.to_string().starts_with(&format!("{field}:")),
            "expected {field}, got {error}"
        );
    }
    assert!(
        all_hypotheses(&t.graph, "vit").await.is_empty(),
        "nothing was stored"
    );

    let stored = t
        .graph
        .create_hypothesis(NewHypothesis {
            targets: vec![target("val/acc", 2.0)],
            about: vec!["optimizer.lr".into()],
            ..good()
        })
        .await
        .expect("created");
    let refused = HypothesisUpdate {
        title: Some("a new title".into()),
        about: Some(vec!["model.depth".into()]),
        targets: Some(vec![target("nope", 1.0)]),
        ..HypothesisUpdate::default()
    };
    let error = t
        .graph
        .update_hypothesis(&stored.id, refused)
        .await
        .expect_err("unknown metric");
    assert!(error.to_string().starts_with("targets[0].metric:"), "{error}");
    let error = t
        .graph
        .update_hypothesis(
            &stored.id,
            HypothesisUpdate {
                title: Some("a new title".into()),
                baseline: Some(HypothesisBaseline::Experiment(77)),
                ..HypothesisUpdate::default()
            },
        )
        .await
        .expect_err("unknown baseline");
    assert!(error.to_string().starts_with("baseline.experiment:"), "{error}");
    let (_, after) = t.graph.hypothesis_by_id(&stored.id).await.expect("by id");
    assert_eq!(after, stored, "refused updates change nothing");
    assert_eq!(
        t.graph.hypothesis_about(&after).await.expect("about"),
        vec!["optimizer.lr"]
    );
    assert_eq!(
        t.graph.hypothesis_targets(&after).await.expect("targets").len(),
        1
    );
}

async fn an_update_replaces_the_lists_it_names_and_keeps_the_rest(t: TestGraph) {
    vit(&t.graph).await;
    let created = t
        .graph
        .create_hypothesis(NewHypothesis {
            description: "first words".into(),
            targets: vec![target("val/acc", 1.0)],
            about: vec!["optimizer.lr".into()],
            ..new_hypothesis("vit", "depth or lr")
        })
        .await
        .expect("created");
    let update = HypothesisUpdate {
        targets: Some(vec![target("loss", 3.5), target("val/acc", 0.5)]),
        about: Some(vec!["model.depth".into(), "model.width".into()]),
        baseline: Some(HypothesisBaseline::Best),
        ..HypothesisUpdate::default()
    };
    let updated = t
        .graph
        .update_hypothesis(&created.id, update)
        .await
        .expect("updated");
    assert_eq!(updated.title, "depth or lr");
    assert_eq!(updated.description, "first words");
    assert_eq!(updated.baseline, HypothesisBaseline::Best);
    assert!(updated.updated_at > created.updated_at);
    let (_, stored) = t.graph.hypothesis_by_id(&created.id).await.expect("by id");
    assert_eq!(stored, updated);
    let weights: Vec<_> = t
        .graph
        .hypothesis_targets(&stored)
        .await
        .expect("targets")
        .into_iter()
        .map(|target| (target.metric, target.weight))
        .collect();
    assert_eq!(
        weights,
        vec![("loss".to_owned(), 3.5), ("val/acc".to_owned(), 0.5)]
    );
    assert_eq!(
        t.graph.hypothesis_about(&stored).await.expect("about"),
        vec!["model.depth", "model.width"],
        "a feature no experiment set yet is created for the project"
    );

    let cleared = HypothesisUpdate {
        title: Some("only the title".into()),
        description: Some(String::new()),
        targets: Some(Vec::new()),
        ..HypothesisUpdate::default()
    };
    let updated = t
        .graph
        .update_hypothesis(&created.id, cleared)
        .await
        .expect("updated");
    assert_eq!(
        (updated.title.as_str(), updated.description.as_str()),
        ("only the title", "")
    );
    assert!(t
        .graph
        .hypothesis_targets(&updated)
        .await
        .expect("targets")
        .is_empty());
    assert_eq!(
        t.graph.hypothesis_about(&updated).await.expect("about").len(),
        2,
        "about was not named, so it stays"
    );
}

async fn links_are_many_to_many_idempotent_and_refuse_unknown_numbers_atomically(t: TestGraph) {
    vit(&t.graph).await;
    project(&t.graph, "other").await;
    t.graph
        .create_experiment(experiment("other", "9_elsewhere", None))
        .await
        .expect("other project's experiment");
    let first = t
        .graph
        .create_hypothesis(new_hypothesis("vit", "first"))
        .await
        .expect("created");
    let second = t
        .graph
        .create_hypothesis(new_hypothesis("vit", "second"))
        .await
        .expect("created");

    t.graph
        .link_experiments(&first.id, &[2, 1, 2])
        .await
        .expect("linked");
    let again = t
        .graph
        .link_experiments(&first.id, &[1, 3])
        .await
        .expect("linked again");
    assert_eq!(
        numbers(&t.graph.hypothesis_experiments(&again).await.expect("links")),
        vec![1, 2, 3],
        "a repeated link adds no second edge"
    );
    t.graph.link_experiments(&second.id, &[2]).await.expect("linked");
    let two = t.graph.experiment("vit", 2).await.expect("experiment");
    let titles: Vec<_> = t
        .graph
        .experiment_hypotheses(&two)
        .await
        .expect("hypotheses of #2")
        .into_iter()
        .map(|hypothesis| hypothesis.title)
        .collect();
    assert_eq!(titles, vec!["first", "second"]);

    let error = t
        .graph
        .link_experiments(&first.id, &[4, 9])
        .await
        .expect_err("#9 is another project's");
    assert_eq!(error.code(), "VALIDATION");
    assert!(error.to_string().starts_with("numbers[1]:"), "{error}");
    let error = t.graph.link_experiments(&first.id, &[]).await.expect_err("none");
    assert!(error.to_string().starts_with("numbers:"), "{error}");
    assert_eq!(
        numbers(&t.graph.hypothesis_experiments(&first).await.expect("links")),
        vec![1, 2, 3],
        "a refused link links none of its experiments"
    );

    let unlinked = t
        .graph
        .unlink_experiments(&first.id, &[1, 4, 1])
        .await
        .expect("unlinked");
    assert_eq!(
        numbers(&t.graph.hypothesis_experiments(&unlinked).await.expect("links")),
        vec![2, 3],
        "unlinking one that is not linked changes nothing"
    );
    let error = t
        .graph
        .unlink_experiments(&first.id, &[2, 99])
        .await
        .expect_err("unknown number");
    assert!(error.to_string().starts_with("numbers[1]:"), "{error}");
    assert_eq!(
        numbers(&t.graph.hypothesis_experiments(&first).await.expect("links")),
        vec![2, 3]
    );
    let error = t
        .graph
        .link_experiments(&HypothesisId::generate(), &[1])
        .await
        .expect_err("unknown hypothesis");
    assert_eq!(error.code(), "NOT_FOUND");
}

async fn an_override_wins_until_cleared_and_needs_a_reason(t: TestGraph) {
    vit(&t.graph).await;
    let created = t
        .graph
        .create_hypothesis(new_hypothesis("vit", "warmup matters"))
        .await
        .expect("created");
    let reviewer = UserId("reviewer-7".into());
    for bad in ["", "   ", &"r".repeat(2001)] {
        let error = t
            .graph
            .override_hypothesis_status(&created.id, HypothesisStatus::Refuted, bad, &reviewer)
            .await
            .expect_err("no reason");
        assert!(error.to_string().starts_with("reason:"), "{error}");
    }
    let (_, unchanged) = t.graph.hypothesis_by_id(&created.id).await.expect("by id");
    assert_eq!(unchanged, created, "a refused override stores nothing");

    let overridden = t
        .graph
        .override_hypothesis_status(
            &created.id,
            HypothesisStatus::Refuted,
            " the validation split leaked ",
            &reviewer,
        )
        .await
        .expect("overridden");
    let (_, stored) = t.graph.hypothesis_by_id(&created.id).await.expect("by id");
    assert_eq!(stored, overridden);
    assert_eq!(stored.status(), HypothesisStatus::Refuted);
    assert_eq!(
        stored.computed_status,
        HypothesisStatus::Proposed,
        "both stay visible"
    );
    let status_override = stored.status_override.clone().expect("an override");
    assert_eq!(status_override.reason, "the validation split leaked");
    assert_eq!(status_override.author, reviewer);

    let refuted = HypothesisFilter {
        status: Some(HypothesisStatus::Refuted),
        ..HypothesisFilter::default()
    };
    let page = t
        .graph
        .hypotheses("vit", refuted.clone(), 10, None)
        .await
        .expect("list");
    assert_eq!(page.hypotheses.len(), 1, "lists filter by the effective status");

    let cleared = t
        .graph
        .clear_hypothesis_override(&created.id)
        .await
        .expect("cleared");
    assert_eq!(cleared.status(), HypothesisStatus::Proposed);
    let (_, stored) = t.graph.hypothesis_by_id(&created.id).await.expect("by id");
    assert_eq!(stored, cleared);
    assert!(stored.status_override.is_none());
    let again = t
        .graph
        .clear_hypothesis_override(&created.id)
        .await
        .expect("no-op");
    assert_eq!(again, stored, "clearing twice changes nothing");
    let page = t.graph.hypotheses("vit", refuted, 10, None).await.expect("list");
    assert!(page.hypotheses.is_empty());
}

async fn lists_filter_by_status_title_and_experiment_and_page_by_id(t: TestGraph) {
    vit(&t.graph).await;
    let titles = [
        "AdamW beats SGD",
        "Warmup helps",
        "adamw needs decay",
        "Depth 24 overfits",
        "Mixup",
    ];
    let mut ids = Vec::new();
    for title in titles {
        let created = t
            .graph
            .create_hypothesis(new_hypothesis("vit", title))
            .await
            .expect("created");
        ids.push(created.id);
    }
    t.graph.link_experiments(&ids[1], &[3]).await.expect("linked");
    t.graph.link_experiments(&ids[3], &[3, 4]).await.expect("linked");
    t.graph
        .override_hypothesis_status(
            &ids[3],
            HypothesisStatus::Supported,
            "seen it",
            &UserId("u".into()),
        )
        .await
        .expect("overridden");

    let list = |filter: HypothesisFilter| {
        let graph = t.graph.clone();
        async move {
            graph
                .hypotheses("vit", filter, 100, None)
                .await
                .expect("list")
                .hypotheses
                .into_iter()
                .map(|hypothesis| hypothesis.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(HypothesisFilter::default()).await, titles, "creation order");
    let search = HypothesisFilter {
        search: Some("ADAMW".into()),
        ..HypothesisFilter::default()
    };
    assert_eq!(list(search).await, vec!["AdamW beats SGD", "adamw needs decay"]);
    let by_experiment = HypothesisFilter {
        experiment: Some(3),
        ..HypothesisFilter::default()
    };
    assert_eq!(
        list(by_experiment).await,
        vec!["Warmup helps", "Depth 24 overfits"]
    );
    let combined = HypothesisFilter {
        experiment: Some(3),
        status: Some(HypothesisStatus::Proposed),
        search: Some("warm".into()),
    };
    assert_eq!(list(combined).await, vec!["Warmup helps"]);
    let supported = HypothesisFilter {
        status: Some(HypothesisStatus::Supported),
        ..HypothesisFilter::default()
    };
    assert_eq!(list(supported).await, vec!["Depth 24 overfits"]);
    let nowhere = HypothesisFilter {
        experiment: Some(99),
        ..HypothesisFilter::default()
    };
    assert!(list(nowhere).await.is_empty());

    let first = t
        .graph
        .hypotheses("vit", HypothesisFilter::default(), 2, None)
        .await
        .expect("page");
    assert!(first.has_more);
    assert_eq!(first.hypotheses.len(), 2);
    let last_id = first.hypotheses[1].id.clone();
    let rest = t
        .graph
        .hypotheses("vit", HypothesisFilter::default(), 3, Some(&last_id))
        .await
        .expect("page");
    assert!(!rest.has_more);
    let rest_titles: Vec<_> = rest.hypotheses.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(rest_titles, &titles[2..]);

    let error = t
        .graph
        .hypotheses("vit", HypothesisFilter::default(), 0, None)
        .await
        .expect_err("page size");
    assert!(error.to_string().starts_with("first:"), "{error}");
    let bad_search = HypothesisFilter {
        search: Some("a\u{0}b".into()),
        ..HypothesisFilter::default()
    };
    let error = t
        .graph
        .hypotheses("vit", bad_search, 10, None)
        .await
        .expect_err("control character");
    assert!(error.to_string().starts_with("search:"), "{error}");
}

async fn suggestions_are_unlinked_experiments_whose_diff_touches_a_related_feature(t: TestGraph) {
    vit(&t.graph).await;
    let created = t
        .graph
        .create_hypothesis(NewHypothesis {
            about: vec!["optimizer.lr".into()],
            ..new_hypothesis("vit", "lr matters")
        })
        .await
        .expect("created");
    assert_eq!(
        numbers(
            &t.graph
                .hypothesis_suggestions(&created)
                .await
                .expect("suggestions")
        ),
        vec![1, 2, 4],
        "the root sets every path; #3 changed only the depth"
    );
    t.graph.link_experiments(&created.id, &[2]).await.expect("linked");
    assert_eq!(
        numbers(
            &t.graph
                .hypothesis_suggestions(&created)
                .await
                .expect("suggestions")
        ),
        vec![1, 4],
        "a linked experiment is no longer suggested"
    );
    let both = HypothesisUpdate {
        about: Some(vec!["optimizer.lr".into(), "model.depth".into()]),
        ..HypothesisUpdate::default()
    };
    let updated = t
        .graph
        .update_hypothesis(&created.id, both)
        .await
        .expect("updated");
    assert_eq!(
        numbers(
            &t.graph
                .hypothesis_suggestions(&updated)
                .await
                .expect("suggestions")
        ),
        vec![1, 3, 4],
        "each experiment once, however many related features it touches"
    );
    let unrelated = t
        .graph
        .create_hypothesis(new_hypothesis("vit", "about nothing"))
        .await
        .expect("created");
    assert!(t
        .graph
        .hypothesis_suggestions(&unrelated)
        .await
        .expect("none")
        .is_empty());
}

async fn removing_a_targeted_metrics_configuration_keeps_the_metric(t: TestGraph) {
    vit(&t.graph).await;
    configure(&t.graph, "vit", "score").await;
    let created = t
        .graph
        .create_hypothesis(NewHypothesis {
            targets: vec![target("score", 2.0)],
            ..new_hypothesis("vit", "score rises")
        })
        .await
        .expect("created");
    t.graph
        .remove_metric_config("vit", "score")
        .await
        .expect("configuration removed");
    let names: Vec<_> = t
        .graph
        .project_metrics("vit")
        .await
        .expect("metrics")
        .into_iter()
        .map(|metric| metric.name)
        .collect();
    assert!(
        names.contains(&"score".to_owned()),
        "a targeted metric stays: {names:?}"
    );
    let targets = t.graph.hypothesis_targets(&created).await.expect("targets");
    assert_eq!(targets.len(), 1);
    assert_eq!(
        (targets[0].metric.as_str(), targets[0].direction),
        ("score", None)
    );
}
