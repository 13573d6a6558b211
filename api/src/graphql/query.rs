//! Read operations. Each resolver extracts, calls one service function and maps.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Object};
use base64::Engine as _;
use graph::Graph;
use ingest::jobs::JobQueue;

use super::caller;
use super::types::{Dag, Experiment, FeatureChange, Job, KanbanColumn, MergePreview, Project, StatusGql};
use crate::error::GraphQlResultExt;
use graph::model::Role;

const DEFAULT_PAGE_SIZE: i64 = 50;
const CURSOR_PREFIX: &str = "experiment:";

/// Position in a project's experiment list: an opaque encoding of the experiment number.
#[derive(Debug, Clone, Copy)]
pub struct ExperimentCursor(pub i64);

impl CursorType for ExperimentCursor {
    type Error = graph::Error;

    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        let invalid = || graph::Error::invalid("after", "is not a cursor this API returned");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid())?;
        let decoded = String::from_utf8(bytes).map_err(|_| invalid())?;
        let number = decoded
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|number| number.parse().ok())
            .ok_or_else(invalid)?;
        Ok(ExperimentCursor(number))
    }

    fn encode_cursor(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", self.0))
    }
}

/// The root of read operations.
#[derive(Debug, Default)]
pub struct ExperimentQuery;

#[Object]
impl ExperimentQuery {
    /// The project called `name`.
    async fn project(&self, context: &Context<'_>, name: String) -> async_graphql::Result<Project> {
        let graph = context.data::<Graph>()?;
        Ok(Project(
            caller(context).project(graph, &name, Role::Viewer).await.gql()?,
        ))
    }

    /// Every project the caller may read, by name.
    async fn projects(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Project>> {
        let graph = context.data::<Graph>()?;
        let readable = caller(context).readable_projects(graph).await.gql()?;
        Ok(readable
            .into_iter()
            .map(|(project, _)| Project(project))
            .collect())
    }

    /// Experiment `number` of `project`.
    async fn experiment(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(Experiment(graph.experiment(&project, number).await.gql()?))
    }

    /// A project's experiments by number, `first` (1–1000, default 50) after cursor `after`,
    /// optionally only those of one status.
    async fn experiments(
        &self,
        context: &Context<'_>,
        project: String,
        status: Option<StatusGql>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<ExperimentCursor, Experiment>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let after = after
            .map(|cursor| ExperimentCursor::decode_cursor(&cursor))
            .transpose()
            .gql()?;
        let page = graph
            .experiments(
                &project,
                status.map(Into::into),
                first.unwrap_or(DEFAULT_PAGE_SIZE),
                after.map(|c| c.0),
            )
            .await
            .gql()?;
        let mut connection = Connection::new(after.is_some(), page.has_more);
        connection.edges.extend(
            page.experiments
                .into_iter()
                .map(|experiment| Edge::new(ExperimentCursor(experiment.number), Experiment(experiment))),
        );
        Ok(connection)
    }

    /// Leaf-level changes from experiment `a`'s full features to `b`'s.
    async fn feature_diff(
        &self,
        context: &Context<'_>,
        project: String,
        a: i64,
        b: i64,
    ) -> async_graphql::Result<Vec<FeatureChange>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .feature_diff(&project, a, b)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Three-way merge of `a`'s and `b`'s features against their lowest common ancestor.
    async fn merge_preview(
        &self,
        context: &Context<'_>,
        project: String,
        a: i64,
        b: i64,
    ) -> async_graphql::Result<MergePreview> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph.merge_preview(&project, a, b).await.gql()?.into())
    }

    /// The project's whole lineage graph.
    async fn dag(&self, context: &Context<'_>, project: String) -> async_graphql::Result<Dag> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph.dag(&project).await.gql()?.into())
    }

    /// The project's experiments in one column per status (planned, running, complete, failed).
    async fn kanban(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<Vec<KanbanColumn>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .kanban(&project)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The dead-letter list: jobs that failed every attempt, newest first, with their last
    /// error (at most `first`, 1 to 1,000; default 100).
    async fn dead_jobs(
        &self,
        context: &Context<'_>,
        #[graphql(default = 100)] first: i64,
    ) -> async_graphql::Result<Vec<Job>> {
        caller(context).site_admin().gql()?;
        let jobs = context.data::<JobQueue>()?;
        graph::check_page_size("first", first).gql()?;
        Ok(jobs
            .dead_jobs(first)
            .await
            .gql()?
            .into_iter()
            .map(Job::from)
            .collect())
    }
}
