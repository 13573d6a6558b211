//! Hypotheses over GraphQL: the `Hypothesis` type, its list and detail reads, link
//! suggestions, and the mutations that create, edit, link, unlink and override them.
//!
//! Viewers of a project read its hypotheses; researchers create, edit, link and override them
//! (an override is a research judgement like an edit, recorded with its author and reason in
//! the hypothesis and, as every mutation, in the audit log).

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use graph::ids::{HypothesisId, UserId};
use graph::model::{self, Role};
use graph::Graph;

use super::caller;
use super::evidence::{hypothesis_evidence, hypothesis_timeline, EvidencePoint, HypothesisEvidence};
use super::metrics::DirectionGql;
use super::types::Experiment;
use crate::error::GraphQlResultExt;
use crate::events::Announcer;
use crate::evidence::schedule_recomputation;
use ingest::jobs::JobQueue;

const DEFAULT_PAGE_SIZE: i64 = 50;
const CURSOR_PREFIX: &str = "hypothesis:";

/// Position in a hypothesis list: an opaque encoding of the last hypothesis' id.
#[derive(Debug, Clone)]
pub struct HypothesisCursor(pub String);

impl CursorType for HypothesisCursor {
    type Error = graph::Error;

    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        let invalid = || graph::Error::invalid("after", "is not a cursor this API returned");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid())?;
        let decoded = String::from_utf8(bytes).map_err(|_| invalid())?;
        let id = decoded.strip_prefix(CURSOR_PREFIX).ok_or_else(invalid)?;
        Ok(HypothesisCursor(id.to_owned()))
    }

    fn encode_cursor(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", self.0))
    }
}

/// What the evidence says about a hypothesis, or what an override says it is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "HypothesisStatus")]
pub enum HypothesisStatusGql {
    /// Stated, no evidence yet.
    Proposed,
    /// Linked runs are still running.
    Testing,
    /// The evidence supports it.
    Supported,
    /// The evidence refutes it.
    Refuted,
    /// Every linked run is done and the evidence decides neither way.
    Inconclusive,
}

impl From<model::HypothesisStatus> for HypothesisStatusGql {
    fn from(status: model::HypothesisStatus) -> Self {
        match status {
            model::HypothesisStatus::Proposed => Self::Proposed,
            model::HypothesisStatus::Testing => Self::Testing,
            model::HypothesisStatus::Supported => Self::Supported,
            model::HypothesisStatus::Refuted => Self::Refuted,
            model::HypothesisStatus::Inconclusive => Self::Inconclusive,
        }
    }
}

impl From<HypothesisStatusGql> for model::HypothesisStatus {
    fn from(status: HypothesisStatusGql) -> Self {
        match status {
            HypothesisStatusGql::Proposed => Self::Proposed,
            HypothesisStatusGql::Testing => Self::Testing,
            HypothesisStatusGql::Supported => Self::Supported,
            HypothesisStatusGql::Refuted => Self::Refuted,
            HypothesisStatusGql::Inconclusive => Self::Inconclusive,
        }
    }
}

/// What a linked experiment is compared against.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum HypothesisBaselineKind {
    /// Its primary parent.
    Parent,
    /// The root of its primary chain.
    Root,
    /// The project's best experiment by each target metric (other than itself).
    Best,
    /// The experiment named by `experiment`.
    Experiment,
}

/// A hypothesis' baseline.
#[derive(SimpleObject, Debug)]
pub struct HypothesisBaseline {
    pub kind: HypothesisBaselineKind,
    /// The number of the baseline experiment, for kind EXPERIMENT.
    pub experiment: Option<i64>,
}

impl From<model::HypothesisBaseline> for HypothesisBaseline {
    fn from(baseline: model::HypothesisBaseline) -> Self {
        let kind = match baseline {
            model::HypothesisBaseline::Parent => HypothesisBaselineKind::Parent,
            model::HypothesisBaseline::Root => HypothesisBaselineKind::Root,
            model::HypothesisBaseline::Best => HypothesisBaselineKind::Best,
            model::HypothesisBaseline::Experiment(_) => HypothesisBaselineKind::Experiment,
        };
        Self {
            kind,
            experiment: baseline.experiment(),
        }
    }
}

/// A baseline as given: kind EXPERIMENT names the experiment's number, no other kind does.
#[derive(InputObject, Debug)]
pub struct HypothesisBaselineInput {
    pub kind: HypothesisBaselineKind,
    pub experiment: Option<i64>,
}

impl TryFrom<HypothesisBaselineInput> for model::HypothesisBaseline {
    type Error = graph::Error;

    fn try_from(input: HypothesisBaselineInput) -> graph::Result<Self> {
        match (input.kind, input.experiment) {
            (HypothesisBaselineKind::Experiment, Some(number)) => Ok(Self::Experiment(number)),
            (HypothesisBaselineKind::Experiment, None) => Err(graph::Error::invalid(
                "baseline.experiment",
                "kind EXPERIMENT needs the baseline experiment's number",
            )),
            (_, Some(_)) => Err(graph::Error::invalid(
                "baseline.experiment",
                "only kind EXPERIMENT names an experiment",
            )),
            (HypothesisBaselineKind::Parent, None) => Ok(Self::Parent),
            (HypothesisBaselineKind::Root, None) => Ok(Self::Root),
            (HypothesisBaselineKind::Best, None) => Ok(Self::Best),
        }
    }
}

/// A target metric as given.
#[derive(InputObject, Debug)]
pub struct HypothesisTargetInput {
    /// A metric the project has: logged by a run or configured (VALIDATION otherwise).
    pub metric: String,
    /// Its weight in the evidence score: above 0, at most 1000.
    pub weight: f64,
}

impl From<HypothesisTargetInput> for model::TargetInput {
    fn from(input: HypothesisTargetInput) -> Self {
        Self {
            metric: input.metric,
            weight: input.weight,
        }
    }
}

/// A target metric of a hypothesis (`TARGETS {weight}`).
#[derive(SimpleObject, Debug)]
pub struct HypothesisTarget {
    pub metric: String,
    pub weight: f64,
    /// The metric's configured direction; null while it is unconfigured.
    pub direction: Option<DirectionGql>,
}

/// A user as the members of a project see them: id and display name, never the email.
#[derive(SimpleObject, Debug)]
pub struct Person {
    pub id: ID,
    pub display_name: String,
}

/// The user `id`, or null when there is none any more (an erased account).
async fn person(context: &Context<'_>, id: &UserId) -> async_graphql::Result<Option<Person>> {
    let graph = context.data::<Graph>()?;
    match graph.user(id).await {
        Ok(user) => Ok(Some(Person {
            id: ID(user.id.0),
            display_name: user.display_name,
        })),
        Err(graph::Error::NotFound { .. }) => Ok(None),
        Err(other) => Err(other).gql(),
    }
}

/// A manual status that wins over the computed one.
#[derive(Debug)]
pub struct StatusOverride(model::StatusOverride);

#[Object]
impl StatusOverride {
    async fn status(&self) -> HypothesisStatusGql {
        self.0.status.into()
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Who set it (null once their account is erased).
    async fn author(&self, context: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        person(context, &self.0.author).await
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A statement a team tests with experiments, judged on target metrics against a baseline.
#[derive(Debug)]
pub struct Hypothesis(pub model::Hypothesis);

#[Object]
impl Hypothesis {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Who created it (null once their account is erased).
    async fn author(&self, context: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        person(context, &self.0.author).await
    }
    /// The status to show: the override's when there is one, else the computed one.
    async fn status(&self) -> HypothesisStatusGql {
        self.0.status().into()
    }
    /// The status the evidence gives (PROPOSED until evidence is computed).
    async fn computed_status(&self) -> HypothesisStatusGql {
        self.0.computed_status.into()
    }
    /// The manual override, if any.
    #[graphql(name = "override")]
    async fn status_override(&self) -> Option<StatusOverride> {
        self.0.status_override.clone().map(StatusOverride)
    }
    async fn baseline(&self) -> HypothesisBaseline {
        self.0.baseline.into()
    }
    /// Target metrics by name, with weights.
    async fn targets(&self, context: &Context<'_>) -> async_graphql::Result<Vec<HypothesisTarget>> {
        let graph = context.data::<Graph>()?;
        Ok(graph
            .hypothesis_targets(&self.0)
            .await
            .gql()?
            .into_iter()
            .map(|target| HypothesisTarget {
                metric: target.metric,
                weight: target.weight,
                direction: target.direction.map(Into::into),
            })
            .collect())
    }
    /// The feature paths it is about (`ABOUT`), sorted.
    async fn about(&self, context: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let graph = context.data::<Graph>()?;
        graph.hypothesis_about(&self.0).await.gql()
    }
    /// The experiments that test it (`TESTED_BY`), by number.
    async fn experiments(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        Ok(graph
            .hypothesis_experiments(&self.0)
            .await
            .gql()?
            .into_iter()
            .map(Experiment)
            .collect())
    }
    /// E_hypothesis, once the evidence is computed.
    async fn evidence_score(&self) -> Option<f64> {
        self.0.evidence_score.filter(|score| score.is_finite())
    }
    /// When the evidence was last computed.
    async fn computed_at(&self) -> Option<DateTime<Utc>> {
        self.0.computed_at
    }
    /// The evidence as last computed (null before the first computation): score, statuses,
    /// explanation, units and contributions.
    async fn evidence(&self, context: &Context<'_>) -> async_graphql::Result<Option<HypothesisEvidence>> {
        let graph = context.data::<Graph>()?;
        hypothesis_evidence(graph, &self.0).await.gql()
    }
    /// The score and computed status after each computation, oldest first.
    async fn timeline(&self, context: &Context<'_>) -> async_graphql::Result<Vec<EvidencePoint>> {
        let graph = context.data::<Graph>()?;
        hypothesis_timeline(graph, &self.0.id).await.gql()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it, its targets, features, baseline, links or override last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A new hypothesis.
#[derive(InputObject, Debug)]
pub struct CreateHypothesisInput {
    /// Project name.
    pub project: String,
    /// 1 to 200 characters.
    pub title: String,
    /// At most 20,000 characters.
    pub description: Option<String>,
    /// Target metrics, each at most once.
    pub targets: Option<Vec<HypothesisTargetInput>>,
    /// Related feature paths (e.g. `optimizer.lr`).
    pub about: Option<Vec<String>>,
    /// Default: PARENT.
    pub baseline: Option<HypothesisBaselineInput>,
}

/// Changes to a hypothesis; omitted fields keep their value, given lists replace the stored ones.
#[derive(InputObject, Debug)]
pub struct UpdateHypothesisInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub targets: Option<Vec<HypothesisTargetInput>>,
    pub about: Option<Vec<String>>,
    pub baseline: Option<HypothesisBaselineInput>,
}

fn hypothesis_id(id: ID) -> HypothesisId {
    HypothesisId(id.0)
}

/// The graph and the id of a hypothesis the caller may edit (researchers of its project).
async fn editable<'c>(context: &'c Context<'_>, id: ID) -> async_graphql::Result<(&'c Graph, HypothesisId)> {
    let graph = context.data::<Graph>()?;
    let id = hypothesis_id(id);
    caller(context)
        .hypothesis(graph, &id, Role::Researcher)
        .await
        .gql()?;
    Ok((graph, id))
}

/// Hypothesis reads.
#[derive(Debug, Default)]
pub struct HypothesisQuery;

#[Object]
impl HypothesisQuery {
    /// A project's hypotheses in creation order, `first` (1–1000, default 50) after cursor
    /// `after`; optionally only those of one (effective) status, whose title contains `search`
    /// (any case), or that experiment number `experiment` tests.
    #[allow(clippy::too_many_arguments)] // GraphQL arguments of one root field
    async fn hypotheses(
        &self,
        context: &Context<'_>,
        project: String,
        status: Option<HypothesisStatusGql>,
        search: Option<String>,
        experiment: Option<i64>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<HypothesisCursor, Hypothesis>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        let after = after
            .map(|cursor| HypothesisCursor::decode_cursor(&cursor))
            .transpose()
            .gql()?;
        let filter = model::HypothesisFilter {
            status: status.map(Into::into),
            search,
            experiment,
        };
        let after_id = after.as_ref().map(|cursor| HypothesisId(cursor.0.clone()));
        let page = graph
            .hypotheses(
                &project,
                filter,
                first.unwrap_or(DEFAULT_PAGE_SIZE),
                after_id.as_ref(),
            )
            .await
            .gql()?;
        let mut connection = Connection::new(after.is_some(), page.has_more);
        connection
            .edges
            .extend(page.hypotheses.into_iter().map(|hypothesis| {
                Edge::new(
                    HypothesisCursor(hypothesis.id.to_string()),
                    Hypothesis(hypothesis),
                )
            }));
        Ok(connection)
    }

    /// The hypothesis with this id.
    async fn hypothesis(&self, context: &Context<'_>, id: ID) -> async_graphql::Result<Hypothesis> {
        let graph = context.data::<Graph>()?;
        let (_, hypothesis) = caller(context)
            .hypothesis(graph, &hypothesis_id(id), Role::Viewer)
            .await
            .gql()?;
        Ok(Hypothesis(hypothesis))
    }

    /// Experiments worth linking to hypothesis `id`: those of its project, not linked yet,
    /// whose feature diff touches a feature it is about; by number.
    async fn hypothesis_suggestions(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Vec<Experiment>> {
        let graph = context.data::<Graph>()?;
        let (_, hypothesis) = caller(context)
            .hypothesis(graph, &hypothesis_id(id), Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .hypothesis_suggestions(&hypothesis)
            .await
            .gql()?
            .into_iter()
            .map(Experiment)
            .collect())
    }
}

/// Tells live views and the search index that `hypothesis` changed.
async fn announce(context: &Context<'_>, hypothesis: &model::Hypothesis) -> async_graphql::Result<()> {
    let project = context
        .data::<Graph>()?
        .project_by_id(&hypothesis.project_id)
        .await
        .gql()?;
    context
        .data::<Announcer>()?
        .hypothesis(&project.name, &hypothesis.id);
    Ok(())
}

/// Hypothesis writes (researchers of the project).
#[derive(Debug, Default)]
pub struct HypothesisMutation;

#[Object]
impl HypothesisMutation {
    /// Creates a hypothesis (status PROPOSED) authored by the caller.
    async fn create_hypothesis(
        &self,
        context: &Context<'_>,
        input: CreateHypothesisInput,
    ) -> async_graphql::Result<Hypothesis> {
        let graph = context.data::<Graph>()?;
        let principal = caller(context);
        principal
            .project(graph, &input.project, Role::Researcher)
            .await
            .gql()?;
        let author = principal.user().gql()?.id.clone();
        let baseline = input
            .baseline
            .map(model::HypothesisBaseline::try_from)
            .transpose()
            .gql()?
            .unwrap_or_default();
        let new_hypothesis = model::NewHypothesis {
            project: input.project,
            title: input.title,
            description: input.description.unwrap_or_default(),
            author,
            targets: input
                .targets
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            about: input.about.unwrap_or_default(),
            baseline,
        };
        let hypothesis = graph.create_hypothesis(new_hypothesis).await.gql()?;
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }

    /// Edits a hypothesis: given lists (targets, about) replace the stored ones.
    async fn update_hypothesis(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateHypothesisInput,
    ) -> async_graphql::Result<Hypothesis> {
        let (graph, id) = editable(context, id).await?;
        let evidence_inputs_change = input.targets.is_some() || input.baseline.is_some();
        let update = model::HypothesisUpdate {
            title: input.title,
            description: input.description,
            targets: input
                .targets
                .map(|targets| targets.into_iter().map(Into::into).collect()),
            about: input.about,
            baseline: input
                .baseline
                .map(model::HypothesisBaseline::try_from)
                .transpose()
                .gql()?,
        };
        let hypothesis = graph.update_hypothesis(&id, update).await.gql()?;
        if evidence_inputs_change {
            schedule_recomputation(context.data::<JobQueue>()?, &id).await;
        }
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }

    /// Links experiments of the hypothesis' project (by number); linking a linked one
    /// changes nothing, an unknown number is VALIDATION on `numbers[i]` and links none.
    async fn link_experiments(
        &self,
        context: &Context<'_>,
        id: ID,
        numbers: Vec<i64>,
    ) -> async_graphql::Result<Hypothesis> {
        let (graph, id) = editable(context, id).await?;
        let hypothesis = graph.link_experiments(&id, &numbers).await.gql()?;
        schedule_recomputation(context.data::<JobQueue>()?, &id).await;
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }

    /// Unlinks experiments (by number); unlinking one that is not linked changes nothing.
    async fn unlink_experiments(
        &self,
        context: &Context<'_>,
        id: ID,
        numbers: Vec<i64>,
    ) -> async_graphql::Result<Hypothesis> {
        let (graph, id) = editable(context, id).await?;
        let hypothesis = graph.unlink_experiments(&id, &numbers).await.gql()?;
        schedule_recomputation(context.data::<JobQueue>()?, &id).await;
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }

    /// Sets the status by hand, with a reason (1 to 2,000 characters); it wins over the
    /// computed status until cleared.
    async fn override_hypothesis_status(
        &self,
        context: &Context<'_>,
        id: ID,
        status: HypothesisStatusGql,
        reason: String,
    ) -> async_graphql::Result<Hypothesis> {
        let graph = context.data::<Graph>()?;
        let id = hypothesis_id(id);
        let principal = caller(context);
        principal.hypothesis(graph, &id, Role::Researcher).await.gql()?;
        let author = principal.user().gql()?.id.clone();
        let hypothesis = graph
            .override_hypothesis_status(&id, status.into(), &reason, &author)
            .await
            .gql()?;
        // The stored evidence's effective status and explanation mention the override.
        schedule_recomputation(context.data::<JobQueue>()?, &id).await;
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }

    /// Removes the manual override: the computed status shows again.
    async fn clear_hypothesis_override(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Hypothesis> {
        let (graph, id) = editable(context, id).await?;
        let hypothesis = graph.clear_hypothesis_override(&id).await.gql()?;
        schedule_recomputation(context.data::<JobQueue>()?, &id).await;
        announce(context, &hypothesis).await?;
        Ok(Hypothesis(hypothesis))
    }
}
