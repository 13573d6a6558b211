//! The patched graphdblite (vendor/graphdblite/PATCHES.md).
//!
//! It keeps each database's index lists between schema changes instead of reading
//! `sqlite_master` on every write. A write must still maintain every index that exists when it
//! runs: the first tests drive the ways the schema can change under a kept list — another
//! connection's index, this connection's index rolled back and another one created at the same
//! schema cookie — and check through an index seek that the written node is found.
//!
//! Its all-or-nothing write transactions run statements without savepoints of their own: the
//! last tests check that one failed statement then blocks the commit, so a partly applied
//! statement can only be rolled back with everything else.
//!
//! It writes a run of `SET` items on one variable once: the tests after those check that each
//! item still sees the ones before it, that indexes follow the final values, that a clause's
//! items reach every row in order, and that a failing item leaves nothing.
//!
//! It keeps the row shapes (slot schemas) it infers from a cached plan with that plan: a test
//! runs one query text many times, over different nodes and parameters and across a new index
//! (a new plan), and checks every answer.
//!
//! It no longer looks a relationship's endpoint up again when the statement matched or created
//! it and cannot delete nodes: a test checks that a statement that deleted the endpoint is
//! still refused.
//!
//! A `SET` stores the properties with the labels it read in the same statement, without reading
//! the node again: a test adds a label and sets properties in one statement and checks that
//! the node keeps every label, in label scans and in what a returned node carries.
//!
//! A match by index or by label decodes only the properties its query reads from each stored
//! node: the last test reads nodes carrying large unread properties every way a query can
//! name a property (returned, filtered on, absent, the whole node, its labels and its property
//! map) and checks each answer against what was stored.

use std::collections::HashMap;
use std::path::Path;

use graphdblite::{Database, Value};

fn open(path: &Path) -> Database {
    Database::open(path).expect("open the graph file")
}

/// Two connections to one new graph file (the directory holds it while they live).
fn two_connections() -> (tempfile::TempDir, Database, Database) {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("graph.db");
    let (first, second) = (open(&path), open(&path));
    (directory, first, second)
}

/// Creates the index in a transaction of its own.
fn create_index(database: &mut Database, property: &str) {
    let transaction = database.write_tx().expect("begin");
    transaction
        .create_index("Person", property)
        .expect("create the index");
    transaction.commit().expect("commit");
}

fn create_person(database: &mut Database, name: &str, age: i64) {
    let params = HashMap::from([
        ("name".to_owned(), Value::String(name.to_owned())),
        ("age".to_owned(), Value::I64(age)),
    ]);
    let transaction = database.write_tx().expect("begin");
    transaction
        .query_with_params("CREATE (:Person {name: $name, age: $age})", Some(&params))
        .expect("create a person");
    transaction.commit().expect("commit");
}

/// The names the `Person(name)` index finds for `name`, after checking that the query is
/// answered by that index (so a node the index misses is not found by a scan instead).
fn found_by_name_index(database: &mut Database, name: &str) -> Vec<String> {
    let query = format!("MATCH (p:Person {{name: '{name}'}}) RETURN p.name AS name");
    let transaction = database.read_tx().expect("begin");
    let explained = transaction.query(&format!("EXPLAIN {query}")).expect("explain");
    let plan = match explained.first().and_then(|record| record.get("plan")) {
        Some(Value::String(plan)) => plan.clone(),
        other => panic!("a plan, not {other:?}"),
    };
    assert!(
        plan.contains("IndexLookup :Person.(name"),
        "the query must use the index: {plan}"
    );
    transaction
        .query(&query)
        .expect("query")
        .iter()
        .map(|record| match record.get("name") {
            Some(Value::String(found)) => found.clone(),
            other => panic!("a name, not {other:?}"),
        })
        .collect()
}

#[test]
fn a_write_maintains_an_index_another_connection_created_after_this_one_wrote() {
    let (_directory, mut writer, mut other) = two_connections();

    create_person(&mut writer, "before", 1);
    create_index(&mut other, "name");
    create_person(&mut writer, "after", 2);

    assert_eq!(found_by_name_index(&mut writer, "before"), ["before"]);
    assert_eq!(found_by_name_index(&mut writer, "after"), ["after"]);
    assert_eq!(found_by_name_index(&mut other, "after"), ["after"]);
}

#[test]
fn a_rolled_back_index_leaves_nothing_behind_when_another_connection_creates_one_at_the_same_cookie() {
    let (_directory, mut writer, mut other) = two_connections();
    create_person(&mut writer, "first", 1);

    // This connection creates an index on `age`, writes under it (its lists now hold the
    // `age` index at the next schema cookie), and rolls it all back.
    {
        let transaction = writer.write_tx().expect("begin");
        transaction
            .create_index("Person", "age")
            .expect("create the index");
        transaction
            .query("CREATE (:Person {name: 'rolled back', age: 3})")
            .expect("create a person");
    }
    // Another connection's index takes the same cookie with a different schema.
    create_index(&mut other, "name");

    create_person(&mut writer, "second", 2);
    assert_eq!(found_by_name_index(&mut writer, "second"), ["second"]);
    assert!(found_by_name_index(&mut writer, "rolled back").is_empty());
}

#[test]
fn a_write_after_a_failed_index_creation_maintains_the_indexes_that_exist() {
    let (_directory, mut database, _other) = two_connections();
    create_index(&mut database, "name");

    let transaction = database.write_tx().expect("begin");
    let refused = transaction.query("CREATE INDEX FOR (p:Person) ON (p.name)");
    let refused_again = transaction.create_index("Person", "name");
    assert!(
        refused.is_err() || refused_again.is_err(),
        "the index exists already"
    );
    transaction
        .query("CREATE (:Person {name: 'kept', age: 4})")
        .expect("create a person");
    transaction.commit().expect("commit");

    assert_eq!(found_by_name_index(&mut database, "kept"), ["kept"]);
}

/// People named `name`, read in a transaction of their own.
fn count_named(database: &mut Database, name: &str) -> usize {
    let params = HashMap::from([("name".to_owned(), Value::String(name.to_owned()))]);
    let transaction = database.read_tx().expect("begin");
    transaction
        .query_with_params(
            "MATCH (p:Person {name: $name}) RETURN p.name AS name",
            Some(&params),
        )
        .expect("query")
        .len()
}

/// Creates two people, then fails on the third row: a statement that fails part-way.
const FAILS_ON_THE_THIRD_ROW: &str = "UNWIND [1, 2, 0] AS d CREATE (:Person {name: 'partial', age: 10 / d})";

/// In the open transaction: creates `first`, then runs [`FAILS_ON_THE_THIRD_ROW`].
fn create_first_then_fail(database: &mut Database) {
    database
        .execute("CREATE (:Person {name: 'first', age: 1})")
        .expect("create a person");
    database
        .execute(FAILS_ON_THE_THIRD_ROW)
        .expect_err("division by zero on the third row");
}

#[test]
fn an_all_or_nothing_transaction_after_a_failed_statement_refuses_to_commit_and_rolls_back_whole() {
    let (_directory, mut database, _other) = two_connections();

    database.begin_write_all_or_nothing().expect("begin");
    create_first_then_fail(&mut database);
    // No savepoint undid the failed statement's first two rows: they wait for the rollback.
    let partial = database
        .execute("MATCH (p:Person {name: 'partial'}) RETURN p.age AS age")
        .expect("read inside the transaction");
    assert_eq!(partial.len(), 2);
    let refused = database.commit().expect_err("commit after a failed statement");
    assert!(
        refused.to_string().contains("can only be rolled back"),
        "{refused}"
    );
    database.rollback().expect("rollback");
    assert_eq!(count_named(&mut database, "first"), 0);
    assert_eq!(count_named(&mut database, "partial"), 0);

    // A plain write transaction keeps statement-level atomicity: the failed statement is
    // undone alone, and the rest commits.
    database.begin_write().expect("begin");
    create_first_then_fail(&mut database);
    database.commit().expect("commit");
    assert_eq!(count_named(&mut database, "first"), 1);
    assert_eq!(count_named(&mut database, "partial"), 0);
}

#[test]
fn an_all_or_nothing_transaction_commits_every_statement_together() {
    let (_directory, mut database, mut other) = two_connections();

    database.begin_write_all_or_nothing().expect("begin");
    database
        .execute("CREATE (:Person {name: 'first', age: 1})")
        .expect("create a person");
    database
        .execute("UNWIND [1, 2] AS i CREATE (:Person {name: 'second', age: i})")
        .expect("create two people");
    assert_eq!(
        count_named(&mut other, "first"),
        0,
        "nothing is seen before the commit"
    );
    database.commit().expect("commit");

    assert_eq!(count_named(&mut other, "first"), 1);
    assert_eq!(count_named(&mut other, "second"), 2);
}

/// The single row `query` returns, its columns by name.
fn only_row(database: &mut Database, query: &str) -> HashMap<String, Value> {
    let transaction = database.read_tx().expect("begin");
    let records = transaction.query(query).expect("query");
    assert_eq!(records.len(), 1, "{query}");
    let record = &records[0];
    record
        .keys()
        .map(|key| (key.clone(), record.get(key).cloned().unwrap_or(Value::Null)))
        .collect()
}

#[test]
fn a_run_of_set_items_sees_each_earlier_item_and_indexes_follow_the_last_value() {
    let (_directory, mut database, mut other) = two_connections();
    create_index(&mut database, "name");
    create_person(&mut database, "ada", 36);

    database
        .execute(
            "MATCH (p:Person {name: 'ada'}) \
             SET p.age = p.age + 1, p.next = p.age + 1, p.name = 'grace', p.first = p.name, \
                 p.gone = 1, p.gone = null",
        )
        .expect("set a run of items");

    let row = only_row(
        &mut other,
        "MATCH (p:Person) RETURN p.age AS age, p.next AS next, p.first AS first, p.gone AS gone",
    );
    assert_eq!(row["age"], Value::I64(37));
    assert_eq!(row["next"], Value::I64(38), "the second item saw the first");
    assert_eq!(
        row["first"],
        Value::String("grace".into()),
        "and the renamed node"
    );
    assert_eq!(row["gone"], Value::Null, "a later null removes an earlier value");
    assert_eq!(found_by_name_index(&mut other, "grace"), vec!["grace".to_owned()]);
    assert!(
        found_by_name_index(&mut other, "ada").is_empty(),
        "the old entry is gone"
    );
}

#[test]
fn a_run_of_set_items_on_relationships_and_rows_applies_every_item_to_each_row_in_order() {
    let (_directory, mut database, mut other) = two_connections();
    database
        .execute("CREATE (:Person {name: 'a'})-[:KNOWS {since: 1}]->(:Person {name: 'b'})")
        .expect("create");

    database
        .execute("MATCH (:Person)-[r:KNOWS]->(:Person) SET r.since = r.since + 1, r.until = r.since * 10")
        .expect("set a run on a relationship");
    let row = only_row(
        &mut other,
        "MATCH ()-[r:KNOWS]->() RETURN r.since AS since, r.until AS until",
    );
    assert_eq!(
        (row["since"].clone(), row["until"].clone()),
        (Value::I64(2), Value::I64(20))
    );

    // Two rows on one node: each row takes both items before the next row starts.
    database
        .execute(
            "MATCH (p:Person {name: 'a'}) SET p.total = 0 \
             WITH p UNWIND [1, 2] AS i \
             SET p.total = p.total + i, p.trace = coalesce(p.trace, '') + toString(p.total)",
        )
        .expect("set per row");
    let row = only_row(
        &mut other,
        "MATCH (p:Person {name: 'a'}) RETURN p.total AS total, p.trace AS trace",
    );
    assert_eq!(row["total"], Value::I64(3));
    assert_eq!(
        row["trace"],
        Value::String("13".into()),
        "row by row, item by item"
    );
}

#[test]
fn a_failing_item_in_a_run_of_set_items_leaves_the_entity_as_it_was() {
    let (_directory, mut database, mut other) = two_connections();
    create_person(&mut database, "ada", 36);

    let failed = database.execute("MATCH (p:Person) SET p.age = 40, p.bad = {nested: 1}");
    assert!(failed.is_err(), "a map is not a property value: {failed:?}");

    let row = only_row(&mut other, "MATCH (p:Person) RETURN p.age AS age, p.bad AS bad");
    assert_eq!(
        (row["age"].clone(), row["bad"].clone()),
        (Value::I64(36), Value::Null)
    );
}

/// `query` with `$name` bound, its rows as (age, friend) pairs sorted.
fn ages_and_friends(database: &mut Database, query: &str, name: &str) -> Vec<(Value, Value)> {
    let params = HashMap::from([("name".to_owned(), Value::String(name.to_owned()))]);
    let transaction = database.read_tx().expect("begin");
    let records = transaction
        .query_with_params(query, Some(&params))
        .expect("query");
    let mut rows: Vec<(Value, Value)> = records
        .iter()
        .map(|record| {
            let column = |name: &str| record.get(name).cloned().unwrap_or(Value::Null);
            (column("age"), column("friend"))
        })
        .collect();
    rows.sort_by_key(|row| format!("{row:?}"));
    rows
}

#[test]
fn a_cached_plan_answers_every_execution_and_a_new_index_gets_a_plan_of_its_own() {
    let (_directory, mut database, mut other) = two_connections();
    create_person(&mut database, "ada", 36);
    create_person(&mut database, "bob", 41);
    database
        .execute(
            "MATCH (a:Person {name: 'ada'}), (b:Person {name: 'bob'}) \
             CREATE (a)-[:KNOWS]->(b), (a)-[:KNOWS]->(:Person {name: 'cy'})",
        )
        .expect("link them");
    let query = "MATCH (p:Person {name: $name}) OPTIONAL MATCH (p)-[:KNOWS]->(f:Person) \
                 RETURN p.age AS age, f.name AS friend";
    let ada = vec![
        (Value::I64(36), Value::String("bob".into())),
        (Value::I64(36), Value::String("cy".into())),
    ];
    let bob = vec![(Value::I64(41), Value::Null)];
    let cy = vec![(Value::Null, Value::Null)];
    for round in 0..3 {
        assert_eq!(ages_and_friends(&mut other, query, "ada"), ada, "round {round}");
        assert_eq!(ages_and_friends(&mut other, query, "bob"), bob, "round {round}");
        assert_eq!(ages_and_friends(&mut other, query, "cy"), cy, "round {round}");
        assert!(
            ages_and_friends(&mut other, query, "dee").is_empty(),
            "round {round}"
        );
    }

    create_index(&mut database, "name");
    assert_eq!(
        ages_and_friends(&mut other, query, "ada"),
        ada,
        "through the index"
    );
    assert_eq!(ages_and_friends(&mut other, query, "cy"), cy, "through the index");
    assert_eq!(found_by_name_index(&mut other, "bob"), vec!["bob".to_owned()]);
}

#[test]
fn a_relationship_to_a_node_its_own_statement_deleted_is_refused_and_nothing_changes() {
    let (_directory, mut database, mut other) = two_connections();
    create_person(&mut database, "ada", 36);
    create_person(&mut database, "bob", 41);

    let refused = database.execute(
        "MATCH (a:Person {name: 'ada'}), (b:Person {name: 'bob'}) \
         DETACH DELETE b CREATE (a)-[:KNOWS]->(b)",
    );
    assert!(refused.is_err(), "an edge to a deleted node: {refused:?}");

    let row = only_row(
        &mut other,
        "MATCH (p:Person) OPTIONAL MATCH (p)-[k:KNOWS]->() RETURN count(DISTINCT p) AS people, count(k) AS edges",
    );
    assert_eq!(
        (row["people"].clone(), row["edges"].clone()),
        (Value::I64(2), Value::I64(0))
    );

    database
        .execute(
            "MATCH (a:Person {name: 'ada'}), (b:Person {name: 'bob'}) \
             CREATE (a)-[:KNOWS]->(b)-[:KNOWS]->(:Person {name: 'cy'})",
        )
        .expect("matched and created endpoints");
    let row = only_row(&mut other, "MATCH ()-[k:KNOWS]->() RETURN count(k) AS edges");
    assert_eq!(row["edges"], Value::I64(2));
}

#[test]
fn a_set_after_a_new_label_keeps_every_label_and_returned_nodes_carry_them() {
    let (_directory, mut database, mut other) = two_connections();
    database
        .execute("CREATE (:Person:Admin {name: 'ada', age: 36})")
        .expect("create a node with two labels");

    database
        .execute("MATCH (p:Person {name: 'ada'}) SET p:Founder SET p.age = 37, p.role = 'lead'")
        .expect("a label, then properties, in one statement");

    for label in ["Person", "Admin", "Founder"] {
        let row = only_row(
            &mut other,
            &format!("MATCH (p:{label}) RETURN p.age AS age, p.role AS role, p AS node"),
        );
        assert_eq!(row["age"], Value::I64(37), "found by the label {label}");
        assert_eq!(row["role"], Value::String("lead".into()));
        let Value::Node(node) = &row["node"] else {
            panic!("p is returned as a node, got {:?}", row["node"]);
        };
        let mut labels = node.labels.clone();
        labels.sort();
        assert_eq!(labels, ["Admin", "Founder", "Person"]);
        assert_eq!(node.properties.get("name"), Some(&Value::String("ada".into())));
    }
}

#[test]
fn a_match_reading_some_properties_answers_as_if_it_decoded_every_property() {
    let (_directory, mut database, mut other) = two_connections();
    create_index(&mut database, "team");
    for (name, team, age) in [("ada", "core", 36), ("bob", "core", 41), ("cy", "web", 29)] {
        let params = HashMap::from([
            ("name".to_owned(), Value::String(name.to_owned())),
            ("team".to_owned(), Value::String(team.to_owned())),
            ("age".to_owned(), Value::I64(age)),
            ("notes".to_owned(), Value::String(format!("{name} ").repeat(400))),
            (
                "scores".to_owned(),
                Value::List(vec![Value::F64(0.5), Value::Null, Value::String("x".into())]),
            ),
        ]);
        database
            .execute_with_params(
                "CREATE (:Person:Staff {name: $name, team: $team, age: $age, notes: $notes, \
                 scores: $scores})",
                Some(&params),
            )
            .expect("create a person");
    }
    let rows = |database: &mut Database, query: &str| -> Vec<HashMap<String, Value>> {
        let mut rows: Vec<_> = database
            .execute(query)
            .expect("the query runs")
            .iter()
            .map(|record| {
                record
                    .iter()
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect::<HashMap<_, _>>()
            })
            .collect();
        rows.sort_by_key(|row| format!("{:?}", row.get("name")));
        rows
    };

    for pattern in ["(p:Person {team: 'core'})", "(p:Staff)"] {
        let by_index = pattern.contains("team");
        let found = rows(
            &mut other,
            &format!(
                "MATCH {pattern} WHERE p.age > 30 RETURN p.name AS name, p.scores AS scores, \
                 p.missing AS missing, labels(p) AS labels"
            ),
        );
        let names: Vec<_> = found.iter().map(|row| row["name"].clone()).collect();
        assert_eq!(
            names,
            [Value::String("ada".into()), Value::String("bob".into())],
            "{pattern}: filtered on an unreturned property"
        );
        for row in &found {
            assert_eq!(
                row["scores"],
                Value::List(vec![Value::F64(0.5), Value::Null, Value::String("x".into())])
            );
            assert_eq!(
                row["missing"],
                Value::Null,
                "{pattern}: an absent property is null"
            );
            let Value::List(labels) = &row["labels"] else {
                panic!("labels(p) is a list, got {:?}", row["labels"]);
            };
            assert_eq!(labels.len(), 2, "{pattern}: both labels");
        }

        let whole = rows(
            &mut other,
            &format!("MATCH {pattern} RETURN p AS node, properties(p) AS map, p.name AS name"),
        );
        assert_eq!(whole.len(), if by_index { 2 } else { 3 }, "{pattern}");
        for row in &whole {
            let Value::Node(node) = &row["node"] else {
                panic!("p is returned as a node, got {:?}", row["node"]);
            };
            assert_eq!(node.properties.len(), 5, "{pattern}: the whole node");
            let name = match &row["name"] {
                Value::String(name) => name.clone(),
                other => panic!("a name, got {other:?}"),
            };
            assert_eq!(
                node.properties.get("notes"),
                Some(&Value::String(format!("{name} ").repeat(400)))
            );
            let Value::Map(map) = &row["map"] else {
                panic!("properties(p) is a map, got {:?}", row["map"]);
            };
            assert_eq!(map.len(), 5, "{pattern}: every property in the map");
            assert_eq!(map.get("age"), node.properties.get("age"));
        }
    }
}
