//! The research assistant: native reasoning over the graph. A run's summary (what it changed
//! against its parent, what that did to its metrics, what it contributes to hypotheses), the
//! effects of feature changes across all runs, what to run next, and hypotheses the effects
//! suggest (offered, never created on their own).

pub mod effects;
mod recommend;
mod summary;

pub use effects::{configured_directions, direction_of, feature_effects, FeatureEffect};
pub use recommend::{HypothesisSuggestion, Recommendation, RecommendationKind};
pub use summary::{delta_text, number_text, ExperimentSummary, MetricDelta};

use std::collections::HashMap;

use graph::model::Direction;
use graph::{FeatureChangeOf, Graph, ProjectValues};

use crate::error::Result;

/// Effects seen fewer times than this are not a basis for a suggestion.
pub const MIN_EDGES_FOR_SUGGESTION: usize = 3;
/// Effects less consistent than this are not a basis for a suggestion.
pub const MIN_CONSISTENCY_FOR_SUGGESTION: f64 = 0.75;

/// Reasons over one graph (a read-only view for questions, the graph itself for accepting).
#[derive(Debug, Clone)]
pub struct Assistant {
    graph: Graph,
}

impl Assistant {
    /// An assistant over `graph`.
    pub fn new(graph: Graph) -> Self {
        Self { graph }
    }

    /// What changing each feature did to `metric` across the project, best first, with the
    /// direction used and whether it was guessed (the metric is not configured).
    pub async fn feature_effects(
        &self,
        project: &str,
        metric: &str,
        by_value: bool,
    ) -> Result<(Direction, bool, Vec<FeatureEffect>)> {
        let inputs = self.effect_inputs(project, &[metric.to_owned()]).await?;
        Ok(inputs.effects(metric, by_value))
    }

    /// What feature effects on `metrics` (at most [`graph::MAX_TABLE_METRICS`]) are computed
    /// from, each read once.
    async fn effect_inputs(&self, project: &str, metrics: &[String]) -> Result<EffectInputs> {
        let (infos, values, changes) = tokio::try_join!(
            self.graph.project_metrics(project),
            self.graph.project_values(project, metrics),
            self.graph.project_feature_changes(project)
        )?;
        Ok(EffectInputs {
            values,
            changes,
            configured: configured_directions(&infos),
        })
    }
}

/// A project's values, feature changes and configured directions: everything feature
/// effects read, so several metrics' effects cost one read of each.
#[derive(Debug)]
struct EffectInputs {
    values: ProjectValues,
    changes: Vec<FeatureChangeOf>,
    configured: HashMap<String, Direction>,
}

impl EffectInputs {
    /// The effects on `metric` (one of those read), with its direction and whether it was guessed.
    fn effects(&self, metric: &str, by_value: bool) -> (Direction, bool, Vec<FeatureEffect>) {
        let (direction, guessed) = direction_of(metric, self.configured.get(metric).copied());
        let effects = feature_effects(&self.values, &self.changes, metric, direction, by_value);
        (direction, guessed, effects)
    }
}
