//! Evidence read models over GraphQL: a hypothesis' stored evidence (score, statuses, the
//! plain-language explanation, the per-unit waterfall, per-experiment contributions, what it
//! was computed from), its score over time, an experiment's contributions to the hypotheses it
//! enters (the DAG overlay), and `recomputeEvidence`, which recomputes one hypothesis now.
//!
//! The formulas are those of `graph::evidence`; this module only maps stored results. Viewers
//! of a project read its evidence; researchers may recompute it (`recomputeEvidence` is a
//! write: it stores a new result and a new timeline point).

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use graph::ids::{ExperimentId, HypothesisId};
use graph::model::{self, Role};
use graph::Graph;

use super::caller;
use super::hypotheses::{Hypothesis, HypothesisStatusGql};
use super::metrics::DirectionGql;
use crate::error::GraphQlResultExt;

/// The stored evidence of a hypothesis: the last computation's result.
#[derive(Debug)]
pub struct HypothesisEvidence {
    pub(super) stored: model::StoredEvidence,
    /// The hypothesis' override as it is now (it may have changed since the computation).
    pub(super) status_override: Option<model::HypothesisStatus>,
}

#[Object]
impl HypothesisEvidence {
    /// E_hypothesis: the sum of the linked experiments' contributions.
    async fn score(&self) -> f64 {
        self.stored.score
    }
    /// The status the evidence gives, from the score and the project's thresholds.
    async fn computed_status(&self) -> HypothesisStatusGql {
        self.stored.computed_status.into()
    }
    /// The status shown: the manual override when there is one, else the computed status.
    async fn effective_status(&self) -> HypothesisStatusGql {
        self.status_override.unwrap_or(self.stored.computed_status).into()
    }
    /// Whether a manual override decides the status shown (`Hypothesis.override` says who,
    /// when and why).
    async fn overridden(&self) -> bool {
        self.status_override.is_some()
    }
    /// One plain-language sentence: the status, how many linked runs improve which metric over
    /// their baseline and by how much, and which run carries most weight.
    async fn explanation(&self) -> &str {
        &self.stored.explanation
    }
    /// When it was computed.
    async fn computed_at(&self) -> DateTime<Utc> {
        self.stored.computed_at
    }
    /// What it was computed from.
    async fn inputs(&self) -> EvidenceInputs {
        let inputs = &self.stored.inputs;
        EvidenceInputs {
            linked: inputs.linked as i64,
            with_units: inputs.with_units as i64,
            support_threshold: inputs.thresholds.0,
            refute_threshold: inputs.thresholds.1,
            baseline: inputs.baseline.clone(),
            scales: inputs
                .scales
                .iter()
                .map(|(metric, scale)| {
                    let spread = scale.distribution_spread();
                    EvidenceScale {
                        metric: metric.clone(),
                        spread: spread.map(|(spread, _)| spread),
                        source: spread.map(|(_, source)| source.as_str().to_owned()),
                    }
                })
                .collect(),
        }
    }
    /// One unit per (linked experiment, target metric) with both values present, by
    /// experiment then metric: the waterfall of the score.
    async fn units(&self) -> Vec<EvidenceUnit> {
        self.stored.units.iter().map(EvidenceUnit::from).collect()
    }
    /// Per linked experiment with at least one unit: its score, confidence and contribution.
    async fn contributions(&self) -> Vec<EvidenceContribution> {
        self.stored
            .contributions
            .iter()
            .map(EvidenceContribution::from)
            .collect()
    }
}

/// What an evidence computation read.
#[derive(SimpleObject, Debug)]
pub struct EvidenceInputs {
    /// Linked experiments.
    pub linked: i64,
    /// Linked experiments that had at least one unit (both values of a target metric).
    pub with_units: i64,
    /// The project's support threshold T_support (supported when the score is at least it).
    pub support_threshold: f64,
    /// The project's refute threshold T_refute (refuted when the score is at most −T_refute).
    pub refute_threshold: f64,
    /// The hypothesis' baseline as it was: `parent`, `root`, `best` or `experiment #N`.
    pub baseline: String,
    /// Per target metric, the project-wide spread its deltas were divided by (empty for
    /// evidence computed before scales were recorded).
    pub scales: Vec<EvidenceScale>,
}

/// The spread one target metric's deltas are divided by: one normalised unit is one typical
/// difference between the project's complete experiments.
#[derive(SimpleObject, Debug)]
pub struct EvidenceScale {
    pub metric: String,
    /// `1.4826 × MAD` of the metric over the project's complete experiments (or `1.2533 ×` the
    /// mean absolute deviation when the MAD is 0); null when the project gave none (fewer than
    /// 3 values, or no spread) and each unit used 0.1 × |its baseline| instead (1 for a zero
    /// baseline).
    pub spread: Option<f64>,
    /// Where the spread came from: `scaled_mad` or `scaled_mean_absolute_deviation`; null
    /// with no spread.
    pub source: Option<String>,
}

/// One evidence unit: a linked experiment against its baseline on one target metric.
#[derive(SimpleObject, Debug)]
pub struct EvidenceUnit {
    /// The linked experiment's number.
    pub experiment: i64,
    pub metric: String,
    /// The baseline experiment's number (null when the baseline is not one experiment).
    pub baseline_experiment: Option<i64>,
    pub baseline_value: f64,
    pub experiment_value: f64,
    /// Signed so that positive is an improvement: maximize `experiment − baseline`, minimize
    /// `baseline − experiment`.
    pub delta: f64,
    /// The delta over the project's spread of the metric, clamped to [−5, 5].
    pub normalized_delta: f64,
    pub direction: DirectionGql,
    /// The metric's weight, renormalised over the experiment's metrics with a unit.
    pub weight: f64,
    /// In [0, 1]: status × (stability, seed agreement, rerun consistency, environment).
    pub confidence: f64,
    /// weight × confidence × normalised delta: this unit's share of the score.
    pub contribution: f64,
    pub computed_at: DateTime<Utc>,
}

impl From<&model::StoredUnit> for EvidenceUnit {
    fn from(unit: &model::StoredUnit) -> Self {
        Self {
            experiment: unit.experiment,
            metric: unit.metric.clone(),
            baseline_experiment: unit.baseline_experiment,
            baseline_value: unit.baseline_value,
            experiment_value: unit.experiment_value,
            delta: unit.delta,
            normalized_delta: unit.normalized_delta,
            direction: unit.direction.into(),
            weight: unit.weight,
            confidence: unit.confidence,
            contribution: unit.contribution,
            computed_at: unit.computed_at,
        }
    }
}

/// One linked experiment's part in a hypothesis' score.
#[derive(SimpleObject, Debug)]
pub struct EvidenceContribution {
    /// The experiment's number.
    pub experiment: i64,
    /// E_experiment: the weighted sum of its normalised deltas.
    pub score: f64,
    /// Its confidence, in [0, 1].
    pub confidence: f64,
    /// What it adds to the hypothesis' score.
    pub contribution: f64,
}

impl From<&model::StoredContribution> for EvidenceContribution {
    fn from(contribution: &model::StoredContribution) -> Self {
        Self {
            experiment: contribution.experiment,
            score: contribution.score,
            confidence: contribution.confidence,
            contribution: contribution.contribution,
        }
    }
}

/// A hypothesis' score and computed status after one computation (the timeline).
#[derive(SimpleObject, Debug)]
pub struct EvidencePoint {
    pub at: DateTime<Utc>,
    pub score: f64,
    pub status: HypothesisStatusGql,
}

/// What one experiment contributes to one hypothesis it enters (the DAG overlay).
#[derive(Debug)]
pub struct ExperimentEvidence {
    hypothesis: HypothesisId,
    contribution: model::StoredContribution,
}

#[Object]
impl ExperimentEvidence {
    /// The hypothesis (null if it was removed since).
    async fn hypothesis(&self, context: &Context<'_>) -> async_graphql::Result<Option<Hypothesis>> {
        let graph = context.data::<Graph>()?;
        match graph.hypothesis_by_id(&self.hypothesis).await {
            Ok((_, hypothesis)) => Ok(Some(Hypothesis(hypothesis))),
            Err(graph::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other).gql(),
        }
    }
    async fn score(&self) -> f64 {
        self.contribution.score
    }
    async fn confidence(&self) -> f64 {
        self.contribution.confidence
    }
    async fn contribution(&self) -> f64 {
        self.contribution.contribution
    }
}

/// `Hypothesis.evidence`: the stored evidence, or null before the first computation.
pub(super) async fn hypothesis_evidence(
    graph: &Graph,
    hypothesis: &model::Hypothesis,
) -> graph::Result<Option<HypothesisEvidence>> {
    Ok(graph
        .hypothesis_evidence(&hypothesis.id)
        .await?
        .map(|stored| HypothesisEvidence {
            stored,
            status_override: hypothesis
                .status_override
                .as_ref()
                .map(|status_override| status_override.status),
        }))
}

/// `Hypothesis.timeline`: the score after each computation, oldest first.
pub(super) async fn hypothesis_timeline(
    graph: &Graph,
    hypothesis: &HypothesisId,
) -> graph::Result<Vec<EvidencePoint>> {
    Ok(graph
        .evidence_history(hypothesis)
        .await?
        .into_iter()
        .map(|point| EvidencePoint {
            at: point.at,
            score: point.score,
            status: point.status.into(),
        })
        .collect())
}

/// `Experiment.evidence`: the experiment's contribution to each hypothesis it enters.
pub(super) async fn experiment_evidence(
    graph: &Graph,
    experiment: &ExperimentId,
) -> graph::Result<Vec<ExperimentEvidence>> {
    Ok(graph
        .experiment_evidence(experiment)
        .await?
        .into_iter()
        .map(|(hypothesis, contribution)| ExperimentEvidence {
            hypothesis,
            contribution,
        })
        .collect())
}

/// Evidence writes (researchers of the project).
#[derive(Debug, Default)]
pub struct EvidenceMutation;

#[Object]
impl EvidenceMutation {
    /// Recomputes hypothesis `id`'s evidence now, from what is stored, and answers it (the
    /// background jobs do the same after every change that matters; this is for a reader who
    /// will not wait, or after a failure).
    async fn recompute_evidence(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<HypothesisEvidence> {
        let graph = context.data::<Graph>()?;
        let id = HypothesisId(id.0);
        let (_, hypothesis) = caller(context)
            .hypothesis(graph, &id, Role::Researcher)
            .await
            .gql()?;
        let stored = graph.recompute_evidence(&id).await.gql()?;
        Ok(HypothesisEvidence {
            stored,
            status_override: hypothesis
                .status_override
                .map(|status_override| status_override.status),
        })
    }
}
