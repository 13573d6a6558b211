//! The GraphQL schema: query and mutation roots over the domain service, with limits.

mod mutation;
mod query;
mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::services::Services;

pub use mutation::MutationRoot;
pub use query::QueryRoot;

/// The schema type the server runs.
pub type RsdkSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest selection accepted; a deeper query is refused before any resolver runs.
pub const MAX_DEPTH: usize = 16;
/// Largest complexity (roughly, fields selected) accepted.
pub const MAX_COMPLEXITY: usize = 5_000;

/// Builds the schema with the services as resolver data (or none, for printing the SDL).
pub fn build_schema(services: Option<&Services>) -> RsdkSchema {
    let builder = Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64);
    match services {
        Some(services) => builder
            .data(services.graph.clone())
            .data(services.announcer.clone())
            .data(services.jobs.clone())
            .finish(),
        None => builder.finish(),
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
