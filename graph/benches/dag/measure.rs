//! The measurements, each recorded in the report.

use super::*;

pub(crate) async fn create_all(graph: &Graph, tree: &Tree, report: &mut Report) -> Vec<Json> {
    let mut rng = Rng::new(0xfea7_u64);
    let mut features = vec![Json::Null; EXPERIMENTS + 1];
    let mut latencies = Vec::with_capacity(EXPERIMENTS);
    let started = Instant::now();
    let cpu_started = process_cpu_seconds();
    let only = creations_only();
    for number in 1..=EXPERIMENTS {
        if Some(number - 1) == only {
            println!(
                "stopping after {} creations (RSDK_BENCH_CREATIONS_ONLY), process CPU {:.2} s",
                number - 1,
                process_cpu_seconds() - cpu_started
            );
            std::process::exit(0);
        }
        let (full, name, parent) = match tree.parent[number] {
            None => (root_features(), format!("{number}_baseline"), None),
            Some(parent) => {
                let (full, label) = child_features(&mut rng, &features[parent]);
                (
                    full,
                    format!("{number}_from_{parent}_{label}"),
                    Some(ParentRef::Number(parent as i64)),
                )
            }
        };
        let input = NewExperiment {
            project: PROJECT.into(),
            name,
            parent,
            features: Some(to_yaml(&full)),
            ..NewExperiment::default()
        };
        let call_started = Instant::now();
        let created = graph
            .create_experiment(input)
            .await
            .expect("a generated experiment is created");
        latencies.push(call_started.elapsed());
        assert_eq!(
            created.number, number as i64,
            "experiments are numbered in creation order"
        );
        features[number] = full;
    }
    let wall = started.elapsed();
    let cpu = process_cpu_seconds() - cpu_started;
    let rates: Vec<String> = latencies
        .chunks(1_000)
        .map(|block| {
            format!(
                "{:.0}",
                block.len() as f64 / block.iter().sum::<Duration>().as_secs_f64()
            )
        })
        .collect();
    println!("creations/s per block of 1,000: {}", rates.join(", "));
    println!(
        "creation phase: {} wall (generator included), process CPU {cpu:.1} s = {:.0}% of one core",
        format_duration(wall),
        100.0 * cpu / wall.as_secs_f64()
    );
    report.throughput(
        "create experiment (all 10,000)",
        &latencies,
        Some(Target::rate(1_000.0)),
    );
    report.throughput(
        "create experiment (last 1,000)",
        &latencies[EXPERIMENTS - 1_000..],
        Some(Target::rate(1_000.0)),
    );
    features
}

/// `RSDK_BENCH_CREATIONS_ONLY=N`: create the first N experiments of the project and stop, for
/// counting a creation's instructions under `valgrind --tool=callgrind`: the difference between
/// two such runs (say N = 100 and N = 1,100) divided by the creations between them is the cost of
/// one, repeatable to a fraction of a percent whatever else the machine does.
fn creations_only() -> Option<usize> {
    let text = std::env::var("RSDK_BENCH_CREATIONS_ONLY").ok()?;
    let count = text.parse().unwrap_or_else(|_| {
        panic!("RSDK_BENCH_CREATIONS_ONLY must be a number of experiments, got `{text}`")
    });
    Some(count)
}

/// The cached full features equal what the generator meant, so the diffs are the real ones.
pub(crate) async fn check_features_round_trip(graph: &Graph, features: &[Json], numbers: &[usize]) {
    for &number in numbers {
        let experiment = graph
            .experiment(PROJECT, number as i64)
            .await
            .expect("experiment exists");
        let stored = graph.features(&experiment).await.expect("features are readable");
        assert_eq!(stored.full, features[number], "cached full features of #{number}");
    }
    println!("cached full features match the generated ones (checked #{numbers:?})");
}

pub(crate) async fn measure_features_full(graph: &Graph, tree: &Tree, report: &mut Report) {
    let deepest = tree.numbers_at_depth(MAX_DEPTH);
    let mut rng = Rng::new(0xfea7_5eed);
    let random: Vec<usize> = (0..LATENCY_SAMPLES).map(|_| 1 + rng.below(EXPERIMENTS)).collect();
    let at_depth: Vec<usize> = (0..LATENCY_SAMPLES).map(|i| deepest[i % deepest.len()]).collect();
    for (label, numbers) in [("depth 50", at_depth), ("random", random)] {
        let mut lookups = Vec::new();
        let mut reads = Vec::new();
        let mut both = Vec::new();
        for (sample, number) in numbers.iter().enumerate() {
            let started = Instant::now();
            let experiment = graph
                .experiment(PROJECT, *number as i64)
                .await
                .expect("experiment exists");
            let looked_up = Instant::now();
            let features = graph.features(&experiment).await.expect("features are readable");
            let done = Instant::now();
            assert!(features.full.is_object());
            if sample < 10 {
                continue; // warm-up: prepared statements, page cache
            }
            lookups.push(looked_up - started);
            reads.push(done - looked_up);
            both.push(done - started);
        }
        let target = (label == "depth 50").then(|| Target::p50(Duration::from_millis(5)));
        report.latency(
            &format!("featuresFull {label}: experiment + features"),
            &both,
            target,
        );
        report.latency(
            &format!("  of which experiment(project, n) ({label})"),
            &lookups,
            None,
        );
        report.latency(&format!("  of which features(&e) ({label})"), &reads, None);
    }
}

pub(crate) async fn measure_lineage(graph: &Graph, tree: &Tree, report: &mut Report) {
    let tip = experiment(graph, SPINE_TIP).await;
    let hub = experiment(graph, HUB).await;
    let root = experiment(graph, 1).await;
    let ancestors = timed(LINEAGE_SAMPLES, || graph.ancestors(&tip)).await;
    assert_eq!(ancestors.1, MAX_DEPTH, "the spine tip has one ancestor per level");
    report.latency(
        &format!("ancestors of #{SPINE_TIP} (depth 50, {} rows)", ancestors.1),
        &ancestors.0,
        None,
    );
    let hub_descendants = timed(LINEAGE_SAMPLES, || graph.descendants(&hub)).await;
    assert_eq!(hub_descendants.1, tree.hub_subtree.len() - 1);
    report.latency(
        &format!("descendants of hub #{HUB} ({} rows)", hub_descendants.1),
        &hub_descendants.0,
        None,
    );
    let all = timed(LINEAGE_SAMPLES, || graph.descendants(&root)).await;
    assert_eq!(all.1, EXPERIMENTS - 1);
    report.latency(&format!("descendants of root #1 ({} rows)", all.1), &all.0, None);
}

/// The whole DAG read after a change (a progress update of #1 before each read, so the
/// process' kept DAG is stale every time: the target's case), then an unchanged project's,
/// which the process keeps.
pub(crate) async fn measure_dag(graph: &Graph, report: &mut Report) {
    let mut after_change = Vec::with_capacity(DAG_SAMPLES);
    for sample in 0..DAG_SAMPLES {
        let progress = ExperimentUpdate {
            progress: Some(sample as i64),
            ..ExperimentUpdate::default()
        };
        graph
            .update_experiment(PROJECT, 1, progress)
            .await
            .expect("a progress update");
        let started = Instant::now();
        let dag = graph.dag(PROJECT).await.expect("the DAG");
        after_change.push(started.elapsed());
        assert_eq!((dag.nodes.len(), dag.edges.len()), (EXPERIMENTS, EXPERIMENTS - 1));
    }
    report.latency(
        "dag(project), 10,000 nodes + 9,999 edges, read after a change",
        &after_change,
        Some(Target::p50(Duration::from_millis(200))),
    );
    let (kept, nodes) = timed(DAG_SAMPLES, || async {
        let dag = graph.dag(PROJECT).await?;
        assert_eq!(dag.edges.len(), EXPERIMENTS - 1);
        Ok(dag.nodes)
    })
    .await;
    assert_eq!(nodes, EXPERIMENTS);
    report.latency(
        "dag(project), unchanged project (kept by the process)",
        &kept,
        None,
    );
}

pub(crate) async fn measure_rewrites(graph: &Graph, hub_features: &Json, report: &mut Report) {
    let mut reparents = Vec::new();
    for sample in 0..REPARENT_SAMPLES {
        let target = REPARENT_TARGETS[sample % 2];
        let started = Instant::now();
        graph
            .reparent(PROJECT, HUB as i64, Some(target as i64))
            .await
            .expect("moving the hub under a node outside its subtree is allowed");
        reparents.push(started.elapsed());
    }
    let hub = experiment(graph, HUB).await;
    let parent = graph
        .primary_parent(&hub)
        .await
        .expect("parent query runs")
        .expect("hub has a parent");
    assert_eq!(parent.number, REPARENT_TARGETS[(REPARENT_SAMPLES - 1) % 2] as i64);
    report.latency(
        &format!("reparent hub #{HUB} ({HUB_DESCENDANTS} descendants)"),
        &reparents,
        Some(Target::max(Duration::from_secs(1))),
    );

    let mut updates = Vec::new();
    for sample in 0..UPDATE_FEATURES_SAMPLES {
        let mut features = hub_features.clone();
        features["optimizer"]["eps"] = json!(1e-7 * (sample + 2) as f64);
        let text = to_yaml(&features);
        let started = Instant::now();
        graph
            .update_features(PROJECT, HUB as i64, &text)
            .await
            .expect("changing a leaf no descendant removes is allowed");
        updates.push(started.elapsed());
        println!(
            "update_features sample {sample}: {}",
            format_duration(updates[sample])
        );
    }
    report.latency(
        &format!("update_features hub #{HUB} (refreshes {HUB_DESCENDANTS} descendants)"),
        &updates,
        None,
    );
}

/// How the refresh write of `update_features` (one `experiment/set_full_features`
/// statement per experiment, in one transaction) scales: each row is written back unchanged.
pub(crate) async fn measure_refresh_write(graph: &Graph, report: &mut Report) {
    let mut rows = Vec::new();
    for number in HUB_PHASE_START..HUB_PHASE_START + 50 {
        let experiment = experiment(graph, number).await;
        let full = graph
            .features(&experiment)
            .await
            .expect("features are readable")
            .full;
        rows.push(
            Params::new()
                .with("id", experiment.id.as_str())
                .with("features_full", full.to_string()),
        );
    }
    for count in [1, 10, 50] {
        let mut durations = Vec::new();
        for _ in 0..3 {
            let statements = rows[..count]
                .iter()
                .map(|params| Statement::new(&queries::EXPERIMENT_SET_FULL_FEATURES, params.clone()))
                .collect();
            let started = Instant::now();
            graph
                .executor()
                .execute_atomic(statements)
                .await
                .expect("rewriting cached features commits");
            durations.push(started.elapsed());
        }
        report.latency(
            &format!("query experiment/set_full_features ({count} rows)"),
            &durations,
            None,
        );
    }
}

/// The in-process work of one creation, apart from the engine: parsing the YAML,
/// diffing and explaining against the parent, reading the name, loading the project.
pub(crate) async fn measure_creation_steps(
    graph: &Graph,
    tree: &Tree,
    features: &[Json],
    report: &mut Report,
) {
    let child = tree.numbers_at_depth(MAX_DEPTH)[0];
    let parent = tree.parent[child].expect("a deep experiment has a parent");
    let text = to_yaml(&features[child]);
    let project = graph.project(PROJECT).await.expect("project exists");
    let name = format!("{child}_from_{parent}_lr");
    report.latency(
        "  step: features::parse_features (YAML)",
        &repeat(|| graph::features::parse_features(&text).map(|_| ())),
        None,
    );
    report.latency(
        "  step: features::diff + features::explain",
        &repeat(|| {
            let diff = graph::features::diff(&features[parent], &features[child]);
            let changes = graph::features::explain(&features[parent], &features[child]);
            assert!(!diff.0.is_empty() && !changes.is_empty());
            Ok(())
        }),
        None,
    );
    report.latency(
        "  step: ProjectSettings::parse_name",
        &repeat(|| project.settings.parse_name(&name).map(|_| ())),
        None,
    );
    let (lookups, _) = timed(LATENCY_SAMPLES, || async {
        graph.project(PROJECT).await.map(|project| vec![project])
    })
    .await;
    report.latency("  step: graph.project(name)", &lookups, None);
}

/// Times a synchronous step [`LATENCY_SAMPLES`] times.
pub(crate) fn repeat(mut step: impl FnMut() -> graph::Result<()>) -> Vec<Duration> {
    (0..LATENCY_SAMPLES)
        .map(|_| {
            let started = Instant::now();
            step().expect("the step succeeds on generated input");
            started.elapsed()
        })
        .collect()
}

/// Single named queries straight on the engine, to see where the composite calls spend.
pub(crate) async fn measure_primitives(graph: &Graph, report: &mut Report) {
    let project = graph.project(PROJECT).await.expect("project exists");
    let hub = experiment(graph, HUB).await;
    let tip = experiment(graph, SPINE_TIP).await;
    let key = format!("{}/{SPINE_TIP}", project.id);
    let target = experiment(graph, REPARENT_TARGETS[0]).await;
    let cases: [(&'static Query, Params, usize); 7] = [
        (
            &queries::PROJECT_BY_NAME,
            Params::new().with("name", PROJECT),
            LATENCY_SAMPLES,
        ),
        (
            &queries::EXPERIMENT_BY_KEY,
            Params::new().with("key", key),
            LATENCY_SAMPLES,
        ),
        (
            &queries::EXPERIMENT_FEATURES,
            Params::new().with("id", tip.id.as_str()),
            LATENCY_SAMPLES,
        ),
        (
            &queries::DAG_NODES,
            Params::new().with("project_id", project.id.as_str()),
            DAG_SAMPLES,
        ),
        (
            &queries::PRIMARY_SUBTREE,
            Params::new().with("id", hub.id.as_str()),
            REPARENT_SAMPLES,
        ),
        (
            &queries::FIND_PATH,
            Params::new()
                .with("from_id", target.id.as_str())
                .with("to_id", hub.id.as_str()),
            REPARENT_SAMPLES,
        ),
        (
            &queries::PARENTS,
            Params::new().with("id", hub.id.as_str()),
            LATENCY_SAMPLES,
        ),
    ];
    for (query, params, samples) in cases {
        let (durations, rows) = timed(samples, || graph.executor().execute(query, params.clone())).await;
        report.latency(&format!("query {} ({rows} rows)", query.name), &durations, None);
    }
    // One small write transaction: the fixed cost (commit, fsync) every creation pays.
    let mut commits = Vec::new();
    for _ in 0..100 {
        let statement = Statement::new(
            &queries::SET_SCHEMA_VERSION,
            Params::new().with("version", graph::schema::current_version()),
        );
        let started = Instant::now();
        graph
            .executor()
            .execute_atomic(vec![statement])
            .await
            .expect("a one-statement write commits");
        commits.push(started.elapsed());
    }
    report.latency("write tx with one SET (commit + fsync)", &commits, None);
}

pub(crate) async fn experiment(graph: &Graph, number: usize) -> Experiment {
    graph
        .experiment(PROJECT, number as i64)
        .await
        .expect("experiment exists")
}

/// Runs `call` `samples` times (after one untimed warm-up) and returns the durations
/// and the length of the last result.
pub(crate) async fn timed<T, F, Fut>(samples: usize, mut call: F) -> (Vec<Duration>, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = graph::Result<Vec<T>>>,
{
    let mut length = call().await.expect("benchmarked call succeeds").len();
    let mut durations = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let result = call().await.expect("benchmarked call succeeds");
        durations.push(started.elapsed());
        length = result.len();
    }
    (durations, length)
}

/// User and system CPU time of the whole process (every thread), from `/proc/self/stat`.
pub(crate) fn process_cpu_seconds() -> f64 {
    const CLOCK_TICKS_PER_SECOND: f64 = 100.0; // USER_HZ on Linux
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<f64>().ok())
        .sum();
    ticks / CLOCK_TICKS_PER_SECOND
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
