//! The metrics benchmark of the issue: the real server in-process on the embedded default
//! (graphdblite and a local blob store in a temp dir, mimalloc as in `rsdk serve`), driven
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

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use api::config::Config;
use api::services::Services;
use graph::ids::ExperimentId;
use ingest::blob::Digest;
use ingest::metrics::{self, encode_msgpack, Chunk, ChunkSeries, Downsample, Point};
use serde_json::{json, Value};
use tokio::sync::oneshot;

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

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tokio runtime builds");
    runtime.block_on(run());
}

async fn run() {
    let parent_dir = std::env::var_os("RSDK_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let seconds: u64 = std::env::var("RSDK_BENCH_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    let phases = std::env::var("RSDK_BENCH_PHASES").unwrap_or_else(|_| "ingest,series,table".into());
    let runs = |phase: &str| phases.split(',').any(|name| name.trim() == phase);
    println!("load average at start: {}", load_average());
    let mut report = Report::default();

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
            experiments.push(server.create_experiment("ingest", &name).await);
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
            rate: format!("{rate:.0}"),
            percentiles: Some(percentiles(&latencies)),
            target: format!("≥ {INGEST_TARGET_POINTS_PER_SECOND:.0}/s"),
            met: Some(rate >= INGEST_TARGET_POINTS_PER_SECOND),
        });
    }
    let (blob_bytes, blob_files) = directory_size(&data_dir.join("blobs"));
    report.push(Line {
        name: format!(
            "storage after ingestion: {blob_files} blobs, {:.1} MB for {stored_points} points (B/point; every chunk blob and every compacted copy on disk)",
            blob_bytes as f64 / 1e6
        ),
        count: stored_points,
        total: None,
        rate: format!("{:.2} B", blob_bytes as f64 / stored_points as f64),
        percentiles: None,
        target: String::new(),
        met: None,
    });
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
    report.push(Line {
        name: "storage of a 10,000-point chunk blob (4 metrics × 2,500 steps; B/point)".into(),
        count: parquet_points,
        total: None,
        rate: format!("{:.2} B", parquet_bytes as f64 / parquet_points as f64),
        percentiles: None,
        target: String::new(),
        met: None,
    });
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
    let experiment = server.create_experiment("series", "1").await;
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
    report.push(Line {
        name: format!(
            "storage of the 1,000,000-point series: {blob_files} blobs of 100,000 points (B/point)"
        ),
        count: SERIES_POINTS as usize,
        total: None,
        rate: format!("{:.2} B", blob_bytes as f64 / SERIES_POINTS as f64),
        percentiles: None,
        target: String::new(),
        met: None,
    });
    // A finished run, as charts of past experiments read it (a running one also gets the
    // raw tail: measured last).
    set_status(&server, "COMPLETE").await;
    let mut server = server;
    for (method, label) in [("MIN_MAX", "MIN_MAX"), ("LTTB", "LTTB")] {
        // The first read of a fresh server process: its chunk cache is empty (the OS page
        // cache still holds the blobs, as on a server that wrote them recently).
        server = server.restart().await;
        let cold = server.read_series(method).await;
        report.latency(
            &format!("GraphQL series 1,000,000 → 2,000 {label}, cold (first read after start)"),
            &[cold],
            Some(Target::P50(SERIES_TARGET)),
        );
        let mut warm = Vec::new();
        for _ in 0..SERIES_WARM_SAMPLES {
            warm.push(server.read_series(method).await);
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
        live.push(server.read_series("MIN_MAX").await);
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
        rate: format!("{:.0}", TABLE_EXPERIMENTS as f64 / setup.as_secs_f64()),
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
        assert_eq!(summaries.len(), TABLE_EXPERIMENTS * TABLE_METRICS);
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
        let data = graphql(
            &http,
            &url,
            "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }",
            json!({ "input": { "project": "table", "name": format!("{}", index + 1) } }),
        )
        .await;
        let id = data["createExperiment"]["id"].as_str().expect("an id").to_owned();
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
            .post(format!("{url}/api/v1/experiments/{id}/metrics"))
            .header("content-type", "application/msgpack")
            .body(encode_msgpack(&chunk).expect("the chunk encodes"))
            .send()
            .await
            .expect("the chunk is sent");
        assert_eq!(response.status(), 201, "the chunk is stored");
    }
}

// ---------------------------------------------------------------------------------------
// The server and its clients
// ---------------------------------------------------------------------------------------

fn config_for(data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        bind: "127.0.0.1:0".parse().expect("an address"),
        client_config: Some(data_dir.join("client.toml")),
        ..Config::default()
    }
}

/// The real server on an ephemeral port, signed in with the API token its first start wrote.
struct Server {
    url: String,
    data_dir: PathBuf,
    token: String,
    client: reqwest::Client,
    stop: oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(data_dir: &Path) -> Server {
        let config = config_for(data_dir);
        let (stop, stopped) = oneshot::channel::<()>();
        let (address, serving) = api::server::start(&config, async move {
            let _ = stopped.await;
        })
        .await
        .expect("the server starts");
        let token = token_in(&config.client_config_path());
        Server {
            url: format!("http://{address}"),
            data_dir: data_dir.to_path_buf(),
            client: client_with_token(&token),
            token,
            stop,
            serving: tokio::spawn(serving),
        }
    }

    /// A client with its own connection pool, as a separate SDK process would have.
    fn new_client(&self) -> reqwest::Client {
        client_with_token(&self.token)
    }

    async fn stop(self) {
        drop(self.client);
        let _ = self.stop.send(());
        match tokio::time::timeout(Duration::from_secs(30), self.serving).await {
            Ok(served) => served
                .expect("the server task")
                .expect("the server stops cleanly"),
            Err(_) => panic!("the server did not stop within 30 s"),
        }
    }

    /// The same data directory in a fresh server (empty in-process caches).
    async fn restart(self) -> Server {
        let data_dir = self.data_dir.clone();
        self.stop().await;
        Server::start(&data_dir).await
    }

    async fn ok(&self, query: &str, variables: Value) -> Value {
        graphql(&self.client, &self.url, query, variables).await
    }

    async fn create_project(&self, name: &str) {
        self.ok(
            "mutation($name: String!) { createProject(input: {name: $name}) { id } }",
            json!({ "name": name }),
        )
        .await;
    }

    async fn create_experiment(&self, project: &str, name: &str) -> ExperimentId {
        let data = self
            .ok(
                "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }",
                json!({ "input": { "project": project, "name": name } }),
            )
            .await;
        ExperimentId(data["createExperiment"]["id"].as_str().expect("an id").to_owned())
    }

    /// One `series` read of the 1,000,000-point series on loopback, timed to the last byte.
    async fn read_series(&self, method: &str) -> Duration {
        let variables =
            json!({ "p": "series", "n": 1, "m": "loss", "max": SERIES_MAX_POINTS, "method": method });
        let started = Instant::now();
        let data = self.ok(SERIES_QUERY, variables).await;
        let elapsed = started.elapsed();
        let steps = data["series"]["steps"].as_array().map_or(0, Vec::len);
        assert!((2..=SERIES_MAX_POINTS).contains(&steps), "{steps} points");
        elapsed
    }
}

/// Runs an operation that must succeed and returns its `data`.
async fn graphql(client: &reqwest::Client, url: &str, query: &str, variables: Value) -> Value {
    let response = client
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the request is sent");
    let body: Value = response.json().await.expect("a JSON body");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// The API token in the client configuration file the first start wrote.
fn token_in(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("the first start wrote the client configuration");
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("token = "))
        .expect("the configuration has a token");
    line.trim_matches('"').to_owned()
}

fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Target {
    P50(Duration),
    Max(Duration),
}

struct Line {
    name: String,
    count: usize,
    total: Option<Duration>,
    /// Already formatted: points/s, experiments/s, calls/s or bytes per point.
    rate: String,
    percentiles: Option<[Duration; 4]>,
    target: String,
    met: Option<bool>,
}

#[derive(Default)]
struct Report {
    lines: Vec<Line>,
}

impl Report {
    /// Calls one after another: the rate is calls per second of their summed durations.
    fn latency(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total: Duration = durations.iter().sum();
        let percentiles = percentiles(durations);
        let (target, met) = match target {
            Some(Target::P50(limit)) => (
                format!("p50 ≤ {}", format_duration(limit)),
                Some(percentiles[0] <= limit),
            ),
            Some(Target::Max(limit)) => (
                format!("max ≤ {}", format_duration(limit)),
                Some(percentiles[3] <= limit),
            ),
            None => (String::new(), None),
        };
        self.push(Line {
            name: name.to_owned(),
            count: durations.len(),
            total: Some(total),
            rate: format!("{:.0}", durations.len() as f64 / total.as_secs_f64()),
            percentiles: Some(percentiles),
            target,
            met,
        });
    }

    fn push(&mut self, line: Line) {
        let summary = match line.percentiles {
            Some(percentiles) => format!("p50 {}", format_duration(percentiles[0])),
            None => line.rate.clone(),
        };
        println!("measured: {} ({summary})", line.name);
        self.lines.push(line);
    }

    fn print(&self) {
        println!();
        println!("| measurement | n | total | rate/s | p50 | p95 | p99 | max | target | verdict |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for line in &self.lines {
            let [p50, p95, p99, max] = match line.percentiles {
                Some(percentiles) => percentiles.map(format_duration),
                None => Default::default(),
            };
            let verdict = match line.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "",
            };
            println!(
                "| {} | {} | {} | {} | {p50} | {p95} | {p99} | {max} | {} | {verdict} |",
                line.name,
                line.count,
                line.total.map(format_duration).unwrap_or_default(),
                line.rate,
                line.target,
            );
        }
    }
}

/// p50, p95, p99 and max by nearest rank.
fn percentiles(durations: &[Duration]) -> [Duration; 4] {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let rank = |fraction: f64| {
        let index = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[index - 1]
    };
    [rank(0.50), rank(0.95), rank(0.99), rank(1.0)]
}

fn format_duration(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1_000.0;
    if millis >= 10_000.0 {
        format!("{:.1} s", millis / 1_000.0)
    } else if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{millis:.2} ms")
    }
}

/// Total bytes and number of the files under `directory`.
fn directory_size(directory: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut files = 0;
    let mut pending = vec![directory.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                bytes += metadata.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// xorshift64*: deterministic noise for the generated values.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A value in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}
