//! The patched graphdblite (vendor/graphdblite/PATCHES.md) keeps each database's index lists
//! between schema changes instead of reading `sqlite_master` on every write. A write must
//! still maintain every index that exists when it runs: these drive the ways the schema can
//! change under a kept list — another connection's index, this connection's index rolled back
//! and another one created at the same schema cookie — and check through an index seek that
//! the written node is found.

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
