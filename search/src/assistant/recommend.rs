//! What to run next, and hypotheses worth stating: both read the feature effects of the
//! project (see [`super::effects`]), the best run, and the evidence of open hypotheses.

use std::collections::BTreeSet;

use graph::ids::UserId;
use graph::model::{
    Direction, Hypothesis, HypothesisBaseline, HypothesisFilter, HypothesisStatus, NewHypothesis, TargetInput,
};
use graph::ExperimentWithFeatures;

use super::summary::{delta_text, number_text};
use super::{Assistant, FeatureEffect, MIN_CONSISTENCY_FOR_SUGGESTION, MIN_EDGES_FOR_SUGGESTION};
use crate::ask::vocabulary::{feature_value, value_matches};
use crate::error::Result;

/// How many recommendations of each kind are offered.
const PER_KIND: usize = 3;
/// Fewer linked runs with evidence than this leave a hypothesis needing more runs.
const ENOUGH_EVIDENCE: usize = 3;
/// Fewer distinct seeds than this among a hypothesis' runs leave its result to chance.
const ENOUGH_SEEDS: usize = 3;

/// What kind of next step a recommendation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecommendationKind {
    /// Apply a change that helped elsewhere to the best run.
    ApplyToBest,
    /// Combine two changes that each helped, never tried together.
    Combine,
    /// Derive runs from the best run, which nothing derives from yet.
    ExploreBest,
    /// Runs that would settle an open hypothesis.
    ResolveHypothesis,
}

impl RecommendationKind {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendationKind::ApplyToBest => "apply_to_best",
            RecommendationKind::Combine => "combine",
            RecommendationKind::ExploreBest => "explore_best",
            RecommendationKind::ResolveHypothesis => "resolve_hypothesis",
        }
    }
}

/// A next experiment and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    /// What to run, in a sentence.
    pub action: String,
    /// Why, with the numbers behind it.
    pub reason: String,
    /// The runs the reason rests on.
    pub based_on: Vec<i64>,
}

/// A hypothesis the feature effects suggest; the user accepts or dismisses it.
#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisSuggestion {
    /// Stable identity: `metric|path|value`.
    pub key: String,
    pub title: String,
    pub description: String,
    pub metric: String,
    pub direction: Direction,
    pub path: String,
    pub value: String,
    /// The runs that changed the path to the value (linked when accepted).
    pub experiments: Vec<i64>,
    pub edges: usize,
    pub consistency: f64,
}

fn setting(effect: &FeatureEffect) -> String {
    format!("{}={}", effect.path, effect.value.as_deref().unwrap_or("?"))
}

fn has_setting(features: &serde_json::Value, effect: &FeatureEffect) -> bool {
    match (feature_value(features, &effect.path), &effect.value) {
        (Some(stored), Some(value)) => value_matches(stored, value),
        _ => false,
    }
}

impl Assistant {
    /// Next experiments for `project`, judged by `metric` (default: the first configured
    /// metric, else the first measured one).
    pub async fn recommendations(&self, project: &str, metric: Option<&str>) -> Result<Vec<Recommendation>> {
        let mut recommendations = Vec::new();
        if let Some(metric) = self.judging_metric(project, metric).await? {
            recommendations.extend(self.by_feature_effects(project, &metric).await?);
        }
        recommendations.extend(self.for_open_hypotheses(project).await?);
        Ok(recommendations)
    }

    async fn judging_metric(&self, project: &str, metric: Option<&str>) -> Result<Option<String>> {
        if let Some(metric) = metric {
            return Ok(Some(metric.to_owned()));
        }
        let mut metrics = self.graph.project_metrics(project).await?;
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(metrics
            .iter()
            .find(|metric| metric.direction.is_some())
            .or(metrics.first())
            .map(|metric| metric.name.clone()))
    }

    async fn by_feature_effects(&self, project: &str, metric: &str) -> Result<Vec<Recommendation>> {
        let inputs = self.effect_inputs(project, &[metric.to_owned()]).await?;
        let runs = self.graph.experiments_with_features(project).await?;
        let (direction, _, effects) = inputs.effects(metric, true);
        let helpful: Vec<&FeatureEffect> = effects
            .iter()
            .filter(|effect| effect.helps() && effect.mean_gain(direction) > 0.0)
            .collect();
        let values = &inputs.values;
        let best = values
            .nodes
            .iter()
            .map(|node| (node.number, values.value(node.number, metric)))
            .filter(|(_, value)| value.is_finite())
            .max_by(|a, b| {
                let (x, y) = match direction {
                    Direction::Maximize => (a.1, b.1),
                    Direction::Minimize => (b.1, a.1),
                };
                x.total_cmp(&y)
            });
        let mut recommendations = Vec::new();
        let Some((best, best_value)) = best else {
            return Ok(recommendations);
        };
        let best_features = runs
            .iter()
            .find(|run| run.experiment.number == best)
            .map(|run| run.features.clone())
            .unwrap_or_default();
        // A change is worth trying on the best run unless it has it, its own value of the path
        // is itself a change that helped, or a run derived from it already tries it.
        let known_good = |path: &str| {
            helpful.iter().any(|effect| {
                effect.path == path
                    && feature_value(&best_features, path).is_some_and(|stored| {
                        effect
                            .value
                            .as_deref()
                            .is_some_and(|value| value_matches(stored, value))
                    })
            })
        };
        let tried_from_best = |effect: &FeatureEffect| {
            runs.iter().any(|run| {
                values.parents.get(&run.experiment.number) == Some(&best)
                    && has_setting(&run.features, effect)
            })
        };
        let worth_trying = helpful.iter().filter(|effect| {
            !has_setting(&best_features, effect) && !known_good(&effect.path) && !tried_from_best(effect)
        });
        for effect in worth_trying.take(PER_KIND) {
            recommendations.push(Recommendation {
                kind: RecommendationKind::ApplyToBest,
                action: format!("Run #{best} with {}", setting(effect)),
                reason: format!(
                    "#{best} has the best {metric} ({}); setting {} improved {metric} in {} of {} runs (mean {})",
                    number_text(best_value),
                    setting(effect),
                    effect.improved,
                    effect.edges,
                    delta_text(effect.mean_delta)
                ),
                based_on: effect.experiments.clone(),
            });
        }
        recommendations.extend(combinations(&helpful, &runs, metric));
        let has_children = values.parents.values().any(|parent| *parent == best);
        if !has_children {
            recommendations.push(Recommendation {
                kind: RecommendationKind::ExploreBest,
                action: format!("Derive runs from #{best}"),
                reason: format!(
                    "#{best} has the best {metric} ({}) and no run derives from it yet",
                    number_text(best_value)
                ),
                based_on: vec![best],
            });
        }
        Ok(recommendations)
    }

    async fn for_open_hypotheses(&self, project: &str) -> Result<Vec<Recommendation>> {
        let page = self
            .graph
            .hypotheses(project, HypothesisFilter::default(), graph::MAX_PAGE_SIZE, None)
            .await?;
        let open: Vec<&Hypothesis> = page.hypotheses.iter().filter(|h| is_open(h)).collect();
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let runs = self.graph.experiments_with_features(project).await?;
        let mut recommendations = Vec::new();
        for hypothesis in open {
            recommendations.extend(self.to_resolve(hypothesis, &runs).await?);
        }
        Ok(recommendations)
    }

    async fn to_resolve(
        &self,
        hypothesis: &Hypothesis,
        runs: &[ExperimentWithFeatures],
    ) -> Result<Option<Recommendation>> {
        let linked = self.graph.hypothesis_experiments(hypothesis).await?;
        let evidence = self.graph.hypothesis_evidence(&hypothesis.id).await?;
        let title = &hypothesis.title;
        let numbers: Vec<i64> = linked.iter().map(|run| run.number).collect();
        if linked.is_empty() {
            return Ok(Some(Recommendation {
                kind: RecommendationKind::ResolveHypothesis,
                action: format!("Link runs to \"{title}\" or run experiments that test it"),
                reason: "it has no linked runs, so no evidence".to_owned(),
                based_on: numbers,
            }));
        }
        let with_units = evidence.as_ref().map_or(0, |evidence| evidence.inputs.with_units);
        let without_baseline = linked.len().saturating_sub(with_units);
        if without_baseline > 0 {
            return Ok(Some(Recommendation {
                kind: RecommendationKind::ResolveHypothesis,
                action: format!("Complete the baselines of \"{title}\"'s runs"),
                reason: format!(
                    "{without_baseline} of its {} linked runs give no evidence yet (a run or its baseline has no value of a target metric)",
                    linked.len()
                ),
                based_on: numbers,
            }));
        }
        if with_units < ENOUGH_EVIDENCE {
            return Ok(Some(Recommendation {
                kind: RecommendationKind::ResolveHypothesis,
                action: format!("Run {} more experiment(s) for \"{title}\"", ENOUGH_EVIDENCE - with_units),
                reason: format!("only {with_units} linked run(s) give evidence; {ENOUGH_EVIDENCE} make a verdict less fragile"),
                based_on: numbers,
            }));
        }
        let seeds = seeds_of(runs, &numbers);
        if seeds.len() < ENOUGH_SEEDS {
            return Ok(Some(Recommendation {
                kind: RecommendationKind::ResolveHypothesis,
                action: format!("Rerun \"{title}\"'s runs with {} more seed(s)", ENOUGH_SEEDS - seeds.len()),
                reason: format!(
                    "its runs use {} distinct seed(s); the effect may be chance until it holds across {ENOUGH_SEEDS}",
                    seeds.len()
                ),
                based_on: numbers,
            }));
        }
        Ok(None)
    }

    /// Hypotheses that consistent feature effects suggest, minus those already stated (about
    /// the same path and targeting the same metric) and those dismissed.
    pub async fn hypothesis_suggestions(&self, project: &str) -> Result<Vec<HypothesisSuggestion>> {
        let mut metrics = self.graph.project_metrics(project).await?;
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        let dismissed = self.graph.dismissed_suggestions(project).await?;
        let stated = self.stated(project).await?;
        let names: Vec<String> = metrics.iter().map(|metric| metric.name.clone()).collect();
        let mut suggestions = Vec::new();
        for chunk in names.chunks(graph::MAX_TABLE_METRICS) {
            let inputs = self.effect_inputs(project, chunk).await?;
            for metric in chunk {
                let (direction, _, effects) = inputs.effects(metric, true);
                suggestions.extend(suggest(&effects, metric, direction, &dismissed, &stated));
            }
        }
        Ok(suggestions)
    }

    /// Creates the suggested hypothesis `key` of `project`, authored by `author`: its title
    /// and description, targeting its metric, about its feature path, baseline the parent, with
    /// the runs behind it linked. A key that is not (or no longer) suggested is refused.
    pub async fn accept_suggestion(&self, project: &str, key: &str, author: UserId) -> Result<Hypothesis> {
        let suggestions = self.hypothesis_suggestions(project).await?;
        let Some(suggestion) = suggestions.into_iter().find(|suggestion| suggestion.key == key) else {
            return Err(crate::error::Error::invalid(
                "key",
                format!(
                    "\"{key}\" is not a current suggestion of {project}; list them with suggestedHypotheses"
                ),
            ));
        };
        let hypothesis = self
            .graph
            .create_hypothesis(NewHypothesis {
                project: project.to_owned(),
                title: suggestion.title,
                description: suggestion.description,
                author,
                targets: vec![TargetInput {
                    metric: suggestion.metric,
                    weight: 1.0,
                }],
                about: vec![suggestion.path],
                baseline: HypothesisBaseline::Parent,
            })
            .await?;
        Ok(self
            .graph
            .link_experiments(&hypothesis.id, &suggestion.experiments)
            .await?)
    }

    /// (feature path, target metric) pairs existing hypotheses already state.
    async fn stated(&self, project: &str) -> Result<BTreeSet<(String, String)>> {
        let page = self
            .graph
            .hypotheses(project, HypothesisFilter::default(), graph::MAX_PAGE_SIZE, None)
            .await?;
        let mut stated = BTreeSet::new();
        for hypothesis in &page.hypotheses {
            let (about, targets) = tokio::try_join!(
                self.graph.hypothesis_about(hypothesis),
                self.graph.hypothesis_targets(hypothesis)
            )?;
            for path in &about {
                stated.extend(targets.iter().map(|target| (path.clone(), target.metric.clone())));
            }
        }
        Ok(stated)
    }
}

/// The distinct values of seed-like features (`seed`, `data.seed`, `random_seed`) of runs `numbers`.
fn seeds_of(runs: &[ExperimentWithFeatures], numbers: &[i64]) -> BTreeSet<String> {
    let mut seeds = BTreeSet::new();
    for run in runs.iter().filter(|run| numbers.contains(&run.experiment.number)) {
        let mut leaves = Vec::new();
        crate::ask::vocabulary::flatten("", &run.features, &mut leaves);
        seeds.extend(
            leaves
                .into_iter()
                .filter(|(path, _)| {
                    path.rsplit('.')
                        .next()
                        .is_some_and(|leaf| leaf.to_lowercase().contains("seed"))
                })
                .map(|(_, value)| value),
        );
    }
    seeds
}

/// The suggestions `effects` on `metric` make: consistent ones, neither dismissed nor stated.
fn suggest(
    effects: &[FeatureEffect],
    metric: &str,
    direction: Direction,
    dismissed: &BTreeSet<String>,
    stated: &BTreeSet<(String, String)>,
) -> Vec<HypothesisSuggestion> {
    effects
        .iter()
        .filter(|effect| {
            effect.edges >= MIN_EDGES_FOR_SUGGESTION && effect.consistency >= MIN_CONSISTENCY_FOR_SUGGESTION
        })
        .filter_map(|effect| {
            let value = effect.value.clone().unwrap_or_default();
            let key = format!("{metric}|{}|{value}", effect.path);
            if dismissed.contains(&key) || stated.contains(&(effect.path.clone(), metric.to_owned())) {
                return None;
            }
            let verb = if effect.helps() { "improves" } else { "worsens" };
            Some(HypothesisSuggestion {
                title: format!("Setting {} to {value} {verb} {metric}", effect.path),
                description: format!(
                    "Across {} parent→child changes of {} to {value}, {metric} improved {} times and worsened {} times (mean change {}, median {}).",
                    effect.edges,
                    effect.path,
                    effect.improved,
                    effect.worsened,
                    delta_text(effect.mean_delta),
                    delta_text(effect.median_delta)
                ),
                key,
                metric: metric.to_owned(),
                direction,
                path: effect.path.clone(),
                value,
                experiments: effect.experiments.clone(),
                edges: effect.edges,
                consistency: effect.consistency,
            })
        })
        .collect()
}

fn is_open(hypothesis: &Hypothesis) -> bool {
    matches!(
        hypothesis.status(),
        HypothesisStatus::Proposed | HypothesisStatus::Testing | HypothesisStatus::Inconclusive
    )
}

/// Pairs of helpful settings on different paths that no run has together.
fn combinations(
    helpful: &[&FeatureEffect],
    runs: &[ExperimentWithFeatures],
    metric: &str,
) -> Vec<Recommendation> {
    let mut recommendations = Vec::new();
    for (index, first) in helpful.iter().enumerate() {
        for second in helpful.iter().skip(index + 1) {
            if first.path == second.path {
                continue;
            }
            let tried = runs
                .iter()
                .any(|run| has_setting(&run.features, first) && has_setting(&run.features, second));
            if tried {
                continue;
            }
            recommendations.push(Recommendation {
                kind: RecommendationKind::Combine,
                action: format!("Run {} together with {}", setting(first), setting(second)),
                reason: format!(
                    "each improved {metric} on its own ({} and {} on average) and no run has both",
                    delta_text(first.mean_delta),
                    delta_text(second.mean_delta)
                ),
                based_on: first
                    .experiments
                    .iter()
                    .chain(&second.experiments)
                    .copied()
                    .collect(),
            });
            if recommendations.len() == PER_KIND {
                return recommendations;
            }
        }
    }
    recommendations
}
