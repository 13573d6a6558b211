//! Metrics through the real server: chunks in (JSON and MessagePack), idempotent retries,
//! summaries, downsampled series, the metrics table, comparisons, Pareto fronts, exports and
//! every refusal the issue lists.

mod support;

use ingest::metrics::{encode_msgpack, Chunk, Point};
use serde_json::{json, Value};

struct Run {
    id: String,
}

async fn run(server: &support::TestServer, project: &str, name: &str) -> Run {
    let created = server.create_experiment(project, name, None).await;
    Run {
        id: created["id"].as_str().expect("an id").to_owned(),
    }
}

async fn post_json(
    server: &support::TestServer,
    client: &reqwest::Client,
    run: &Run,
    body: &Value,
) -> (u16, Value) {
    let response = client
        .post(format!("{}/api/v1/experiments/{}/metrics", server.url, run.id))
        .json(body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn points(metric: &str, steps: std::ops::Range<u64>, value: impl Fn(u64) -> Value) -> Vec<Value> {
    steps
        .map(|step| json!({ "metric": metric, "step": step, "value": value(step), "wallTime": 1_700_000_000.0 + step as f64 }))
        .collect()
}

const SERIES: &str = "query($p: String!, $n: Int!, $m: String!, $max: Int!) { series(project: $p, number: $n, metric: $m, maxPoints: $max) { steps values } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_are_stored_once_summarised_and_read_back_merged() {
    let server = support::start().await;
    server.create_project("vit").await;
    let run = run(&server, "vit", "1").await;

    let first =
        json!({ "chunkId": "c1", "points": points("loss", 0..100, |step| json!(1.0 / (step + 1) as f64)) });
    let (status, ack) = post_json(&server, &server.client, &run, &first).await;
    assert_eq!(status, 201, "{ack}");
    assert_eq!(ack["points"], 100);
    let (status, again) = post_json(&server, &server.client, &run, &first).await;
    assert_eq!(status, 200, "a retry is acknowledged again");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["sequence"], ack["sequence"]);

    // MessagePack from the SDK, with a diverged loss and a late correction of step 10.
    let chunk = Chunk {
        chunk_id: "c2".into(),
        points: vec![
            Point {
                metric: "loss".into(),
                step: 10,
                value: 0.5,
                wall_time: 0.0,
            },
            Point {
                metric: "loss".into(),
                step: 100,
                value: f64::NAN,
                wall_time: 0.0,
            },
            Point {
                metric: "accuracy".into(),
                step: 100,
                value: 0.9,
                wall_time: 0.0,
            },
        ],
    };
    let body = encode_msgpack(&chunk).expect("encodes");
    let response = server
        .client
        .post(format!("{}/api/v1/experiments/{}/metrics", server.url, run.id))
        .header("content-type", "application/msgpack")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);

    let series = server
        .ok(SERIES, json!({ "p": "vit", "n": 1, "m": "loss", "max": 10_000 }))
        .await;
    let steps = series["series"]["steps"].as_array().expect("steps").clone();
    let values = series["series"]["values"].as_array().expect("values").clone();
    assert_eq!(steps.len(), 101, "one value per step, nothing stored twice");
    assert_eq!(values[10], json!(0.5), "the later write of step 10 wins");
    assert_eq!(values[100], json!("NaN"), "a diverged loss is a value");

    let downsampled = server
        .ok(SERIES, json!({ "p": "vit", "n": 1, "m": "loss", "max": 20 }))
        .await;
    let kept = downsampled["series"]["steps"].as_array().expect("steps").len();
    assert!((2..=20).contains(&kept), "{kept} points");

    let table = server
        .ok(
            "{ metricsTable(project: \"vit\", metrics: [\"loss\", \"accuracy\", \"f1\"]) { rows { number cells { value missing } } } }",
            json!({}),
        )
        .await;
    let cells = &table["metricsTable"]["rows"][0]["cells"];
    assert_eq!(
        cells[0]["value"],
        json!("NaN"),
        "loss aggregates as its last value: NaN"
    );
    assert_eq!(cells[1]["value"], json!(0.9));
    assert_eq!(
        cells[2],
        json!({ "value": "NaN", "missing": true }),
        "a missing metric is NaN, never 0"
    );

    let csv = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/metrics.csv",
            server.url, run.id
        ))
        .send()
        .await
        .expect("exported")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("metric,step,value,wall_time\n"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 101 + 1, "header, loss and accuracy");
    assert!(csv.contains("loss,100,NaN,"), "{csv}");
    let parquet = server
        .client
        .get(format!(
            "{}/api/v1/experiments/{}/metrics.parquet",
            server.url, run.id
        ))
        .send()
        .await
        .expect("exported")
        .bytes()
        .await
        .expect("bytes");
    let exported = ingest::metrics::decode_parquet(&parquet).expect("a parquet file");
    assert_eq!(exported.len(), 102);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_compares_by_direction_and_finds_the_pareto_front() {
    let server = support::start().await;
    server.create_project("vit").await;
    for (name, config) in [
        (
            "loss",
            json!({ "name": "loss", "direction": "MINIMIZE", "aggregation": "LAST" }),
        ),
        (
            "accuracy",
            json!({ "name": "accuracy", "direction": "MAXIMIZE", "aggregation": "BEST" }),
        ),
        (
            "error",
            json!({ "name": "error", "direction": "MINIMIZE", "aggregation": "LAST", "expression": "1 - accuracy" }),
        ),
    ] {
        let set = server
            .ok(
                "mutation($c: MetricConfigInput!) { setMetricConfig(project: \"vit\", config: $c) { name } }",
                json!({ "c": config }),
            )
            .await;
        assert_eq!(set["setMetricConfig"]["name"], name);
    }
    // #1 root, #2 and #3 children of #1.
    let runs = [
        run(&server, "vit", "1").await,
        run(&server, "vit", "2_from_1").await,
        run(&server, "vit", "3_from_1").await,
    ];
    for (run, (loss, accuracy)) in runs.iter().zip([(0.5, 0.7), (0.4, 0.6), (0.6, 0.8)]) {
        let chunk = json!({ "chunkId": "final", "points": [
            { "metric": "loss", "step": 1, "value": loss },
            { "metric": "accuracy", "step": 1, "value": accuracy },
        ]});
        assert_eq!(post_json(&server, &server.client, run, &chunk).await.0, 201);
    }
    let table = server
        .ok(
            "{ metricsTable(project: \"vit\", sortBy: \"loss\") { metrics { name direction derived } total rows { number parentNumber cells { value deltaParent improvedParent } } } }",
            json!({}),
        )
        .await;
    let table = &table["metricsTable"];
    assert_eq!(table["total"], 3);
    let names: Vec<&str> = table["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["accuracy", "error", "loss"]);
    let rows = table["rows"].as_array().expect("rows");
    let order: Vec<i64> = rows
        .iter()
        .map(|row| row["number"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(order, [2, 1, 3], "lowest loss first");
    let second = &rows[0];
    assert_eq!(second["parentNumber"], 1);
    // accuracy fell 0.7 -> 0.6 (worse, it is maximised); error = 1 - accuracy rose (worse);
    // loss fell 0.5 -> 0.4 (better, it is minimised).
    assert_eq!(second["cells"][0]["improvedParent"], false);
    assert_eq!(second["cells"][1]["improvedParent"], false);
    assert_eq!(second["cells"][2]["improvedParent"], true);
    let error = second["cells"][1]["value"].as_f64().expect("derived value");
    assert!((error - 0.4).abs() < 1e-12, "{error}");

    let front = server
        .ok(
            "{ paretoFront(project: \"vit\", metrics: [\"loss\", \"accuracy\"]) { number } }",
            json!({}),
        )
        .await;
    let mut numbers: Vec<i64> = front["paretoFront"]
        .as_array()
        .expect("front")
        .iter()
        .map(|p| p["number"].as_i64().unwrap_or_default())
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        [1, 2, 3],
        "each wins on one side: none dominates another"
    );
    let trends = server
        .ok(
            "{ metricTrends(project: \"vit\", metric: \"loss\") { number value } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trends["metricTrends"].as_array().map(Vec::len),
        Some(2),
        "two leaves, two paths"
    );

    // The next read follows a new configuration and new points at once (the table's values
    // are kept between reads only while neither changed).
    server
        .ok(
            "mutation($c: MetricConfigInput!) { setMetricConfig(project: \"vit\", config: $c) { name } }",
            json!({ "c": { "name": "loss", "direction": "MAXIMIZE", "aggregation": "LAST" } }),
        )
        .await;
    let chunk = json!({ "chunkId": "later", "points": [{ "metric": "loss", "step": 2, "value": 0.95 }] });
    assert_eq!(post_json(&server, &server.client, &runs[1], &chunk).await.0, 201);
    let order = |table: &Value| -> Vec<i64> {
        table["metricsTable"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["number"].as_i64().unwrap_or_default())
            .collect()
    };
    let again = server
        .ok(
            "{ metricsTable(project: \"vit\", sortBy: \"loss\") { rows { number } } }",
            json!({}),
        )
        .await;
    // Only the new direction: [3, 1, 2]; only the new point: [1, 3, 2]; both: #2's 0.95 first.
    assert_eq!(order(&again), [2, 3, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_chunks_are_refused_with_the_reason_and_store_nothing() {
    let server = support::start().await;
    server.create_project("vit").await;
    let run = run(&server, "vit", "1").await;
    let cases = [
        (
            json!({ "chunkId": "a", "points": [{ "metric": "loss", "step": -1, "value": 1.0 }] }),
            "points[0].step",
        ),
        (
            json!({ "chunkId": "b", "points": [{ "metric": "lo\nss", "step": 1, "value": 1.0 }] }),
            "points[0].metric",
        ),
        (
            json!({ "chunkId": "c", "points": [{ "metric": "x".repeat(300), "step": 1, "value": 1.0 }] }),
            "points[0].metric",
        ),
        (json!({ "chunkId": "d", "points": [] }), "points"),
        (
            json!({ "points": [{ "metric": "loss", "step": 1, "value": 1.0 }] }),
            "chunkId",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = post_json(&server, &server.client, &run, &body).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["code"], "VALIDATION");
        assert!(
            answer["message"].as_str().unwrap_or_default().contains(field),
            "{field}: {answer}"
        );
    }
    let malformed = server
        .client
        .post(format!("{}/api/v1/experiments/{}/metrics", server.url, run.id))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status(), 422);
    let unknown = post_json(
        &server,
        &server.client,
        &Run {
            id: "00000000-0000-7000-8000-000000000000".into(),
        },
        &json!({ "chunkId": "e", "points": [{ "metric": "loss", "step": 1, "value": 1.0 }] }),
    )
    .await;
    assert_eq!(unknown.0, 404);
    let huge = vec![b' '; 17 * 1024 * 1024];
    // Its own client: the server answers 413 without reading the body and closes that
    // connection, which must not be reused for the next request.
    let too_large = support::client_with_token(&server.admin_token)
        .post(format!("{}/api/v1/experiments/{}/metrics", server.url, run.id))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    assert_eq!(too_large.status(), 413, "over the 16 MiB chunk limit");
    let series = server
        .ok(SERIES, json!({ "p": "vit", "n": 1, "m": "loss", "max": 100 }))
        .await;
    assert_eq!(series["series"]["steps"], json!([]), "nothing was stored");
}
