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
