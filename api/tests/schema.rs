//! The committed `schema.graphql` is the API contract: it must equal what the code serves.

#[test]
fn committed_schema_matches_the_code() {
    let committed = include_str!("../../schema.graphql");
    let served = api::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql` and review the diff"
    );
}
