//! Search, questions and the research assistant over GraphQL: `search` (full text, across the
//! projects the caller reads), `ask` (plain-language questions), `experimentSummary`,
//! `featureEffects`, `recommendations` and `suggestedHypotheses` (reads of a project's
//! viewers), `acceptSuggestedHypothesis` and `dismissSuggestedHypothesis` (its researchers),
//! and `rebuildSearchIndex` (a project's admins; every project: site admins).

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use graph::model::Role;
use graph::Graph;
use ingest::jobs::JobQueue;
use serde::Serialize;

use super::caller;
use super::hypotheses::Hypothesis;
use super::metrics::{DirectionGql, MetricValue};
use crate::error::GraphQlResultExt;
use crate::events::Announcer;
use crate::evidence::schedule_recomputation;
use crate::search::Search;

/// Hits returned when `first` is not given.
const DEFAULT_HITS: i32 = 20;

/// What a search hit is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "SearchKind")]
pub enum SearchKindGql {
    Experiment,
    Hypothesis,
    Feature,
    Artifact,
    Metric,
}

impl From<SearchKindGql> for search::DocumentKind {
    fn from(kind: SearchKindGql) -> Self {
        match kind {
            SearchKindGql::Experiment => search::DocumentKind::Experiment,
            SearchKindGql::Hypothesis => search::DocumentKind::Hypothesis,
            SearchKindGql::Feature => search::DocumentKind::Feature,
            SearchKindGql::Artifact => search::DocumentKind::Artifact,
            SearchKindGql::Metric => search::DocumentKind::Metric,
        }
    }
}

impl From<search::DocumentKind> for SearchKindGql {
    fn from(kind: search::DocumentKind) -> Self {
        match kind {
            search::DocumentKind::Experiment => SearchKindGql::Experiment,
            search::DocumentKind::Hypothesis => SearchKindGql::Hypothesis,
            search::DocumentKind::Feature => SearchKindGql::Feature,
            search::DocumentKind::Artifact => SearchKindGql::Artifact,
            search::DocumentKind::Metric => SearchKindGql::Metric,
        }
    }
}

/// A highlighted part of a snippet: character offsets into its text.
#[derive(SimpleObject, Debug, Clone)]
pub struct Highlight {
    pub start: i32,
    pub end: i32,
}

/// A fragment of a hit's field with the matched words highlighted.
#[derive(SimpleObject, Debug, Clone)]
pub struct SearchSnippet {
    /// `title`, `notes`, `tags` or `features`.
    pub field: String,
    pub text: String,
    /// The text HTML-escaped, matches in `<mark>`.
    pub html: String,
    pub highlights: Vec<Highlight>,
}

/// One search result.
#[derive(SimpleObject, Debug, Clone)]
pub struct SearchHit {
    pub kind: SearchKindGql,
    /// The entity's id (an experiment's or hypothesis' id; `project/path` for a feature or
    /// metric; `experiment id/path` for an artifact).
    pub id: ID,
    pub project: String,
    /// The experiment's number (experiments and artifacts).
    pub number: Option<i64>,
    pub title: String,
    pub score: f64,
    pub snippets: Vec<SearchSnippet>,
}

/// A page of search results.
#[derive(SimpleObject, Debug, Clone)]
pub struct SearchResults {
    /// How many documents match (across every readable project asked for).
    pub total: i64,
    pub hits: Vec<SearchHit>,
}

/// A named Cypher statement an answer ran, with its parameters.
#[derive(SimpleObject, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CypherStatement {
    /// Its file under `cypher/`.
    pub name: String,
    pub text: String,
    pub parameters: async_graphql::Json<serde_json::Value>,
    /// How many rows it returned.
    pub rows: i64,
}

/// How a question was understood.
#[derive(SimpleObject, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Interpretation {
    /// `rank`, `feature_effect`, `feature_changes`, `feature_impact`, `lineage`, `compare`,
    /// `hypothesis`, `runs`, `metric_value`, `metric_at_step`, `summarize`, `recommend`,
    /// `suggest_hypotheses`, `language_model` or `clarify`.
    pub intent: String,
    pub description: String,
    pub notes: Vec<String>,
}

/// The answer to a plain-language question.
#[derive(SimpleObject, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// False when the sentence asks for a clarification instead.
    pub answered: bool,
    pub sentence: String,
    pub columns: Vec<String>,
    /// Rows of JSON values, one per line of the answer.
    pub rows: async_graphql::Json<Vec<Vec<serde_json::Value>>>,
    pub interpretation: Interpretation,
    /// The read-only Cypher that produced the answer, in the order it ran.
    pub cypher: Vec<CypherStatement>,
    /// Names or questions to try instead.
    pub suggestions: Vec<String>,
}

impl From<search::ask::Answer> for Answer {
    fn from(answer: search::ask::Answer) -> Self {
        Answer {
            answered: answer.answered,
            sentence: answer.sentence,
            columns: answer.columns,
            rows: async_graphql::Json(answer.rows),
            interpretation: Interpretation {
                intent: answer.interpretation.intent.to_owned(),
                description: answer.interpretation.description,
                notes: answer.interpretation.notes,
            },
            cypher: answer
                .cypher
                .into_iter()
                .map(|statement| CypherStatement {
                    name: statement.name.to_owned(),
                    text: statement.text.to_owned(),
                    parameters: async_graphql::Json(search::ask::params_json(&statement.params)),
                    rows: statement.rows as i64,
                })
                .collect(),
            suggestions: answer.suggestions,
        }
    }
}

/// A metric of a run against its parent.
#[derive(SimpleObject, Debug, Clone)]
pub struct MetricDelta {
    pub metric: String,
    pub parent_value: MetricValue,
    pub value: MetricValue,
    /// Better than the parent by direction; null when equal or a side is missing.
    pub improved: Option<bool>,
}

/// A run's share of a hypothesis' evidence.
#[derive(SimpleObject, Debug, Clone)]
pub struct HypothesisShare {
    pub title: String,
    pub contribution: f64,
}

/// A feature path a run changed against its parent.
#[derive(SimpleObject, Debug, Clone)]
pub struct SummaryFeatureChange {
    pub path: String,
    pub op: String,
    pub value: Option<async_graphql::Json<serde_json::Value>>,
}

/// What the assistant says about a run.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExperimentSummary {
    pub number: i64,
    pub name: String,
    pub parent: Option<i64>,
    /// The summary, a sentence each.
    pub sentences: Vec<String>,
    pub feature_changes: Vec<SummaryFeatureChange>,
    pub metric_deltas: Vec<MetricDelta>,
    pub hypotheses: Vec<HypothesisShare>,
}

/// What changing one feature did to a metric over every parent→child edge that changed it.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeatureEffect {
    pub path: String,
    /// The value it was changed to (with `byValue`).
    pub value: Option<String>,
    /// Edges with the metric on both sides.
    pub changes: i64,
    pub improved: i64,
    pub worsened: i64,
    pub mean_delta: f64,
    pub median_delta: f64,
    pub min_delta: f64,
    pub max_delta: f64,
    /// The larger share of edges agreeing in sign, 0 to 1.
    pub consistency: f64,
    /// The children of the edges.
    pub experiments: Vec<i64>,
}

/// The effects of feature changes on one metric, best mean gain first.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeatureEffects {
    pub metric: String,
    pub direction: DirectionGql,
    /// The metric has no configured direction: it was guessed from the name.
    pub direction_guessed: bool,
    pub effects: Vec<FeatureEffect>,
}

/// A next experiment and why.
#[derive(SimpleObject, Debug, Clone)]
pub struct Recommendation {
    /// `apply_to_best`, `combine`, `explore_best` or `resolve_hypothesis`.
    pub kind: String,
    pub action: String,
    pub reason: String,
    pub based_on: Vec<i64>,
}

/// A hypothesis consistent feature effects suggest.
#[derive(SimpleObject, Debug, Clone)]
pub struct SuggestedHypothesis {
    /// Pass it to `acceptSuggestedHypothesis` or `dismissSuggestedHypothesis`.
    pub key: String,
    pub title: String,
    pub description: String,
    pub metric: String,
    pub path: String,
    pub value: String,
    pub experiments: Vec<i64>,
    pub changes: i64,
    pub consistency: f64,
}

impl From<search::assistant::HypothesisSuggestion> for SuggestedHypothesis {
    fn from(suggestion: search::assistant::HypothesisSuggestion) -> Self {
        SuggestedHypothesis {
            key: suggestion.key,
            title: suggestion.title,
            description: suggestion.description,
            metric: suggestion.metric,
            path: suggestion.path,
            value: suggestion.value,
            experiments: suggestion.experiments,
            changes: suggestion.edges as i64,
            consistency: suggestion.consistency,
        }
    }
}

fn assistant(context: &Context<'_>) -> async_graphql::Result<search::assistant::Assistant> {
    Ok(search::assistant::Assistant::new(
        context.data::<Graph>()?.clone(),
    ))
}

/// Search, questions and assistant reads.
#[derive(Debug, Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over experiments (name, notes, tags, features), hypotheses, feature
    /// paths, artifact paths and metric names of the projects the caller reads (or only
    /// `project`). Syntax: words (all must match), `OR`, `-word`, `"a phrase"`,
    /// `field:value` (fields `name`, `notes`, `tag`, `feature`, `kind`, `status`), `prefix*`,
    /// `fuzzy~` or `fuzzy~2`. `first`: how many hits, 1 to 100 (default 20).
    async fn search(
        &self,
        context: &Context<'_>,
        query: String,
        project: Option<String>,
        kinds: Option<Vec<SearchKindGql>>,
        first: Option<i32>,
    ) -> async_graphql::Result<SearchResults> {
        let graph = context.data::<Graph>()?;
        let principal = caller(context);
        let projects = match project {
            Some(name) => vec![principal.project(graph, &name, Role::Viewer).await.gql()?.name],
            None => principal
                .readable_projects(graph)
                .await
                .gql()?
                .into_iter()
                .map(|(project, _)| project.name)
                .collect(),
        };
        let request = search::SearchRequest {
            query,
            projects,
            kinds: kinds.unwrap_or_default().into_iter().map(Into::into).collect(),
            first: usize::try_from(first.unwrap_or(DEFAULT_HITS)).unwrap_or(0),
        };
        let results = context.data::<Search>()?.search(request).await.gql()?;
        Ok(SearchResults {
            total: results.total as i64,
            hits: results
                .hits
                .into_iter()
                .map(|hit| SearchHit {
                    kind: hit.kind.into(),
                    id: ID(hit.id),
                    project: hit.project,
                    number: hit.number,
                    title: hit.title,
                    score: f64::from(hit.score),
                    snippets: hit
                        .snippets
                        .into_iter()
                        .map(|snippet| SearchSnippet {
                            html: snippet.html(),
                            highlights: snippet
                                .highlights
                                .iter()
                                .map(|range| Highlight {
                                    start: range.start as i32,
                                    end: range.end as i32,
                                })
                                .collect(),
                            field: snippet.field,
                            text: snippet.text,
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// Answers a question about `project` in plain language: rows and a sentence, the
    /// read-only Cypher that produced them and how the question was understood. An unclear
    /// question gets a clarifying answer (`answered: false`), not an error.
    async fn ask(
        &self,
        context: &Context<'_>,
        project: String,
        question: String,
    ) -> async_graphql::Result<Answer> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let answer = context
            .data::<Search>()?
            .ask(&project.name, &question)
            .await
            .gql()?;
        Ok(answer.into())
    }

    /// What run `number` changed against its parent (features, code, files), what that did
    /// to its metrics and its share of hypotheses, in a few sentences.
    async fn experiment_summary(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<ExperimentSummary> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let summary = assistant(context)?.summarize(&project.name, number).await.gql()?;
        Ok(ExperimentSummary {
            number: summary.number,
            name: summary.name,
            parent: summary.parent,
            sentences: summary.sentences,
            feature_changes: summary
                .feature_changes
                .into_iter()
                .map(|change| SummaryFeatureChange {
                    path: change.path,
                    op: change.op,
                    value: change.value.map(async_graphql::Json),
                })
                .collect(),
            metric_deltas: summary
                .metric_deltas
                .into_iter()
                .map(|delta| MetricDelta {
                    metric: delta.metric,
                    parent_value: MetricValue(delta.parent_value),
                    value: MetricValue(delta.value),
                    improved: delta.improved,
                })
                .collect(),
            hypotheses: summary
                .hypotheses
                .into_iter()
                .map(|(title, contribution)| HypothesisShare { title, contribution })
                .collect(),
        })
    }

    /// Per feature path (or, with `byValue`, per path and new value), the distribution of
    /// `metric`'s change over every parent→child edge that changed it: counts, mean, median,
    /// range and consistency, best mean gain first.
    async fn feature_effects(
        &self,
        context: &Context<'_>,
        project: String,
        metric: String,
        #[graphql(default = false)] by_value: bool,
    ) -> async_graphql::Result<FeatureEffects> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let (direction, guessed, effects) = assistant(context)?
            .feature_effects(&project.name, &metric, by_value)
            .await
            .gql()?;
        Ok(FeatureEffects {
            metric,
            direction: direction.into(),
            direction_guessed: guessed,
            effects: effects
                .into_iter()
                .map(|effect| FeatureEffect {
                    path: effect.path,
                    value: effect.value,
                    changes: effect.edges as i64,
                    improved: effect.improved as i64,
                    worsened: effect.worsened as i64,
                    mean_delta: effect.mean_delta,
                    median_delta: effect.median_delta,
                    min_delta: effect.range.0,
                    max_delta: effect.range.1,
                    consistency: effect.consistency,
                    experiments: effect.experiments,
                })
                .collect(),
        })
    }

    /// Next experiments: changes that helped applied to the best run, untried combinations
    /// of helpful changes, the best run's unexplored neighbourhood, and the runs open
    /// hypotheses need; each with its reason. Judged by `metric` (default: the first
    /// configured metric).
    async fn recommendations(
        &self,
        context: &Context<'_>,
        project: String,
        metric: Option<String>,
    ) -> async_graphql::Result<Vec<Recommendation>> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let recommendations = assistant(context)?
            .recommendations(&project.name, metric.as_deref())
            .await
            .gql()?;
        Ok(recommendations
            .into_iter()
            .map(|recommendation| Recommendation {
                kind: recommendation.kind.as_str().to_owned(),
                action: recommendation.action,
                reason: recommendation.reason,
                based_on: recommendation.based_on,
            })
            .collect())
    }

    /// Hypotheses that consistent feature effects suggest (seen at least 3 times, 75 % in
    /// one direction), minus those already stated or dismissed. Nothing is created until a
    /// researcher accepts one.
    async fn suggested_hypotheses(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<Vec<SuggestedHypothesis>> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let suggestions = assistant(context)?
            .hypothesis_suggestions(&project.name)
            .await
            .gql()?;
        Ok(suggestions.into_iter().map(Into::into).collect())
    }
}

/// Assistant and index writes.
#[derive(Debug, Default)]
pub struct SearchMutation;

#[Object]
impl SearchMutation {
    /// Creates the suggested hypothesis `key` (as offered by `suggestedHypotheses`), authored
    /// by the caller, targeting its metric, about its feature path, with the runs behind it
    /// linked; its evidence is computed in the background.
    async fn accept_suggested_hypothesis(
        &self,
        context: &Context<'_>,
        project: String,
        key: String,
    ) -> async_graphql::Result<Hypothesis> {
        let graph = context.data::<Graph>()?;
        let principal = caller(context);
        let project = principal.project(graph, &project, Role::Researcher).await.gql()?;
        let author = principal.user().gql()?.id.clone();
        let hypothesis = assistant(context)?
            .accept_suggestion(&project.name, &key, author)
            .await
            .gql()?;
        schedule_recomputation(context.data::<JobQueue>()?, &hypothesis.id).await;
        context
            .data::<Announcer>()?
            .hypothesis(&project.name, &hypothesis.id);
        Ok(Hypothesis(hypothesis))
    }

    /// Stops offering the suggested hypothesis `key` in `project`.
    async fn dismiss_suggested_hypothesis(
        &self,
        context: &Context<'_>,
        project: String,
        key: String,
    ) -> async_graphql::Result<bool> {
        let graph = context.data::<Graph>()?;
        let project = caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        graph.dismiss_suggestion(&project.name, &key).await.gql()?;
        Ok(true)
    }

    /// Rebuilds the search index of `project` from the graph (its admins), or of every
    /// project (site admins); returns how many documents it indexed.
    async fn rebuild_search_index(
        &self,
        context: &Context<'_>,
        project: Option<String>,
    ) -> async_graphql::Result<i64> {
        let graph = context.data::<Graph>()?;
        let principal = caller(context);
        let project = match project {
            Some(name) => Some(principal.project(graph, &name, Role::Admin).await.gql()?.name),
            None => {
                principal.site_admin().gql()?;
                None
            }
        };
        let count = context
            .data::<Search>()?
            .rebuild(project.as_deref())
            .await
            .gql()?;
        Ok(count as i64)
    }
}
