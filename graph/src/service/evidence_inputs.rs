//! Reading what the evidence model needs about one hypothesis from the graph, in a fixed
//! number of queries per hypothesis (never one per unit): its targets, its linked
//! experiments and their recent values, every experiment of its project with its summaries
//! (baselines, scales and replicates all come from the project's snapshot, see
//! `service::evidence_snapshot`), the children of the linked experiments' parents (seed
//! siblings) and the rerun relatives of the linked experiments. The rules are in the docs of
//! `service::evidence`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value as Json};

use super::evidence_snapshot::ProjectSnapshot;
use super::hypotheses::optional_float;
use super::metrics_table::aggregate;
use super::Graph;
use crate::error::{Error, Result};
use crate::evidence::{best_baseline, EnvironmentChecks};
use crate::ids::{HypothesisId, ProjectId};
use crate::metric_expr::Expr;
use crate::model::{Aggregation, Direction, HypothesisBaseline, MetricSource, Status};
use crate::queries;
use crate::value::Params;

/// A target metric with how its values are read.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub name: String,
    pub weight: f64,
    /// The configured direction; minimize while unconfigured (as the metrics table decides).
    pub direction: Direction,
    /// The configured aggregation; `last` while unconfigured.
    pub aggregation: Aggregation,
    /// The expression of a derived metric.
    pub derived: Option<Expr>,
}

/// A linked experiment as the recomputation reads it.
#[derive(Debug, Clone)]
pub(super) struct Linked {
    pub number: i64,
    pub status: Status,
    pub parent: Option<i64>,
    pub environment: EnvironmentChecks,
}

/// Every experiment of the project: its status and primary parent (read from the snapshot)
/// and each target's value.
#[derive(Debug)]
pub(super) struct ProjectValues<'a> {
    pub snapshot: &'a ProjectSnapshot,
    /// Per experiment number, one finite value or `None` per target (in target order).
    pub values: HashMap<i64, Vec<Option<f64>>>,
}

impl ProjectValues<'_> {
    /// Target `target`'s finite value of experiment `number`.
    pub fn value(&self, number: i64, target: usize) -> Option<f64> {
        self.values
            .get(&number)
            .and_then(|values| values.get(target).copied().flatten())
    }

    /// The top of `number`'s primary chain (itself when it has no parent).
    pub fn root_of(&self, number: i64) -> i64 {
        let experiments = &self.snapshot.experiments;
        let mut current = number;
        let mut steps = 0usize;
        while let Some(parent) = experiments.get(&current).and_then(|experiment| experiment.parent) {
            current = parent;
            steps += 1;
            if steps > experiments.len() {
                break; // defensive: the DAG is acyclic by construction
            }
        }
        current
    }

    /// `(number, value)` of every complete experiment with a value of `target`, by number.
    pub fn complete_candidates(&self, target: usize) -> Vec<(i64, Option<f64>)> {
        let mut candidates: Vec<(i64, Option<f64>)> = self
            .snapshot
            .experiments
            .iter()
            .filter(|(_, experiment)| experiment.status == Status::Complete)
            .map(|(number, _)| (*number, self.value(*number, target)))
            .filter(|(_, value)| value.is_some())
            .collect();
        candidates.sort_by_key(|(number, _)| *number);
        candidates
    }
}

/// The baseline of one unit: the experiment compared against and its value.
pub(super) fn baseline_for(
    rule: HypothesisBaseline,
    link: &Linked,
    target_index: usize,
    target: &Target,
    project: &ProjectValues,
    best_candidates: &[(i64, Option<f64>)],
) -> Option<(i64, f64)> {
    let number = match rule {
        HypothesisBaseline::Parent => link.parent?,
        HypothesisBaseline::Root => project.root_of(link.number),
        HypothesisBaseline::Experiment(named) => named,
        HypothesisBaseline::Best => {
            return best_baseline(target.direction, best_candidates, link.number);
        }
    };
    if number == link.number {
        return None; // a run is no evidence against itself (a root, or the named baseline)
    }
    project.value(number, target_index).map(|value| (number, value))
}

/// The linked experiments numbered `numbers` as the project's `snapshot` holds them (it holds
/// them all), by number.
pub(super) fn linked_of(snapshot: &ProjectSnapshot, numbers: &[i64]) -> Vec<Linked> {
    let mut linked: Vec<Linked> = numbers
        .iter()
        .filter_map(|number| {
            let experiment = snapshot.experiments.get(number)?;
            Some(Linked {
                number: *number,
                status: experiment.status,
                parent: experiment.parent,
                environment: EnvironmentChecks {
                    code_captured: experiment.code_captured,
                    environment_captured: experiment.environment_captured,
                    restore: experiment.restore,
                },
            })
        })
        .collect();
    linked.sort_by_key(|link| link.number);
    linked.dedup_by_key(|link| link.number);
    linked
}

/// Per linked experiment number, its rerun relatives within two `RERUN_OF` steps either way
/// (its original and the original's original, its reruns and theirs, the original's other
/// reruns), by number; an experiment without any has no entry.
pub(super) fn rerun_families(snapshot: &ProjectSnapshot, linked: &[Linked]) -> HashMap<i64, Vec<i64>> {
    let original_of = |number: i64| snapshot.experiments.get(&number).and_then(|e| e.rerun_of);
    let mut reruns_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (&number, experiment) in &snapshot.experiments {
        if let Some(original) = experiment.rerun_of {
            reruns_of.entry(original).or_default().push(number);
        }
    }
    let reruns = |number: i64| reruns_of.get(&number).into_iter().flatten().copied();
    let mut families = HashMap::new();
    for link in linked {
        let mut family = BTreeSet::new();
        if let Some(original) = original_of(link.number) {
            family.insert(original);
            family.extend(original_of(original));
            family.extend(reruns(original));
        }
        for rerun in reruns(link.number) {
            family.insert(rerun);
            family.extend(reruns(rerun));
        }
        family.remove(&link.number);
        if !family.is_empty() {
            families.insert(link.number, family.into_iter().collect());
        }
    }
    families
}

/// The recent values of each (linked experiment number, target index) from the project's
/// `snapshot` (which holds every linked experiment); an experiment without them has none.
pub(super) fn recent_of_linked<'a>(
    snapshot: &'a ProjectSnapshot,
    linked: &[Linked],
    targets: &[Target],
) -> Result<HashMap<(i64, usize), &'a [f64]>> {
    let mut recent = HashMap::with_capacity(linked.len() * targets.len());
    for link in linked {
        let Some(experiment) = snapshot.experiments.get(&link.number) else {
            continue;
        };
        for (index, target) in targets.iter().enumerate() {
            let values = experiment.recent.of(&target.name)?;
            if !values.is_empty() {
                recent.insert((link.number, index), values);
            }
        }
    }
    Ok(recent)
}

/// Per linked experiment number, its seed siblings: the other primary children of its parent
/// whose full features equal its own once every seed leaf is removed (same
/// [`seed_group`]), by number. Every linked experiment is in `snapshot`; a child missing from
/// it was created since and has no values yet, so it could not count.
pub(super) fn seed_siblings(snapshot: &ProjectSnapshot, linked: &[Linked]) -> HashMap<i64, Vec<i64>> {
    let parents: BTreeSet<i64> = linked.iter().filter_map(|link| link.parent).collect();
    let mut children: HashMap<i64, Vec<(i64, Option<u128>)>> = HashMap::new();
    for (&number, experiment) in &snapshot.experiments {
        if let Some(parent) = experiment.parent.filter(|parent| parents.contains(parent)) {
            children
                .entry(parent)
                .or_default()
                .push((number, experiment.seed_group));
        }
    }
    let mut siblings = HashMap::new();
    for link in linked {
        let (Some(parent), Some(own)) = (
            link.parent,
            snapshot
                .experiments
                .get(&link.number)
                .and_then(|experiment| experiment.seed_group),
        ) else {
            continue;
        };
        let mut matching: Vec<i64> = children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter(|(number, group)| *number != link.number && *group == Some(own))
            .map(|(number, _)| *number)
            .collect();
        matching.sort_unstable();
        siblings.insert(link.number, matching);
    }
    siblings
}

/// The full features without the leaves whose key contains `seed` in any case; an object
/// left empty by that removal goes too, so `{train: {seed: 1}}` and `{}` compare equal.
pub(super) fn without_seed_leaves(features: &Json) -> Json {
    fn strip(map: &Map<String, Json>) -> Map<String, Json> {
        let mut kept = Map::new();
        for (key, value) in map {
            match value {
                Json::Object(child) if !child.is_empty() => {
                    let child = strip(child);
                    if !child.is_empty() {
                        kept.insert(key.clone(), Json::Object(child));
                    }
                }
                leaf => {
                    if !key.to_lowercase().contains("seed") {
                        kept.insert(key.clone(), leaf.clone());
                    }
                }
            }
        }
        kept
    }
    match features {
        Json::Object(map) => Json::Object(strip(map)),
        other => other.clone(),
    }
}

/// A digest of `features_full` without its seed leaves, shared exactly by experiments whose
/// full features are equal once seeds are removed (the first 128 bits of the SHA-256 of the
/// canonical JSON text: serde_json's objects order their keys); `None` without readable
/// features.
pub(super) fn seed_group(features_full: Option<&str>) -> Option<u128> {
    use sha2::{Digest, Sha256};
    let features: Json = serde_json::from_str(features_full?).ok()?;
    let canonical = without_seed_leaves(&features).to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Some(u128::from_be_bytes(first))
}

fn unconfigured_or<T>(value: Option<String>, parse: fn(&str) -> Result<T>, default: T) -> Result<T> {
    value
        .as_deref()
        .map(parse)
        .transpose()
        .map(|parsed| parsed.unwrap_or(default))
}

impl Graph {
    /// The hypothesis' targets by metric name.
    pub(super) async fn evidence_targets(&self, hypothesis: &HypothesisId) -> Result<Vec<Target>> {
        let rows = self
            .executor
            .execute(
                &queries::EVIDENCE_TARGETS,
                Params::new().with("id", hypothesis.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| {
                let derived = match (
                    row.opt_string("source")?.as_deref(),
                    row.opt_string("expression")?,
                ) {
                    (Some("derived"), Some(expression)) => Some(Expr::parse(&expression)?),
                    _ => None,
                };
                Ok(Target {
                    name: row.string("metric")?,
                    weight: optional_float(row, "weight")?
                        .ok_or_else(|| Error::Internal("a TARGETS edge lacks its weight".into()))?,
                    direction: unconfigured_or(
                        row.opt_string("direction")?,
                        Direction::parse,
                        Direction::Minimize,
                    )?,
                    aggregation: unconfigured_or(
                        row.opt_string("aggregation")?,
                        Aggregation::parse,
                        Aggregation::Last,
                    )?,
                    derived,
                })
            })
            .collect()
    }

    /// Every experiment of the project's `snapshot` with each target's value (the metric's
    /// summary under its aggregation; a derived target evaluated over the experiment's other
    /// values).
    pub(super) async fn evidence_project_values<'a>(
        &self,
        project_id: &ProjectId,
        snapshot: &'a ProjectSnapshot,
        targets: &[Target],
    ) -> Result<ProjectValues<'a>> {
        // Derived targets read other metrics, each under its own configuration.
        let configurations: BTreeMap<String, (Direction, Aggregation, Option<Expr>)> =
            if targets.iter().any(|target| target.derived.is_some()) {
                self.metric_configurations(project_id).await?
            } else {
                BTreeMap::new()
            };
        let target_index: HashMap<&str, usize> = targets
            .iter()
            .enumerate()
            .map(|(index, target)| (target.name.as_str(), index))
            .collect();
        let mut project = ProjectValues {
            snapshot,
            values: HashMap::with_capacity(snapshot.experiments.len()),
        };
        for (&number, experiment) in &snapshot.experiments {
            let summaries = &experiment.summaries;
            if summaries.is_empty() {
                continue;
            }
            let mut values: Vec<Option<f64>> = vec![None; targets.len()];
            for summary in summaries.iter() {
                if let Some(&index) = target_index.get(summary.metric.as_str()) {
                    let target = &targets[index];
                    if target.derived.is_none() {
                        values[index] = Some(aggregate(summary, target.aggregation, target.direction));
                    }
                }
            }
            if !configurations.is_empty() {
                let mut all: HashMap<String, f64> = summaries
                    .iter()
                    .map(|summary| {
                        let (direction, aggregation) = configurations
                            .get(&summary.metric)
                            .map_or((Direction::Minimize, Aggregation::Last), |c| (c.0, c.1));
                        (summary.metric.clone(), aggregate(summary, aggregation, direction))
                    })
                    .collect();
                let derived: Vec<(&String, &Expr)> = configurations
                    .iter()
                    .filter_map(|(name, (_, _, expr))| expr.as_ref().map(|expr| (name, expr)))
                    .collect();
                // Derived metrics may read derived ones (set_metric_config refuses cycles):
                // one pass per level of nesting settles them, as in the metrics table.
                for _ in 0..derived.len() {
                    for (name, expr) in &derived {
                        let value = expr.eval(&|metric| all.get(metric).copied());
                        all.insert((*name).clone(), value);
                    }
                }
                for (index, target) in targets.iter().enumerate() {
                    if target.derived.is_some() {
                        values[index] = all.get(&target.name).copied();
                    }
                }
            }
            for value in &mut values {
                *value = value.filter(|value| value.is_finite());
            }
            project.values.insert(number, values);
        }
        Ok(project)
    }

    async fn metric_configurations(
        &self,
        project_id: &ProjectId,
    ) -> Result<BTreeMap<String, (Direction, Aggregation, Option<Expr>)>> {
        let mut configurations = BTreeMap::new();
        for info in self.metrics_of(project_id).await? {
            let direction = info.direction.unwrap_or(Direction::Minimize);
            let aggregation = info.aggregation.unwrap_or(Aggregation::Last);
            let expr = match &info.source {
                MetricSource::Derived { expression } if info.direction.is_some() => {
                    Some(Expr::parse(expression)?)
                }
                _ => None,
            };
            configurations.insert(info.name, (direction, aggregation, expr));
        }
        Ok(configurations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::evidence_snapshot::ExperimentValues;

    #[test]
    fn seed_leaves_are_ignored_at_any_depth_and_in_any_case() {
        let a = serde_json::json!({"lr": 0.1, "Seed": 1, "data": {"shuffle_seed": 7, "n": 3}, "init": {"seed": 1}});
        let b = serde_json::json!({"lr": 0.1, "data": {"n": 3, "SHUFFLE_SEED": 9}});
        assert_eq!(without_seed_leaves(&a), without_seed_leaves(&b));
        let c = serde_json::json!({"lr": 0.2, "seed": 1});
        assert_ne!(without_seed_leaves(&a), without_seed_leaves(&c));
        // A subtree called `seed` is not a leaf: its leaves count.
        let d = serde_json::json!({"seed": {"kind": "fixed"}});
        assert_eq!(without_seed_leaves(&d), d);
    }

    #[test]
    fn the_root_follows_parents_and_a_run_is_not_its_own_baseline() {
        let experiment = |parent: Option<i64>| ExperimentValues {
            status: Status::Complete,
            parent,
            rerun_of: None,
            environment_captured: false,
            code_captured: false,
            restore: crate::evidence::RestoreCheck::NotAttempted,
            seed_group: None,
            summaries: Vec::new().into(),
            recent: Default::default(),
        };
        let snapshot = ProjectSnapshot {
            version: 1,
            experiments: [
                (1, experiment(None)),
                (2, experiment(Some(1))),
                (3, experiment(Some(2))),
            ]
            .into_iter()
            .collect(),
        };
        let mut project = ProjectValues {
            snapshot: &snapshot,
            values: HashMap::new(),
        };
        project.values.insert(1, vec![Some(0.5)]);
        project.values.insert(3, vec![Some(0.7)]);
        assert_eq!(project.root_of(3), 1);
        assert_eq!(project.root_of(1), 1);
        let target = Target {
            name: "acc".into(),
            weight: 1.0,
            direction: Direction::Maximize,
            aggregation: Aggregation::Last,
            derived: None,
        };
        let link = |number: i64, parent: Option<i64>| Linked {
            number,
            status: Status::Complete,
            parent,
            environment: EnvironmentChecks::COMPLETE,
        };
        let root = HypothesisBaseline::Root;
        assert_eq!(
            baseline_for(root, &link(3, Some(2)), 0, &target, &project, &[]),
            Some((1, 0.5))
        );
        assert_eq!(
            baseline_for(root, &link(1, None), 0, &target, &project, &[]),
            None
        );
        // The parent (2) lacks the metric: no baseline.
        let parent = HypothesisBaseline::Parent;
        assert_eq!(
            baseline_for(parent, &link(3, Some(2)), 0, &target, &project, &[]),
            None
        );
        let named = HypothesisBaseline::Experiment(3);
        assert_eq!(
            baseline_for(named, &link(3, Some(2)), 0, &target, &project, &[]),
            None
        );
    }
}
