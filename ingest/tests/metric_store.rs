//! The metric store on a real embedded graph and a local blob directory: compaction merges
//! a finished experiment's chunks into one, and a live one's newest chunks, without changing
//! what reads see, also while chunks keep landing; a compacted long run is charted from its
//! overview.

use std::sync::Arc;

use graph::engine::EmbeddedEngine;
use graph::ids::ExperimentId;
use graph::model::{NewExperiment, NewProject, Status};
use graph::Graph;
use ingest::blob::{BlobStore, Digest, LocalBlobStore};
use ingest::metric_store::{MetricStore, OVERVIEW_READ_POINTS};
use ingest::metrics::{
    downsample, downsample_by_step, in_range, Chunk, Downsample, Limits, Point, Series, OVERVIEW_POINTS,
};

struct World {
    store: MetricStore,
    blobs: Arc<LocalBlobStore>,
    graph: Graph,
    experiment: ExperimentId,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
        .await
        .expect("engine");
    let graph = Graph::open(Arc::new(engine)).await.expect("schema");
    let blobs = Arc::new(
        LocalBlobStore::open(dir.path().join("blobs"))
            .await
            .expect("blobs"),
    );
    graph
        .create_project(NewProject {
            name: "vit".into(),
            description: String::new(),
            settings: None,
        })
        .await
        .expect("project");
    // Finished, so that its compactions merge every chunk (a live run's merges only its
    // newest tier: see the last test).
    let experiment = graph
        .create_experiment(NewExperiment {
            project: "vit".into(),
            name: "1".into(),
            status: Some(Status::Complete),
            ..NewExperiment::default()
        })
        .await
        .expect("experiment");
    World {
        store: MetricStore::new(graph.clone(), blobs.clone(), Limits::default()),
        blobs,
        graph,
        experiment: experiment.id,
        _dir: dir,
    }
}

fn chunk(id: &str, steps: std::ops::Range<u64>, value: f64) -> Chunk {
    Chunk {
        chunk_id: id.into(),
        points: steps
            .map(|step| Point {
                metric: "loss".into(),
                step,
                value: value + step as f64,
                wall_time: 0.0,
            })
            .collect(),
    }
}

async fn experiment(world: &World, name: &str) -> ExperimentId {
    world
        .graph
        .create_experiment(NewExperiment {
            project: "vit".into(),
            name: name.into(),
            ..NewExperiment::default()
        })
        .await
        .expect("experiment")
        .id
}

async fn blob_digests(world: &World, experiment: &ExperimentId) -> Vec<Digest> {
    let chunks = world.graph.chunks(experiment).await.expect("chunks");
    chunks
        .iter()
        .map(|chunk| Digest::parse("digest", &chunk.digest).expect("a digest"))
        .collect()
}

async fn stored(world: &World, digest: &Digest) -> bool {
    world.blobs.head(digest).await.expect("head").is_some()
}

async fn read(world: &World) -> (Vec<u64>, Vec<f64>) {
    let series = world
        .store
        .series(
            &world.experiment,
            "loss",
            usize::MAX,
            None,
            None,
            Downsample::MinMax,
        )
        .await
        .expect("series");
    (series.steps, series.values)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_merges_chunks_and_reads_see_the_same_series_and_summaries() {
    let world = world().await;
    world
        .store
        .ingest(&world.experiment, chunk("a", 0..100, 0.0), None)
        .await
        .expect("a");
    world
        .store
        .ingest(&world.experiment, chunk("b", 50..150, 1000.0), None)
        .await
        .expect("b");
    world
        .store
        .ingest(&world.experiment, chunk("c", 10..20, 5000.0), None)
        .await
        .expect("c");
    let before = read(&world).await;
    let summaries_before = world.graph.measured(&world.experiment).await.expect("measured");

    let compacted = world.store.compact(&world.experiment).await.expect("compacts");
    assert!(compacted.is_some());
    assert_eq!(
        world.graph.chunks(&world.experiment).await.expect("chunks").len(),
        1
    );
    assert_eq!(read(&world).await, before, "later writes of a step still win");
    let summaries_after = world.graph.measured(&world.experiment).await.expect("measured");
    assert_eq!(summaries_after.len(), 1);
    assert_eq!(summaries_after[0].count, 150);
    assert!(
        summaries_after[0].same_as(&summaries_before[0]),
        "{summaries_after:?} vs {summaries_before:?}"
    );
    assert!(
        world
            .store
            .compact(&world.experiment)
            .await
            .expect("runs")
            .is_none(),
        "one chunk: nothing to do"
    );
    let retried = world
        .store
        .ingest(&world.experiment, chunk("b", 50..150, 1000.0), None)
        .await;
    assert!(
        retried.expect("acknowledged").duplicate,
        "a compacted chunk id is still known"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_landing_during_a_compaction_are_kept() {
    let world = world().await;
    for index in 0..20_u64 {
        let steps = index * 1000..(index + 1) * 1000;
        world
            .store
            .ingest(
                &world.experiment,
                chunk(&format!("early-{index}"), steps, 0.0),
                None,
            )
            .await
            .expect("ingested");
    }
    let compacting = {
        let store = world.store.clone();
        let experiment = world.experiment.clone();
        tokio::spawn(async move { store.compact(&experiment).await })
    };
    for index in 20..40_u64 {
        let steps = index * 1000..(index + 1) * 1000;
        world
            .store
            .ingest(
                &world.experiment,
                chunk(&format!("late-{index}"), steps, 0.0),
                None,
            )
            .await
            .expect("ingested while compacting");
    }
    compacting
        .await
        .expect("joins")
        .expect("compaction succeeds or steps aside");
    let (steps, _) = read(&world).await;
    assert_eq!(steps, (0..40_000).collect::<Vec<_>>(), "every point, once");
    let measured = world.graph.measured(&world.experiment).await.expect("measured");
    assert_eq!(
        measured[0].count, 40_000,
        "the summary counts the late chunks too"
    );
    assert_eq!(measured[0].last_step, 39_999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_deletes_the_blobs_it_replaced() {
    let world = world().await;
    for (id, steps) in [("a", 0..100), ("b", 100..200), ("c", 50..60)] {
        world
            .store
            .ingest(&world.experiment, chunk(id, steps, 0.0), None)
            .await
            .expect("ingested");
    }
    let before = read(&world).await;
    let replaced = blob_digests(&world, &world.experiment).await;
    world.store.compact(&world.experiment).await.expect("compacts");
    for digest in &replaced {
        assert!(
            !stored(&world, digest).await,
            "replaced blob {digest:?} was deleted"
        );
    }
    let compacted = blob_digests(&world, &world.experiment).await;
    assert_eq!(compacted.len(), 1);
    assert!(stored(&world, &compacted[0]).await, "the compacted blob is kept");
    assert_eq!(read(&world).await, before, "reads see the same series");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_another_experiment_still_uses_survives_compaction() {
    let world = world().await;
    let other = experiment(&world, "2").await;
    // Identical points give identical content, stored once under one digest.
    for target in [&world.experiment, &other] {
        world
            .store
            .ingest(target, chunk("shared", 0..100, 0.0), None)
            .await
            .expect("ingested");
    }
    world
        .store
        .ingest(&world.experiment, chunk("own", 100..200, 0.0), None)
        .await
        .expect("ingested");
    let shared = blob_digests(&world, &other).await;
    world.store.compact(&world.experiment).await.expect("compacts");
    assert!(
        stored(&world, &shared[0]).await,
        "the other experiment's blob is kept"
    );
    let series = world
        .store
        .series(&other, "loss", usize::MAX, None, None, Downsample::MinMax)
        .await
        .expect("the other experiment still reads");
    assert_eq!(series.steps, (0..100).collect::<Vec<_>>());
}

/// A long noisy "loss" with one spike and one NaN, as `count` points from `first`.
fn long_chunk(id: &str, first: u64, count: u64) -> Chunk {
    Chunk {
        chunk_id: id.into(),
        points: (first..first + count)
            .map(|step| Point {
                metric: "loss".into(),
                step,
                value: match step {
                    12_345 => 1e6,
                    23_456 => f64::NAN,
                    _ => 1.0 / (1.0 + step as f64) + ((step * 7919) % 101) as f64 * 1e-4,
                },
                wall_time: step as f64,
            })
            .collect(),
    }
}

/// The whole series of `metric` read with every point (no downsampling).
async fn raw_series(store: &MetricStore, experiment: &ExperimentId, metric: &str) -> Series {
    store
        .series(experiment, metric, usize::MAX, None, None, Downsample::MinMax)
        .await
        .expect("the raw series")
}

fn same_points(a: &Series, b: &Series) -> bool {
    a.steps == b.steps
        && a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_long_run_is_charted_from_its_overview_and_zooms_read_every_point() {
    let world = world().await;
    for (index, first) in [0, 20_000].into_iter().enumerate() {
        world
            .store
            .ingest(
                &world.experiment,
                long_chunk(&format!("part-{index}"), first, 20_000),
                None,
            )
            .await
            .expect("ingested");
    }
    let accuracy = Chunk {
        chunk_id: "accuracy".into(),
        points: (0..100)
            .map(|step| Point {
                metric: "acc".into(),
                step,
                value: step as f64 / 100.0,
                wall_time: 0.0,
            })
            .collect(),
    };
    world
        .store
        .ingest(&world.experiment, accuracy, None)
        .await
        .expect("ingested");
    let record = world
        .store
        .compact(&world.experiment)
        .await
        .expect("compacts")
        .expect("three chunks become one");
    let overview =
        Digest::parse("overview", record.overview.as_deref().expect("an overview")).expect("a digest");
    assert!(stored(&world, &overview).await, "the overview blob is stored");

    let raw = raw_series(&world.store, &world.experiment, "loss").await;
    assert_eq!(raw.len(), 40_000);
    for method in [Downsample::MinMax, Downsample::Lttb] {
        let expected = downsample(
            &downsample(&raw, OVERVIEW_POINTS, Downsample::MinMax),
            2_000,
            method,
        );
        let charted = world
            .store
            .series(&world.experiment, "loss", 2_000, None, None, method)
            .await
            .expect("the chart");
        assert!(same_points(&charted, &expected), "{method:?} reads the overview");
        assert_eq!(charted.steps.first(), Some(&0));
        assert_eq!(charted.steps.last(), Some(&39_999));
    }
    let charted = world
        .store
        .series(&world.experiment, "loss", 2_000, None, None, Downsample::MinMax)
        .await
        .expect("the chart");
    assert!(charted.steps.contains(&12_345), "the spike stays visible");
    assert!(charted.steps.contains(&23_456), "the NaN stays visible");

    // A fresh process (nothing cached) answers exactly the same.
    let fresh = MetricStore::new(world.graph.clone(), world.blobs.clone(), Limits::default());
    let again = fresh
        .series(&world.experiment, "loss", 2_000, None, None, Downsample::MinMax)
        .await
        .expect("the chart after a restart");
    assert!(same_points(&again, &charted));

    // A short metric's overview is its whole series.
    let short = world
        .store
        .series(&world.experiment, "acc", 2_000, None, None, Downsample::MinMax)
        .await
        .expect("acc");
    assert_eq!(short.steps, (0..100).collect::<Vec<_>>());

    // Zoomed, or asking for more than the overview can give: every point is read.
    let zoomed = world
        .store
        .series(
            &world.experiment,
            "loss",
            2_000,
            Some(10_000),
            Some(30_000),
            Downsample::MinMax,
        )
        .await
        .expect("zoomed");
    let expected = downsample(
        &in_range(&raw, Some(10_000), Some(30_000)),
        2_000,
        Downsample::MinMax,
    );
    assert!(same_points(&zoomed, &expected));
    let detailed = world
        .store
        .series(
            &world.experiment,
            "loss",
            OVERVIEW_READ_POINTS + 1,
            None,
            None,
            Downsample::MinMax,
        )
        .await
        .expect("detailed");
    assert!(same_points(
        &detailed,
        &downsample(&raw, OVERVIEW_READ_POINTS + 1, Downsample::MinMax)
    ));

    // Points landing after the compaction (a live run): the chart reads the compacted chunk's
    // overview and the new chunk's points, bucketed by step.
    world
        .store
        .ingest(&world.experiment, long_chunk("part-2", 40_000, 100), None)
        .await
        .expect("ingested");
    let grown = world
        .store
        .series(&world.experiment, "loss", 2_000, None, None, Downsample::MinMax)
        .await
        .expect("grown");
    let grown_raw = raw_series(&world.store, &world.experiment, "loss").await;
    let mut mixed = downsample(&raw, OVERVIEW_POINTS, Downsample::MinMax);
    let landed = in_range(&grown_raw, Some(40_000), None);
    mixed.steps.extend(&landed.steps);
    mixed.values.extend(&landed.values);
    mixed.wall_times.extend(&landed.wall_times);
    assert!(same_points(
        &grown,
        &downsample_by_step(&mixed, 2_000, Downsample::MinMax)
    ));
    assert!(grown.steps.contains(&12_345) && grown.steps.contains(&23_456));
    assert_eq!(grown.steps.last(), Some(&40_099));
    let early = grown.steps.iter().filter(|&&step| step < 20_000).count();
    assert!(
        early > 500,
        "the first half of the steps keeps about half the points ({early} of {})",
        grown.len()
    );

    // A live chart's raw tail holds raw points only: from the new chunk, or from the
    // compacted chunk itself once the tail reaches back into it.
    for tail in [100, 150] {
        let (_, raw_tail) = world
            .store
            .series_with_tail(
                &world.experiment,
                "loss",
                2_000,
                None,
                None,
                Downsample::MinMax,
                tail,
            )
            .await
            .expect("a live chart");
        let expected = in_range(&grown_raw, Some(40_100 - tail as u64), None);
        assert!(same_points(&raw_tail, &expected), "tail of {tail}");
    }

    // The next compaction replaces the overview and deletes the old one.
    let record = world
        .store
        .compact(&world.experiment)
        .await
        .expect("compacts")
        .expect("two chunks become one");
    assert!(
        !stored(&world, &overview).await,
        "the replaced overview is deleted"
    );
    let newer =
        Digest::parse("overview", record.overview.as_deref().expect("an overview")).expect("a digest");
    assert!(stored(&world, &newer).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_of_short_series_stores_no_overview() {
    let world = world().await;
    for (id, steps) in [("a", 0..100), ("b", 100..200)] {
        world
            .store
            .ingest(&world.experiment, chunk(id, steps, 0.0), None)
            .await
            .expect("ingested");
    }
    let record = world
        .store
        .compact(&world.experiment)
        .await
        .expect("compacts")
        .expect("two chunks become one");
    assert_eq!(record.overview, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_run_compacts_its_newest_chunks_and_leaves_a_much_bigger_one_alone() {
    let world = world().await;
    let live = experiment(&world, "2").await; // running
    world
        .store
        .ingest(&live, chunk("big", 0..1_000, 0.0), None)
        .await
        .expect("big");
    for index in 0..4_u64 {
        let steps = 1_000 + index * 10..1_000 + (index + 1) * 10;
        world
            .store
            .ingest(&live, chunk(&format!("small-{index}"), steps, 1.0), None)
            .await
            .expect("small");
    }
    world.store.compact(&live).await.expect("compacts");
    let chunks = world.graph.chunks(&live).await.expect("chunks");
    let points: Vec<i64> = chunks.iter().map(|chunk| chunk.points).collect();
    assert_eq!(points, [1_000, 40], "the four small chunks became one");
    let series = world
        .store
        .series(&live, "loss", usize::MAX, None, None, Downsample::MinMax)
        .await
        .expect("series");
    assert_eq!(series.steps, (0..1_040).collect::<Vec<_>>(), "every point, once");
}
