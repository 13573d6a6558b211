//! The GraphQL schema: query and mutation roots over the domain service, with limits.

mod auth;
mod code;
mod environment;
mod evidence;
mod files;
mod hypotheses;
pub(crate) mod limits;
mod metrics;
mod mutation;
mod query;
pub(crate) mod search;
mod subscription;
mod types;
pub(crate) mod websocket;

use async_graphql::{Context, MergedObject, Schema};

use crate::auth::{AuditTrail, Principal};
use crate::services::Services;
use crate::telemetry::CountOperations;

use self::search::{SearchMutation, SearchQuery};
pub use auth::RefreshLifetime;
use auth::{AuthMutation, AuthQuery};
use code::CodeQuery;
use environment::{EnvironmentMutation, EnvironmentQuery};
use evidence::EvidenceMutation;
use files::{FileMutation, FileQuery};
use hypotheses::{HypothesisMutation, HypothesisQuery};
use metrics::{MetricMutation, MetricQuery};
use mutation::ExperimentMutation;
use query::ExperimentQuery;
pub use subscription::SubscriptionRoot;

/// The root of read operations.
#[derive(MergedObject, Debug, Default)]
pub struct QueryRoot(
    ExperimentQuery,
    HypothesisQuery,
    MetricQuery,
    FileQuery,
    CodeQuery,
    EnvironmentQuery,
    SearchQuery,
    AuthQuery,
);

/// The root of write operations; each root field is one audited action.
#[derive(MergedObject, Debug, Default)]
pub struct MutationRoot(
    ExperimentMutation,
    HypothesisMutation,
    EvidenceMutation,
    MetricMutation,
    FileMutation,
    EnvironmentMutation,
    SearchMutation,
    AuthMutation,
);

/// The caller of the request being resolved (anonymous when none was attached).
pub(crate) fn caller<'a>(context: &Context<'a>) -> &'a Principal {
    static ANONYMOUS: Principal = Principal::Anonymous;
    context.data_opt::<Principal>().unwrap_or(&ANONYMOUS)
}

/// The schema type the server runs.
pub type RsdkSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deepest selection accepted; a deeper query is refused before any resolver runs.
pub const MAX_DEPTH: usize = 16;
/// Largest complexity (roughly, fields selected) accepted.
pub const MAX_COMPLEXITY: usize = 5_000;
/// Longest query text accepted (values belong in variables): bounds the parse of a bomb.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Deepest nesting of selection sets and fragments accepted (parsing stays bounded).
pub const MAX_RECURSION: usize = 64;

/// Builds the schema with the services as resolver data (or none, for printing the SDL).
pub fn build_schema(services: Option<&Services>) -> RsdkSchema {
    let builder = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(MAX_RECURSION);
    match services {
        Some(services) => builder
            .data(services.graph.clone())
            .data(services.announcer.clone())
            .data(services.jobs.clone())
            .data(services.metrics.clone())
            .data(services.files.clone())
            .data(services.code.clone())
            .data(services.search.clone())
            .data(services.access_tokens.clone())
            .data(services.login_limiter.clone())
            .data(RefreshLifetime(services.refresh_lifetime))
            .extension(AuditTrail {
                graph: services.graph.clone(),
            })
            .extension(CountOperations(services.counters.clone()))
            .finish(),
        None => builder.finish(),
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
