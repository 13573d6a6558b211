//! Cross-experiment reasoning: for each feature path, what changing it did to a metric over
//! every parent→child edge that changed it — how often, how much, how consistently.

use std::collections::{BTreeMap, HashMap};

use graph::model::Direction;
use graph::{FeatureChangeOf, ProjectValues};

use crate::ask::vocabulary::value_text;

/// The effect of changing one feature path (optionally to one value) on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureEffect {
    /// The feature path.
    pub path: String,
    /// The value it was changed to, when the effect is of one value; `None` over all values.
    pub value: Option<String>,
    /// Parent→child edges that changed it where both sides have the metric.
    pub edges: usize,
    /// Edges where the child is better than its parent (by the metric's direction).
    pub improved: usize,
    /// Edges where the child is worse.
    pub worsened: usize,
    /// Mean of child − parent.
    pub mean_delta: f64,
    /// Median of child − parent.
    pub median_delta: f64,
    /// Smallest and largest child − parent.
    pub range: (f64, f64),
    /// The larger share of edges agreeing in sign (improved or worsened), 0 to 1.
    pub consistency: f64,
    /// The children (experiment numbers) of the edges.
    pub experiments: Vec<i64>,
}

impl FeatureEffect {
    /// Mean delta oriented so that positive is better.
    pub fn mean_gain(&self, direction: Direction) -> f64 {
        match direction {
            Direction::Maximize => self.mean_delta,
            Direction::Minimize => -self.mean_delta,
        }
    }

    /// Whether it mostly helped.
    pub fn helps(&self) -> bool {
        self.improved > self.worsened
    }
}

/// A metric's direction: configured, else guessed from its name (`acc`, `f1`, `reward`, …
/// maximise; anything else minimises), with whether it was guessed.
pub fn direction_of(metric: &str, configured: Option<Direction>) -> (Direction, bool) {
    if let Some(direction) = configured {
        return (direction, false);
    }
    let lowered = metric.to_lowercase();
    const HIGHER_IS_BETTER: &[&str] = &[
        "acc",
        "f1",
        "auc",
        "precision",
        "recall",
        "reward",
        "return",
        "score",
        "iou",
        "bleu",
        "rouge",
        "map",
        "dice",
        "r2",
        "throughput",
    ];
    let maximize = HIGHER_IS_BETTER.iter().any(|word| lowered.contains(word));
    (
        if maximize {
            Direction::Maximize
        } else {
            Direction::Minimize
        },
        true,
    )
}

/// (child number, child − parent) of the edges that changed one path.
type Edges = Vec<(i64, f64)>;

/// The effect of every changed feature path on `metric` (and, with `by_value`, of every
/// (path, value) pair), best mean gain first.
pub fn feature_effects(
    values: &ProjectValues,
    changes: &[FeatureChangeOf],
    metric: &str,
    direction: Direction,
    by_value: bool,
) -> Vec<FeatureEffect> {
    let mut deltas: BTreeMap<(String, Option<String>), Edges> = BTreeMap::new();
    for change in changes {
        let Some(parent) = values.parents.get(&change.number) else {
            continue;
        };
        let (child_value, parent_value) =
            (values.value(change.number, metric), values.value(*parent, metric));
        if !child_value.is_finite() || !parent_value.is_finite() {
            continue;
        }
        let value = by_value.then(|| {
            change
                .value
                .as_ref()
                .map_or_else(|| "(removed)".to_owned(), value_text)
        });
        deltas
            .entry((change.path.clone(), value))
            .or_default()
            .push((change.number, child_value - parent_value));
    }
    let mut effects: Vec<FeatureEffect> = deltas
        .into_iter()
        .map(|((path, value), edges)| effect(path, value, &edges, direction))
        .collect();
    effects.sort_by(|a, b| {
        b.mean_gain(direction)
            .partial_cmp(&a.mean_gain(direction))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.edges.cmp(&a.edges))
            .then_with(|| a.path.cmp(&b.path))
    });
    effects
}

fn effect(path: String, value: Option<String>, edges: &[(i64, f64)], direction: Direction) -> FeatureEffect {
    let mut sorted: Vec<f64> = edges.iter().map(|(_, delta)| *delta).collect();
    sorted.sort_by(f64::total_cmp);
    let better = |delta: f64| match direction {
        Direction::Maximize => delta > 0.0,
        Direction::Minimize => delta < 0.0,
    };
    let improved = sorted.iter().filter(|delta| better(**delta)).count();
    let worsened = sorted
        .iter()
        .filter(|delta| **delta != 0.0 && !better(**delta))
        .count();
    let count = sorted.len();
    let median = if count % 2 == 1 {
        sorted[count / 2]
    } else {
        (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0
    };
    FeatureEffect {
        path,
        value,
        edges: count,
        improved,
        worsened,
        mean_delta: sorted.iter().sum::<f64>() / count as f64,
        median_delta: median,
        range: (sorted[0], sorted[count - 1]),
        consistency: improved.max(worsened) as f64 / count as f64,
        experiments: edges.iter().map(|(number, _)| *number).collect(),
    }
}

/// The configured directions of a project's metrics, by name.
pub fn configured_directions(metrics: &[graph::model::MetricInfo]) -> HashMap<String, Direction> {
    metrics
        .iter()
        .filter_map(|metric| metric.direction.map(|direction| (metric.name.clone(), direction)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph::model::{Aggregation, DagNode, Status};
    use graph::TableMetric;
    use serde_json::json;

    fn values(pairs: &[(i64, Option<i64>, f64)]) -> ProjectValues {
        ProjectValues {
            metrics: vec![TableMetric {
                name: "acc".into(),
                direction: Direction::Maximize,
                aggregation: Aggregation::Last,
                derived: false,
            }],
            nodes: pairs
                .iter()
                .map(|(number, _, _)| DagNode {
                    number: *number,
                    name: number.to_string(),
                    status: Status::Complete,
                    progress: 100,
                })
                .collect(),
            parents: pairs
                .iter()
                .filter_map(|(number, parent, _)| parent.map(|parent| (*number, parent)))
                .collect(),
            values: std::sync::Arc::new(
                pairs
                    .iter()
                    .map(|(number, _, value)| (*number, "acc".to_owned(), *value))
                    .collect(),
            ),
        }
    }

    fn change(number: i64, path: &str, value: serde_json::Value) -> FeatureChangeOf {
        FeatureChangeOf {
            number,
            parent: None,
            path: path.into(),
            op: "replace".into(),
            value: Some(value),
        }
    }

    #[test]
    fn effects_count_improvements_per_path_and_rank_by_mean_gain() {
        let values = values(&[
            (1, None, 0.5),
            (2, Some(1), 0.6),
            (3, Some(1), 0.7),
            (4, Some(2), 0.55),
            (5, Some(1), 0.45),
        ]);
        let changes = vec![
            change(2, "optimizer", json!("adamw")),
            change(3, "optimizer", json!("adamw")),
            change(4, "lr", json!(0.1)),
            change(5, "lr", json!(0.2)),
        ];
        let effects = feature_effects(&values, &changes, "acc", Direction::Maximize, false);
        assert_eq!(effects[0].path, "optimizer");
        assert_eq!(
            (effects[0].edges, effects[0].improved, effects[0].worsened),
            (2, 2, 0)
        );
        assert!((effects[0].mean_delta - 0.15).abs() < 1e-9);
        assert!((effects[0].consistency - 1.0).abs() < 1e-9);
        assert_eq!(effects[1].path, "lr");
        assert_eq!((effects[1].improved, effects[1].worsened), (0, 2));
        assert_eq!(effects[0].experiments, vec![2, 3]);
    }

    #[test]
    fn effects_by_value_split_a_path_and_skip_edges_without_values() {
        let values = values(&[
            (1, None, 0.5),
            (2, Some(1), 0.6),
            (3, Some(1), f64::NAN),
            (4, Some(1), 0.4),
        ]);
        let changes = vec![
            change(2, "optimizer", json!("adamw")),
            change(3, "optimizer", json!("adamw")),
            change(4, "optimizer", json!("sgd")),
        ];
        let effects = feature_effects(&values, &changes, "acc", Direction::Maximize, true);
        assert_eq!(effects.len(), 2);
        assert_eq!(effects[0].value.as_deref(), Some("adamw"));
        assert_eq!(effects[0].edges, 1, "the run without a value is left out");
        assert_eq!(effects[1].value.as_deref(), Some("sgd"));
    }

    #[test]
    fn unconfigured_directions_are_guessed_from_the_name() {
        assert_eq!(direction_of("val_acc", None), (Direction::Maximize, true));
        assert_eq!(direction_of("val_loss", None), (Direction::Minimize, true));
        assert_eq!(
            direction_of("val_loss", Some(Direction::Maximize)),
            (Direction::Maximize, false)
        );
    }
}
