//! The metrics benchmark of the issue: the real server in-process on the embedded default
//! (graphdblite and a local blob store in a temp dir, mimalloc tuned as in `rsdk serve`), driven
//! over loopback by reqwest clients on the same 2 cores, so every figure is client and
//! server together.
//!
//! 1. Sustained ingestion with durable acknowledgements: 1 and 8 concurrent clients posting
//!    MessagePack chunks (10,000 points = 4 metrics × 2,500 steps), each client its own
//!    experiment, then 8 clients posting JSON for comparison: points/s and the chunk
//!    acknowledgement latency.
//! 2. A 1,000,000-point series downsampled to 2,000 points through GraphQL `series`, cold
//!    (first read after a server start) and warm, MIN_MAX and LTTB; then `MetricStore::series`
//!    directly and its steps (blob read + Parquet decode, merge, downsample) without HTTP.
//! 3. `metricsTable(first: 100)` sorted by one metric over 10,000 experiments × 20 metrics,
//!    built through the API by 4 parallel clients; then `Graph::metrics_table` directly.
//! 4. Storage: bytes of the chunk blobs on disk per stored point.
//!
//! A plain program (harness = false): `cargo bench -p api --bench metrics`.
//! `RSDK_BENCH_DIR` picks the parent of the temporary data directories (the fsync per
//! acknowledged chunk is part of the cost, so use a real disk); `RSDK_BENCH_SECONDS` (default
//! 10) is the length of each ingestion run; `RSDK_BENCH_PHASES` (default
//! `ingest,series,table`) picks the phases.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use api::services::Services;
use graph::ids::ExperimentId;
use ingest::blob::Digest;
use ingest::metrics::{self, encode_msgpack, Chunk, ChunkSeries, Downsample, Point};
use serde_json::{json, Value};
use support::report::{percentiles, Column, Line, Report, Target};
use support::server::{config_for, create_experiment, Server};
use support::{directory_size, load_average, Rng};

/// The allocator `rsdk serve` runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INGEST_METRICS: usize = 4;
const INGEST_STEPS_PER_CHUNK: u64 = 2_500;
const INGEST_TARGET_POINTS_PER_SECOND: f64 = 1_000_000.0;

const SERIES_POINTS: u64 = 1_000_000;
const SERIES_CHUNK_POINTS: u64 = 100_000;
const SERIES_MAX_POINTS: usize = 2_000;
const SERIES_WARM_SAMPLES: usize = 20;
const SERIES_TARGET: Duration = Duration::from_millis(30);

const TABLE_EXPERIMENTS: usize = 10_000;
const TABLE_METRICS: usize = 20;
const TABLE_CLIENTS: usize = 4;
const TABLE_SAMPLES: usize = 10;
const TABLE_TARGET: Duration = Duration::from_millis(300);

const SERIES_QUERY: &str = "query($p: String!, $n: Int!, $m: String!, $max: Int!, $method: DownsampleGql!) { \
     series(project: $p, number: $n, metric: $m, maxPoints: $max, method: $method) { steps values tailSteps } }";
const TABLE_QUERY: &str = "query($p: String!, $metrics: [String!], $sort: String) { \
     metricsTable(project: $p, metrics: $metrics, sortBy: $sort, first: 100) { total rows { number cells { value } } } }";

/// The table's columns: rates, the latency percentiles with p99, and the targets.
const COLUMNS: &[Column] = &[
    Column::Measurement,
    Column::Count,
    Column::Total,
    Column::Rate,
    Column::P50,
    Column::P95,
    Column::P99,
    Column::Max,
    Column::Target,
    Column::Verdict,
];

fn main() {
    support::run_on_two_workers(run());
}

async fn run() {
    let parent_dir = support::parent_dir();
    let seconds: u64 = std::env::var("RSDK_BENCH_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    let phases = std::env::var("RSDK_BENCH_PHASES").unwrap_or_else(|_| "ingest,series,table".into());
    let runs = |phase: &str| phases.split(',').any(|name| name.trim() == phase);
    println!("load average at start: {}", load_average());
    let mut report = Report::new(COLUMNS);

    if runs("ingest") {
        let ingestion_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the ingestion phase");
        measure_ingestion(ingestion_dir.path(), Duration::from_secs(seconds), &mut report).await;
        println!("load average after ingestion: {}", load_average());
    }
    if runs("series") {
        let series_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the series phase");
        measure_series(series_dir.path(), &mut report).await;
        println!("load average after series: {}", load_average());
    }
    if runs("table") {
        let table_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the table phase");
        measure_table(table_dir.path(), &mut report).await;
    }

    println!("load average at end: {}", load_average());
    report.print();
}

// ---------------------------------------------------------------------------------------
// 1. Sustained ingestion, and 4. storage of what it stored
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Body {
    MessagePack,
    Json,
}

async fn measure_ingestion(data_dir: &Path, duration: Duration, report: &mut Report) {
    let server = Server::start(data_dir).await;
    server.create_project("ingest").await;
    let mut stored_points = 0;
    let runs = [
        (1, Body::MessagePack, "msgpack"),
        (8, Body::MessagePack, "msgpack"),
        (8, Body::Json, "JSON"),
    ];
    for (run, (clients, body, label)) in runs.into_iter().enumerate() {
        let mut experiments = Vec::new();
        for client in 0..clients {
            let name = format!("{}", run * 100 + client + 1);
            let (experiment, _) = server
                .create_experiment(json!({ "project": "ingest", "name": name }))
                .await;
            experiments.push(experiment);
        }
        let started = Instant::now();
        let tasks: Vec<_> = experiments
            .into_iter()
            .enumerate()
            .map(|(client, experiment)| {
                let http = server.new_client();
                let url = server.url.clone();
                // A distinct stream per client and run: the blob store is content-addressed, so
                // repeated chunks would be stored once and flatter the storage figure.
                let seed = (run * 100 + client) as u64;
                tokio::spawn(async move { ingest_for(http, url, experiment, body, seed, duration).await })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut points = 0;
        for task in tasks {
            let (client_latencies, client_points) = task.await.expect("a client finishes");
            latencies.extend(client_latencies);
            points += client_points;
        }
        let elapsed = started.elapsed();
        stored_points += points;
        let rate = points as f64 / elapsed.as_secs_f64();
        report.push(Line {
            name: format!(
                "ingest {label}, {clients} client(s), 10,000-point chunks (points/s; latency per chunk ack)"
            ),
            count: latencies.len(),
            total: Some(elapsed),
            figure: format!("{rate:.0}"),
            percentiles: Some(percentiles(&latencies)),
            target: format!("≥ {INGEST_TARGET_POINTS_PER_SECOND:.0}/s"),
            met: Some(rate >= INGEST_TARGET_POINTS_PER_SECOND),
        });
    }
    let (blob_bytes, blob_files) = directory_size(&data_dir.join("blobs"));
    report.value(
        &format!(
            "storage after ingestion: {blob_files} blobs, {:.1} MB for {stored_points} points (B/point; every chunk blob and every compacted copy on disk)",
            blob_bytes as f64 / 1e6
        ),
        stored_points,
        format!("{:.2} B", blob_bytes as f64 / stored_points as f64),
    );
    server.stop().await;
    measure_ingest_steps(data_dir, report).await;
}

/// One client: posts chunks for `duration`, each after the previous one was acknowledged.
async fn ingest_for(
    http: reqwest::Client,
    url: String,
    experiment: ExperimentId,
    body: Body,
    seed: u64,
    duration: Duration,
) -> (Vec<Duration>, usize) {
    let endpoint = format!("{url}/api/v1/experiments/{}/metrics", experiment.0);
    let mut rng = Rng::new(0x9e37_79b9 + seed);
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut points = 0;
    let mut sequence = 0;
    while started.elapsed() < duration {
        let sent = Instant::now();
        let chunk = training_chunk(&mut rng, sequence);
        let request = match body {
            Body::MessagePack => http
                .post(&endpoint)
                .header("content-type", "application/msgpack")
                .body(encode_msgpack(&chunk).expect("the chunk encodes")),
            Body::Json => http.post(&endpoint).json(&chunk_json(&chunk)),
        };
        let response = request.send().await.expect("the chunk is sent");
        assert_eq!(response.status(), 201, "the chunk is stored");
        let ack: Value = response.json().await.expect("a JSON acknowledgement");
        latencies.push(sent.elapsed());
        points += ack["points"].as_u64().expect("acknowledged points") as usize;
        sequence += 1;
    }
    (latencies, points)
}

/// A training log: `INGEST_METRICS` metrics over the next `INGEST_STEPS_PER_CHUNK` steps, a
/// noisy decaying loss, wall time advancing 50 ms a step.
fn training_chunk(rng: &mut Rng, sequence: u64) -> Chunk {
    let first_step = sequence * INGEST_STEPS_PER_CHUNK;
    let mut points = Vec::with_capacity(INGEST_METRICS * INGEST_STEPS_PER_CHUNK as usize);
    for metric in 0..INGEST_METRICS {
        let name = ["loss", "accuracy", "learning_rate", "grad_norm"][metric];
        for step in first_step..first_step + INGEST_STEPS_PER_CHUNK {
            points.push(Point {
                metric: name.to_owned(),
                step,
                value: curve(rng, metric, step),
                wall_time: 1_700_000_000.0 + step as f64 * 0.05,
            });
        }
    }
    Chunk {
        chunk_id: format!("chunk-{sequence:06}"),
        points,
    }
}

fn curve(rng: &mut Rng, metric: usize, step: u64) -> f64 {
    let progress = (-(step as f64) / 200_000.0).exp();
    let noise = rng.unit() - 0.5;
    match metric {
        0 => 2.5 * progress + 0.05 * noise,
        1 => 1.0 - 0.9 * progress + 0.01 * noise,
        2 => 3e-4 * progress,
        _ => 1.0 + 0.3 * noise,
    }
}

fn chunk_json(chunk: &Chunk) -> Value {
    let points: Vec<Value> = chunk
        .points
        .iter()
        .map(|point| {
            json!({ "metric": point.metric, "step": point.step, "value": point.value, "wallTime": point.wall_time })
        })
        .collect();
    json!({ "chunkId": chunk.chunk_id, "points": points })
}

/// Where an ingestion's time goes without HTTP: decoding, Parquet encoding, and the whole
/// `MetricStore::ingest` (blob write, manifest and summaries in one fsynced graph write).
async fn measure_ingest_steps(data_dir: &Path, report: &mut Report) {
    let services = Services::open(&config_for(data_dir))
        .await
        .expect("the services open");
    let project = "ingest";
    let experiment = services
        .graph
        .create_experiment(graph::model::NewExperiment {
            project: project.into(),
            name: "999".into(),
            ..Default::default()
        })
        .await
        .expect("an experiment for the direct ingestion");
    let mut rng = Rng::new(7);
    let (mut decode, mut parquet, mut ingest) = (Vec::new(), Vec::new(), Vec::new());
    let (mut blob_put, mut manifest) = (Vec::new(), Vec::new());
    let (mut parquet_bytes, mut parquet_points) = (0, 0);
    for sequence in 0..40 {
        let chunk = training_chunk(&mut rng, sequence);
        let body = encode_msgpack(&chunk).expect("the chunk encodes");
        let started = Instant::now();
        let decoded = Chunk::from_msgpack(&body, services.metrics.limits()).expect("the chunk decodes");
        decode.push(started.elapsed());
        let started = Instant::now();
        let series = ChunkSeries::from_points(decoded.points.clone());
        let encoded = metrics::encode_parquet(&series).expect("the chunk encodes as Parquet");
        parquet.push(started.elapsed());
        parquet_bytes += encoded.len();
        parquet_points += series.len();
        let started = Instant::now();
        let mut unique = encoded.to_vec();
        unique.extend_from_slice(&sequence.to_le_bytes());
        services
            .blobs
            .put(unique.into(), None)
            .await
            .expect("the blob is stored");
        blob_put.push(started.elapsed());
        let started = Instant::now();
        services.graph.chunks(&experiment.id).await.expect("the manifest");
        manifest.push(started.elapsed());
        let started = Instant::now();
        services
            .metrics
            .ingest(&experiment.id, decoded, None)
            .await
            .expect("the chunk is stored");
        ingest.push(started.elapsed());
    }
    report.latency("  step: Chunk::from_msgpack (10,000 points)", &decode, None);
    report.latency(
        "  step: group by metric + encode_parquet (10,000 points)",
        &parquet,
        None,
    );
    report.value(
        "storage of a 10,000-point chunk blob (4 metrics × 2,500 steps; B/point)",
        parquet_points,
        format!("{:.2} B", parquet_bytes as f64 / parquet_points as f64),
    );
    report.latency(
        "  step: blob put of that Parquet chunk (local store)",
        &blob_put,
        None,
    );
    report.latency(
        "  step: graph.chunks (manifest of up to 40 chunks)",
        &manifest,
        None,
    );
    report.latency(
        "  step: MetricStore::ingest, no HTTP (10,000 points)",
        &ingest,
        None,
    );
}

// ---------------------------------------------------------------------------------------
// 2. Reading a 1,000,000-point series
// ---------------------------------------------------------------------------------------

async fn measure_series(data_dir: &Path, report: &mut Report) {
    let server = Server::start(data_dir).await;
    server.create_project("series").await;
    let (experiment, _) = server
        .create_experiment(json!({ "project": "series", "name": "1" }))
        .await;
    let mut rng = Rng::new(11);
    let mut posts = Vec::new();
    for sequence in 0..SERIES_POINTS / SERIES_CHUNK_POINTS {
        let first_step = sequence * SERIES_CHUNK_POINTS;
        let points = (first_step..first_step + SERIES_CHUNK_POINTS)
            .map(|step| Point {
                metric: "loss".into(),
                step,
                value: curve(&mut rng, 0, step),
                wall_time: 1_700_000_000.0 + step as f64 * 0.05,
            })
            .collect();
        let chunk = Chunk {
            chunk_id: format!("series-{sequence}"),
            points,
        };
        let started = Instant::now();
        let response = server
            .client
            .post(format!(
                "{}/api/v1/experiments/{}/metrics",
                server.url, experiment.0
            ))
            .header("content-type", "application/msgpack")
            .body(encode_msgpack(&chunk).expect("the chunk encodes"))
            .send()
            .await
            .expect("the chunk is sent");
        assert_eq!(response.status(), 201, "the chunk is stored");
        posts.push(started.elapsed());
    }
    report.latency(
        "ingest msgpack, 100,000-point chunks of one metric (1 client)",
        &posts,
        None,
    );
    let (blob_bytes, blob_files) = directory_size(&data_dir.join("blobs"));
    report.value(
        &format!("storage of the 1,000,000-point series: {blob_files} blobs of 100,000 points (B/point)"),
        SERIES_POINTS as usize,
        format!("{:.2} B", blob_bytes as f64 / SERIES_POINTS as f64),
    );
    // A finished run, as charts of past experiments read it (a running one also gets the
    // raw tail: measured last).
    set_status(&server, "COMPLETE").await;
    let mut server = server;
    for (method, label) in [("MIN_MAX", "MIN_MAX"), ("LTTB", "LTTB")] {
        // The first read of a fresh server process: its chunk cache is empty (the OS page
        // cache still holds the blobs, as on a server that wrote them recently).
        server = server.restart().await;
        let cold = read_series(&server, method).await;
        report.latency(
            &format!("GraphQL series 1,000,000 → 2,000 {label}, cold (first read after start)"),
            &[cold],
            Some(Target::P50(SERIES_TARGET)),
        );
        let mut warm = Vec::new();
        for _ in 0..SERIES_WARM_SAMPLES {
            warm.push(read_series(&server, method).await);
        }
        report.latency(
            &format!("GraphQL series 1,000,000 → 2,000 {label}, warm"),
            &warm,
            Some(Target::P50(SERIES_TARGET)),
        );
    }
    set_status(&server, "RUNNING").await;
    let mut live = Vec::new();
    for _ in 0..SERIES_WARM_SAMPLES {
        live.push(read_series(&server, "MIN_MAX").await);
    }
    report.latency(
        "GraphQL series MIN_MAX, warm, experiment RUNNING (adds the raw live tail)",
        &live,
        Some(Target::P50(SERIES_TARGET)),
    );
    server.stop().await;
    measure_series_direct(data_dir, &experiment, report).await;
}

async fn set_status(server: &Server, status: &str) {
    let mutation = format!(
        "mutation {{ updateExperiment(project: \"series\", number: 1, input: {{status: {status}}}) {{ status }} }}"
    );
    server.ok(&mutation, json!({})).await;
}

/// One `series` read of the 1,000,000-point series on loopback, timed to the last byte.
async fn read_series(server: &Server, method: &str) -> Duration {
    let variables = json!({ "p": "series", "n": 1, "m": "loss", "max": SERIES_MAX_POINTS, "method": method });
    let started = Instant::now();
    let data = server.ok(SERIES_QUERY, variables).await;
    let elapsed = started.elapsed();
    let steps = data["series"]["steps"].as_array().map_or(0, Vec::len);
    assert!((2..=SERIES_MAX_POINTS).contains(&steps), "{steps} points");
    elapsed
}

async fn measure_series_direct(data_dir: &Path, experiment: &ExperimentId, report: &mut Report) {
    for (method, label) in [(Downsample::MinMax, "MIN_MAX"), (Downsample::Lttb, "LTTB")] {
        let services = Services::open(&config_for(data_dir))
            .await
            .expect("the services open");
        let read = || {
            services
                .metrics
                .series(experiment, "loss", SERIES_MAX_POINTS, None, None, method)
        };
        let started = Instant::now();
        let series = read().await.expect("the series reads");
        let cold = started.elapsed();
        assert!(
            series.steps.len() <= SERIES_MAX_POINTS,
            "{} points",
            series.steps.len()
        );
        report.latency(
            &format!("MetricStore::series {label}, cold (no HTTP)"),
            &[cold],
            Some(Target::P50(SERIES_TARGET)),
        );
        let mut warm = Vec::new();
        for _ in 0..SERIES_WARM_SAMPLES {
            let started = Instant::now();
            read().await.expect("the series reads");
            warm.push(started.elapsed());
        }
        report.latency(
            &format!("MetricStore::series {label}, warm (no HTTP)"),
            &warm,
            Some(Target::P50(SERIES_TARGET)),
        );
        if method == Downsample::Lttb {
            measure_series_steps(&services, experiment, report).await;
        }
    }
}

/// The steps of a series read: the manifest, blob reads + Parquet decode, merge, downsample.
async fn measure_series_steps(services: &Services, experiment: &ExperimentId, report: &mut Report) {
    let (mut manifest, mut decode, mut merge, mut minmax, mut lttb) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let records = services.graph.chunks(experiment).await.expect("the manifest");
        manifest.push(started.elapsed());
        let started = Instant::now();
        let mut chunks = Vec::new();
        for record in &records {
            let digest = Digest::parse("digest", &record.digest).expect("a digest");
            let bytes = services.blobs.get_bytes(&digest).await.expect("the blob");
            chunks.push(metrics::decode_parquet(&bytes).expect("a Parquet chunk"));
        }
        decode.push(started.elapsed());
        let started = Instant::now();
        let merged = metrics::merge_series(&chunks, "loss");
        let ranged = metrics::in_range(&merged, None, None);
        merge.push(started.elapsed());
        let started = Instant::now();
        metrics::downsample(&ranged, SERIES_MAX_POINTS, Downsample::MinMax);
        minmax.push(started.elapsed());
        let started = Instant::now();
        metrics::downsample(&ranged, SERIES_MAX_POINTS, Downsample::Lttb);
        lttb.push(started.elapsed());
    }
    report.latency("  step: graph.chunks (manifest, 10 chunks)", &manifest, None);
    report.latency(
        "  step: blob get + decode_parquet (10 × 100,000 points)",
        &decode,
        None,
    );
    report.latency("  step: merge_series + in_range (1,000,000 points)", &merge, None);
    report.latency("  step: downsample MIN_MAX to 2,000", &minmax, None);
    report.latency("  step: downsample LTTB to 2,000", &lttb, None);
}

// ---------------------------------------------------------------------------------------
// 3. The metrics table over 10,000 experiments × 20 metrics
// ---------------------------------------------------------------------------------------

async fn measure_table(data_dir: &Path, report: &mut Report) {
    let server = Server::start(data_dir).await;
    server.create_project("table").await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..TABLE_CLIENTS)
        .map(|client| {
            let http = server.new_client();
            let url = server.url.clone();
            tokio::spawn(async move { populate_table(http, url, client).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("a set-up client finishes");
    }
    let setup = started.elapsed();
    report.push(Line {
        name: format!(
            "set-up: {TABLE_EXPERIMENTS} × (createExperiment + one {TABLE_METRICS}-metric chunk), {TABLE_CLIENTS} clients (experiments/s)"
        ),
        count: TABLE_EXPERIMENTS,
        total: Some(setup),
        figure: format!("{:.0}", TABLE_EXPERIMENTS as f64 / setup.as_secs_f64()),
        percentiles: None,
        target: String::new(),
        met: None,
    });
    let metrics: Vec<String> = (0..TABLE_METRICS).map(metric_name).collect();
    let variables = json!({ "p": "table", "metrics": metrics, "sort": metric_name(7) });
    let mut durations = Vec::new();
    for _ in 0..TABLE_SAMPLES {
        let started = Instant::now();
        let data = server.ok(TABLE_QUERY, variables.clone()).await;
        durations.push(started.elapsed());
        assert_eq!(data["metricsTable"]["total"], TABLE_EXPERIMENTS as i64);
        assert_eq!(data["metricsTable"]["rows"].as_array().map(Vec::len), Some(100));
    }
    report.latency(
        "GraphQL metricsTable(first: 100), 10,000 × 20, sorted by one metric",
        &durations,
        Some(Target::Max(TABLE_TARGET)),
    );
    server.stop().await;

    let services = Services::open(&config_for(data_dir))
        .await
        .expect("the services open");
    let mut direct = Vec::new();
    for _ in 0..TABLE_SAMPLES {
        let query = graph::TableQuery {
            metrics: metrics.clone(),
            status: None,
            name_contains: None,
            baseline: graph::Baseline::Root,
            sort_by: Some(metric_name(7)),
            first: 100,
            offset: 0,
        };
        let started = Instant::now();
        services
            .graph
            .metrics_table("table", query)
            .await
            .expect("the table reads");
        direct.push(started.elapsed());
    }
    report.latency(
        "Graph::metrics_table, same query (no HTTP)",
        &direct,
        Some(Target::Max(TABLE_TARGET)),
    );
    let (mut infos, mut dag, mut measured) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..TABLE_SAMPLES {
        let started = Instant::now();
        services
            .graph
            .project_metrics("table")
            .await
            .expect("the metric names");
        infos.push(started.elapsed());
        let started = Instant::now();
        services.graph.dag("table").await.expect("the dag");
        dag.push(started.elapsed());
        let started = Instant::now();
        let summaries = services
            .graph
            .measured_in_project("table")
            .await
            .expect("the summaries");
        measured.push(started.elapsed());
        assert_eq!(
            summaries.values().map(|measured| measured.len()).sum::<usize>(),
            TABLE_EXPERIMENTS * TABLE_METRICS
        );
    }
    report.latency("  step: graph.project_metrics", &infos, None);
    report.latency("  step: graph.dag (10,000 nodes)", &dag, None);
    report.latency(
        "  step: graph.measured_in_project (200,000 summaries)",
        &measured,
        None,
    );
}

fn metric_name(index: usize) -> String {
    format!("m{index:02}")
}

/// One set-up client: every `TABLE_CLIENTS`-th experiment, each with one point per metric.
async fn populate_table(http: reqwest::Client, url: String, client: usize) {
    let mut rng = Rng::new(31 + client as u64);
    for index in (client..TABLE_EXPERIMENTS).step_by(TABLE_CLIENTS) {
        let input = json!({ "project": "table", "name": format!("{}", index + 1) });
        let (experiment, _) = create_experiment(&http, &url, input).await;
        let points = (0..TABLE_METRICS)
            .map(|metric| Point {
                metric: metric_name(metric),
                step: 100,
                value: rng.unit(),
                wall_time: 1_700_000_000.0,
            })
            .collect();
        let chunk = Chunk {
            chunk_id: "final".into(),
            points,
        };
        let response = http
            .post(format!("{url}/api/v1/experiments/{}/metrics", experiment.0))
            .header("content-type", "application/msgpack")
            .body(encode_msgpack(&chunk).expect("the chunk encodes"))
            .send()
            .await
            .expect("the chunk is sent");
        assert_eq!(response.status(), 201, "the chunk is stored");
    }
}
