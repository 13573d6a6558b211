//! The patched engine's `SET` runs (vendor/graphdblite/PATCHES.md, "SET runs"): the statements
//! rsdk runs on every chunk and every creation, written as one `SET` clause (one run: the
//! entity is read and written once) against the same items as one clause each (upstream's
//! cost: read and written once per item), alternated in one process so that the machine's
//! drift hits both alike. Each figure is one statement and its commit (`synchronous = OFF`, so
//! the disk's flush is not in it), on an experiment node the size of a real one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use graphdblite::{Config, Database, SyncMode, Value};

const ROUNDS: usize = 3_000;
const EXPERIMENTS: usize = 200;

struct Case {
    what: &'static str,
    one_clause: &'static str,
    clause_per_item: &'static str,
}

const CASES: [Case; 3] = [
    Case {
        what: "experiment summaries (`metric/set_experiment_summaries`, 4 items on a node)",
        one_clause: "MATCH (e:Experiment {id: $id}) \
                     SET e.measured = $text, e.recent = $text, e.live_chunks = $n, e.chunk_sequence = $n",
        clause_per_item: "MATCH (e:Experiment {id: $id}) \
                          SET e.measured = $text SET e.recent = $text SET e.live_chunks = $n SET e.chunk_sequence = $n",
    },
    Case {
        what: "a creation's counters (`experiment/create`'s SET, 2 items on a node)",
        one_clause: "MATCH (e:Experiment {id: $id}) \
                     SET e.next_number = $n, e.dag_version = coalesce(e.dag_version, 0) + 1",
        clause_per_item: "MATCH (e:Experiment {id: $id}) \
                          SET e.next_number = $n SET e.dag_version = coalesce(e.dag_version, 0) + 1",
    },
    Case {
        what: "a metric's summary (`metric/measured_update`, 8 items on a relationship)",
        one_clause: "MATCH (e:Experiment {id: 'e0'})-[r:MEASURED]->(:Metric) WHERE r.metric = 'loss' \
                     SET r.last = $text, r.last_step = $n, r.min = $text, r.max = $text, r.mean = $text, \
                         r.count = $n, r.finite_count = $n, r.recent = [$text]",
        clause_per_item: "MATCH (e:Experiment {id: 'e0'})-[r:MEASURED]->(:Metric) WHERE r.metric = 'loss' \
                          SET r.last = $text SET r.last_step = $n SET r.min = $text SET r.max = $text \
                          SET r.mean = $text SET r.count = $n SET r.finite_count = $n SET r.recent = [$text]",
    },
];

fn main() {
    let directory = tempfile::tempdir().expect("a temp dir for the graph file");
    let config = Config {
        synchronous: SyncMode::Off,
        ..Config::default()
    };
    let mut database =
        Database::open_with_config(directory.path().join("graph.db"), config).expect("the graph opens");
    database.begin_write().expect("begin");
    for property in ["id", "key", "project_id"] {
        database.create_index("Experiment", property).expect("index");
    }
    database.commit().expect("commit");
    // Full features and the runs table's summaries of 20 metrics: the node a chunk rewrites.
    let features = format!(
        "{{\"optimizer\": {{\"lr\": 0.0003, \"notes\": \"{}\"}}}}",
        "x".repeat(1_200)
    );
    let measured = format!(
        "{{{}}}",
        (0..20)
            .map(|metric| format!("\"metric_{metric}\": [0.5, 1000, 0.1, 0.9, 0.5, 1000, 1000]"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut params = HashMap::from([
        ("features".to_owned(), Value::String(features)),
        ("measured".to_owned(), Value::String(measured)),
    ]);
    for experiment in 0..EXPERIMENTS {
        params.insert("id".into(), Value::String(format!("e{experiment}")));
        database
            .execute_with_params(
                "CREATE (:Experiment {id: $id, key: $id, project_id: 'p', name: $id, status: 'running', \
                 progress: 0, notes: '', tags: ['sweep'], features_full: $features, \
                 features_diff: $features, measured: $measured})",
                Some(&params),
            )
            .expect("an experiment is created");
    }
    database
        .execute(
            "MATCH (e:Experiment {id: 'e0'}) CREATE (e)-[:MEASURED {metric: 'loss', last: '1', \
             last_step: 1, min: '0', max: '2', mean: '1', count: 1, finite_count: 1, recent: ['1']}]->(:Metric {name: 'loss'})",
        )
        .expect("a summary edge is created");

    let mut one_clause = vec![Duration::ZERO; CASES.len()];
    let mut clause_per_item = vec![Duration::ZERO; CASES.len()];
    for round in 0..ROUNDS {
        params.insert("id".into(), Value::String(format!("e{}", round % EXPERIMENTS)));
        params.insert("text".into(), Value::String(format!("[{round}, 0.25, 0.5]")));
        params.insert("n".into(), Value::I64(round as i64));
        for (index, case) in CASES.iter().enumerate() {
            one_clause[index] += timed(&mut database, case.one_clause, &params);
            clause_per_item[index] += timed(&mut database, case.clause_per_item, &params);
        }
    }
    println!("SET runs, {ROUNDS} rounds, mean per statement and commit:");
    for (index, case) in CASES.iter().enumerate() {
        let (run, items) = (mean(one_clause[index]), mean(clause_per_item[index]));
        println!(
            "  {}: one clause {run:.1} µs, a clause per item {items:.1} µs ({:.0} % less)",
            case.what,
            100.0 * (1.0 - run / items)
        );
    }
}

fn timed(database: &mut Database, query: &str, params: &HashMap<String, Value>) -> Duration {
    let started = Instant::now();
    database.begin_write().expect("begin");
    database
        .execute_with_params(query, Some(params))
        .expect("the SET runs");
    database.commit().expect("commit");
    started.elapsed()
}

fn mean(total: Duration) -> f64 {
    total.as_secs_f64() / ROUNDS as f64 * 1e6
}
