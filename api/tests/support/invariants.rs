//! The graph invariants a crash must never break, checked through the API a user has:
//! - the lineage is acyclic;
//! - every experiment's cached full features equal a recomputation from the root's down its
//!   primary chain of diffs;
//! - every metric's stored points read back (so every chunk in a manifest has its blob), once
//!   per (metric, step), and the summary (`measured`) matches them;
//! - every file in an experiment's tree downloads, with the size and hash recorded for it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Endpoint;

/// What a check went through (for the test's report).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub experiments: usize,
    pub points: usize,
    pub files: usize,
}

async fn query(server: &impl Endpoint, text: &str, variables: Value) -> Value {
    let body: Value = server
        .http()
        .post(format!("{}/graphql", server.base_url()))
        .json(&json!({ "query": text, "variables": variables }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("a JSON answer");
    assert!(body.get("errors").is_none(), "{text}: {body}");
    body["data"].clone()
}

async fn get(server: &impl Endpoint, path: &str) -> bytes::Bytes {
    let response = server
        .http()
        .get(format!("{}{path}", server.base_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "GET {path}");
    response.bytes().await.expect("a body")
}

/// Checks every invariant over `project`; panics naming the first one broken.
pub async fn check(server: &impl Endpoint, project: &str) -> Checked {
    let data = query(
        server,
        "query($project: String!) {
            dag(project: $project) { nodes { number } edges { from to } }
            experiments(project: $project, first: 1000) { nodes {
                id number featuresDiff featuresFull parent { number }
                measured { metric last lastStep min max count }
            } }
        }",
        json!({ "project": project }),
    )
    .await;
    check_acyclic(&data["dag"]);
    let experiments = data["experiments"]["nodes"].as_array().expect("experiments");
    check_features(experiments);
    let mut checked = Checked {
        experiments: experiments.len(),
        ..Checked::default()
    };
    for experiment in experiments {
        checked.points += check_points(server, experiment).await;
        checked.files += check_files(server, project, experiment).await;
    }
    checked
}

fn check_acyclic(dag: &Value) {
    let nodes: Vec<i64> = dag["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["number"].as_i64().expect("a number"))
        .collect();
    let mut incoming: HashMap<i64, usize> = nodes.iter().map(|number| (*number, 0)).collect();
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for edge in dag["edges"].as_array().expect("edges") {
        let (from, to) = (
            edge["from"].as_i64().expect("from"),
            edge["to"].as_i64().expect("to"),
        );
        *incoming.get_mut(&to).expect("an edge to a node of the DAG") += 1;
        children.entry(from).or_default().push(to);
    }
    let mut ready: Vec<i64> = incoming
        .iter()
        .filter(|(_, count)| **count == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut visited = 0;
    while let Some(number) = ready.pop() {
        visited += 1;
        for child in children.get(&number).into_iter().flatten() {
            let count = incoming.get_mut(child).expect("a node");
            *count -= 1;
            if *count == 0 {
                ready.push(*child);
            }
        }
    }
    assert_eq!(visited, nodes.len(), "the lineage has a cycle: {dag}");
}

fn check_features(experiments: &[Value]) {
    let by_number: HashMap<i64, &Value> = experiments
        .iter()
        .map(|experiment| (experiment["number"].as_i64().expect("a number"), experiment))
        .collect();
    let mut recomputed: HashMap<i64, Value> = HashMap::new();
    fn full(number: i64, by_number: &HashMap<i64, &Value>, recomputed: &mut HashMap<i64, Value>) -> Value {
        if let Some(known) = recomputed.get(&number) {
            return known.clone();
        }
        let experiment = by_number[&number];
        let mut features = match experiment["parent"]["number"].as_i64() {
            Some(parent) => full(parent, by_number, recomputed),
            None => json!({}),
        };
        let patch: json_patch::Patch =
            serde_json::from_value(experiment["featuresDiff"].clone()).expect("an RFC 6902 patch");
        json_patch::patch(&mut features, &patch).expect("the diff applies to the parent's features");
        recomputed.insert(number, features.clone());
        features
    }
    for (number, experiment) in &by_number {
        let expected = full(*number, &by_number, &mut recomputed);
        assert_eq!(
            experiment["featuresFull"], expected,
            "experiment {number}: cached full features differ from the recomputation"
        );
    }
}

/// Reads every point of the experiment (every chunk's blob) and compares the summaries.
async fn check_points(server: &impl Endpoint, experiment: &Value) -> usize {
    let id = experiment["id"].as_str().expect("an id");
    let csv = get(server, &format!("/api/v1/experiments/{id}/metrics.csv")).await;
    let text = std::str::from_utf8(&csv).expect("UTF-8");
    let mut points: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (metric, step) = (fields[0].to_owned(), fields[1].parse::<u64>().expect("a step"));
        assert!(
            seen.insert((metric.clone(), step)),
            "{id}: {metric} step {step} twice"
        );
        let value = fields[2].parse::<f64>().expect("a value");
        points.entry(metric).or_default().push((step, value));
    }
    let measured = experiment["measured"].as_array().expect("measured");
    assert_eq!(
        measured.len(),
        points.len(),
        "{id}: a summary for every metric with points: {measured:?}"
    );
    let mut total = 0;
    for summary in measured {
        let metric = summary["metric"].as_str().expect("a metric");
        let series = points
            .get(metric)
            .unwrap_or_else(|| panic!("{id}: {metric} has no points"));
        total += series.len();
        let last = series.iter().max_by_key(|(step, _)| *step).expect("a point");
        let values = series.iter().map(|(_, value)| *value);
        let min = values.clone().fold(f64::INFINITY, f64::min);
        let max = values.fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(summary["count"], series.len(), "{id}: {metric} count");
        assert_eq!(summary["lastStep"], last.0, "{id}: {metric} last step");
        assert_eq!(summary["last"].as_f64(), Some(last.1), "{id}: {metric} last");
        assert_eq!(summary["min"].as_f64(), Some(min), "{id}: {metric} min");
        assert_eq!(summary["max"].as_f64(), Some(max), "{id}: {metric} max");
    }
    total
}

/// Downloads every file of the experiment's tree and compares it with its record.
async fn check_files(server: &impl Endpoint, project: &str, experiment: &Value) -> usize {
    let number = experiment["number"].as_i64().expect("a number");
    let tree = query(
        server,
        "query($project: String!, $number: Int!) {
            files(project: $project, number: $number) { entries { path current { hash size deleted } } }
        }",
        json!({ "project": project, "number": number }),
    )
    .await;
    let id = experiment["id"].as_str().expect("an id");
    let mut count = 0;
    for entry in tree["files"]["entries"].as_array().expect("entries") {
        let current = &entry["current"];
        if current.is_null() || current["deleted"] == true {
            continue;
        }
        let path = entry["path"].as_str().expect("a path");
        let content = get(server, &format!("/api/v1/experiments/{id}/tree/{path}")).await;
        assert_eq!(current["size"], content.len(), "{id}: {path} size");
        assert_eq!(
            current["hash"].as_str(),
            Some(hex::encode(Sha256::digest(&content)).as_str()),
            "{id}: {path} hash"
        );
        count += 1;
    }
    count
}
