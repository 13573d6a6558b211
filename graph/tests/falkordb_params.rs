//! FalkorDB takes parameters as Cypher literals in the query text. These properties check
//! that any string and any number a user can send travels exactly and can never change
//! what a statement does: each probe writes one node and reads it back.

mod support;

use std::sync::Arc;

use graph::engine::{FalkorEngine, FalkorUrl};
use graph::executor::Executor;
use graph::queries::Query;
use graph::value::{Params, Value};
use proptest::prelude::*;
use support::{falkordb_server, unique_graph_name};

static WRITE: Query = Query {
    name: "test/write_probe",
    text: "CREATE (:Probe {id: $id, text: $text, number: $number, real: $real, list: $list})",
    writes: true,
};

static READ: Query = Query {
    name: "test/read_probe",
    text: "MATCH (p:Probe {id: $id}) \
           RETURN p.text AS text, p.number AS number, p.list AS list, \
                  p.real = $real AS same_real, p.text = $text AS same_text",
    writes: false,
};

static COUNT: Query = Query {
    name: "test/count_nodes",
    text: "MATCH (n) RETURN count(n) AS nodes",
    writes: false,
};

/// Text built from the pieces most likely to end a literal early or smuggle in Cypher,
/// mixed with arbitrary unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("\\\"".to_owned()),
        Just("\\u0041".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n\t".to_owned()),
        Just("`".to_owned()),
        Just("//".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("$text".to_owned()),
        Just("}) MATCH (n) DETACH DELETE n //".to_owned()),
        Just("\" RETURN 1 AS x //".to_owned()),
        Just(" CYPHER id=\"x\" ".to_owned()),
        Just("名前 ✓ 🚀".to_owned()),
        "[^\u{0}]{0,12}",
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn engine() -> Arc<FalkorEngine> {
    let url = FalkorUrl::parse(&format!(
        "127.0.0.1:{}/{}",
        falkordb_server().port(),
        unique_graph_name()
    ))
    .expect("valid url");
    Arc::new(FalkorEngine::connect(url).await.expect("falkordb answers"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_text_and_number_round_trip_exactly_and_change_nothing_else(
        text in hostile_text(),
        number in any::<i64>(),
        real in any::<f64>().prop_filter("finite", |r| r.is_finite()),
        item in hostile_text(),
    ) {
        runtime().block_on(async {
            let engine = engine().await;
            let params = Params::new()
                .with("id", "probe")
                .with("text", text.as_str())
                .with("number", number)
                .with("real", real)
                .with("list", vec![Value::from(item.as_str()), Value::Int(number)]);
            engine.execute(&WRITE, params.clone()).await.expect("write runs");

            let rows = engine
                .execute(&READ, Params::new().with("id", "probe").with("real", real).with("text", text.as_str()))
                .await
                .expect("read runs");
            assert_eq!(rows.len(), 1, "exactly the one node, found by its id");
            let row = &rows[0];
            assert_eq!(row.string("text").expect("text"), text);
            assert_eq!(row.int("number").expect("number"), number);
            assert_eq!(row.0["list"], Value::List(vec![Value::from(item.as_str()), Value::Int(number)]));
            assert_eq!(row.0["same_text"], Value::Bool(true));
            // FalkorDB prints doubles with 15 significant digits; comparing inside the
            // engine proves the stored double is the exact one that was sent.
            assert_eq!(row.0["same_real"], Value::Bool(true), "{real:?} stored exactly");

            let nodes = engine.execute(&COUNT, Params::new()).await.expect("count runs");
            assert_eq!(nodes[0].int("nodes").expect("count"), 1, "the values created or deleted nothing");
        });
    }
}

#[test]
fn values_falkordb_cannot_hold_are_refused_naming_the_parameter() {
    runtime().block_on(async {
        let engine = engine().await;
        let base = Params::new()
            .with("id", "probe")
            .with("number", 1_i64)
            .with("real", 1.5)
            .with("list", Vec::<Value>::new());
        let with_nul = base.clone().with("text", "a\0b");
        let error = engine.execute(&WRITE, with_nul).await.expect_err("nul refused");
        assert_eq!(error.code(), "VALIDATION");
        assert!(error.to_string().starts_with("text:"), "{error}");
        let with_nan = base.with("text", "ok").with("real", f64::NAN);
        let error = engine.execute(&WRITE, with_nan).await.expect_err("nan refused");
        assert!(error.to_string().starts_with("real:"), "{error}");
        let nodes = engine.execute(&COUNT, Params::new()).await.expect("count runs");
        assert_eq!(nodes[0].int("nodes").expect("count"), 0, "nothing was written");
    });
}
