//! The rsdk domain: projects, experiments, their lineage DAG and features, kept in
//! a graph database through named Cypher queries.
//!
//! Layers, inside out: [`model`] (plain domain types), [`features`] (feature
//! parsing, diffs and merges), [`queries`] (the named Cypher of `cypher/`),
//! [`executor`] (the engine seam) with its [`engine`]s, [`schema`] (migrations),
//! and [`Graph`], the service every transport calls.

pub mod engine;
pub mod error;
pub mod evidence;
pub mod executor;
pub mod failpoint;
pub mod features;
pub mod ids;
pub mod lock;
pub mod metric_expr;
pub mod model;
pub mod outbound;
pub mod queries;
pub mod read_only;
pub mod schema;
mod service;
pub mod value;

pub use error::{Error, Result};
pub use service::{
    check_page_size, ArtifactOf, Baseline, ExperimentFeatures, ExperimentPage, ExperimentWithFeatures,
    FeatureChangeOf, FeatureSet, Graph, HypothesisPage, MergePreviewResult, MetricValues, MetricsTable,
    ParetoPoint, ProjectSummaries, ProjectValues, TableCell, TableMetric, TableQuery, TableRow,
    MAX_FILES_PER_COMMIT, MAX_PAGE_SIZE, MAX_SUGGESTION_KEY, MAX_TABLE_METRICS,
};
