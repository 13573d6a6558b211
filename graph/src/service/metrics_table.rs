//! The experiment × metric views: the metrics table (each metric aggregated as configured,
//! with deltas against the parent and the baseline), trends along the DAG and Pareto fronts.
//!
//! Values come from the `MEASURED` summaries (one read for the whole project) and the DAG
//! view (one read), never from series. A metric an experiment lacks is NaN everywhere, never
//! 0; a derived metric is its expression over the experiment's other aggregated values.
//! Improvement respects direction: for a minimised metric a negative delta is better.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::metric_expr::Expr;
use crate::model::metric::{Aggregation, Direction, MeasuredSummary, MetricConfig, MetricSource};
use crate::model::{Dag, DagNode, EdgeKind, Status};

use super::{Graph, ProjectSummaries};
use crate::ids::ProjectId;
use crate::queries;
use crate::value::Params;

/// The most metrics one table shows.
pub const MAX_TABLE_METRICS: usize = 100;

/// What the table compares each experiment against besides its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The root of the experiment's primary chain.
    Root,
    /// The project's best experiment by that metric (excluding the experiment itself).
    Best,
}

/// Which rows, in which order.
#[derive(Debug, Clone)]
pub struct TableQuery {
    /// Metric names; empty means the project's configured metrics (or, with none configured,
    /// every measured one).
    pub metrics: Vec<String>,
    pub status: Option<Status>,
    /// Only experiments whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    pub baseline: Baseline,
    /// Sort by this metric's value (best first, by direction; NaN last); by number otherwise.
    pub sort_by: Option<String>,
    pub first: usize,
    /// Rows to skip (the page's offset).
    pub offset: usize,
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMetric {
    pub name: String,
    /// Minimise unless configured.
    pub direction: Direction,
    pub aggregation: Aggregation,
    pub derived: bool,
}

/// One value with its comparisons; NaN where a side is missing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableCell {
    pub value: f64,
    /// Value minus the parent's value (NaN without a parent or a value).
    pub delta_parent: f64,
    /// Value minus the baseline's value.
    pub delta_baseline: f64,
    /// Better than the parent by direction (`None` when either side is missing or equal).
    pub improved_parent: Option<bool>,
    pub improved_baseline: Option<bool>,
}

/// One experiment's row.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub number: i64,
    pub name: String,
    pub status: Status,
    pub parent: Option<i64>,
    pub cells: Vec<TableCell>,
}

/// The whole answer: columns, the requested page of rows and how many rows match.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsTable {
    pub metrics: Vec<TableMetric>,
    pub rows: Vec<TableRow>,
    pub total: usize,
}

/// A point of the Pareto front.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    pub number: i64,
    pub name: String,
    pub values: Vec<f64>,
}

/// Aggregated values of every experiment, one column per metric (NaN where an experiment has
/// no value), so that a column's best or a sort reads one array rather than 10,000 maps.
#[derive(Debug, Default, PartialEq)]
pub struct MetricValues {
    /// Experiment number → its row in every column.
    rows: HashMap<i64, usize>,
    /// The experiment of each row.
    numbers: Vec<i64>,
    columns: HashMap<String, Vec<f64>>,
}

impl MetricValues {
    /// The row of experiment `number`, added (NaN in every column) if it had none.
    fn row(&mut self, number: i64) -> usize {
        let next = self.numbers.len();
        let row = *self.rows.entry(number).or_insert(next);
        if row == next {
            self.numbers.push(number);
            for column in self.columns.values_mut() {
                column.push(f64::NAN);
            }
        }
        row
    }

    /// Sets `metric` of the experiment in `row`.
    fn set(&mut self, row: usize, metric: &str, value: f64) {
        let column = match self.columns.get_mut(metric) {
            Some(column) => column,
            None => self
                .columns
                .entry(metric.to_owned())
                .or_insert_with(|| vec![f64::NAN; self.numbers.len()]),
        };
        column[row] = value;
    }

    /// `metric` of experiment `number` (NaN where it has none).
    fn get(&self, number: i64, metric: &str) -> f64 {
        match (self.rows.get(&number), self.columns.get(metric)) {
            (Some(row), Some(column)) => column[*row],
            _ => f64::NAN,
        }
    }
}

/// (experiment number, metric, value) cells.
impl FromIterator<(i64, String, f64)> for MetricValues {
    fn from_iter<I: IntoIterator<Item = (i64, String, f64)>>(cells: I) -> Self {
        let mut values = MetricValues::default();
        for (number, metric, value) in cells {
            let row = values.row(number);
            values.set(row, &metric, value);
        }
        values
    }
}

/// Each project's [`MetricValues`] by values version and metric configuration.
pub(crate) type ValuesCache = super::chunks::VersionedCache<(i64, String), MetricValues>;

/// Every experiment of a project with its aggregated metric values (derived metrics
/// included): what the runs table, rankings and cross-experiment reasoning read.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectValues {
    /// The metrics read, with the direction and aggregation their values follow.
    pub metrics: Vec<TableMetric>,
    /// Every experiment of the project, by number.
    pub nodes: Vec<DagNode>,
    /// The primary parent of every experiment that has one.
    pub parents: HashMap<i64, i64>,
    /// Every experiment's aggregated value of every metric.
    pub values: Arc<MetricValues>,
}

impl ProjectValues {
    /// `metric` of experiment `number` (NaN where it has none).
    pub fn value(&self, number: i64, metric: &str) -> f64 {
        self.values.get(number, metric)
    }

    /// The column of `metric`, when it was read.
    pub fn metric(&self, name: &str) -> Option<&TableMetric> {
        self.metrics.iter().find(|metric| metric.name == name)
    }
}

impl Graph {
    /// The metrics table of `project`.
    pub async fn metrics_table(&self, project: &str, query: TableQuery) -> Result<MetricsTable> {
        let ProjectValues {
            metrics: columns,
            nodes,
            parents,
            values,
        } = self.project_values(project, &query.metrics).await?;
        let lowered = query.name_contains.as_ref().map(|text| text.to_lowercase());
        let mut matching: Vec<_> = nodes
            .iter()
            .filter(|node| query.status.is_none_or(|status| node.status == status))
            .filter(|node| {
                lowered
                    .as_ref()
                    .is_none_or(|text| node.name.to_lowercase().contains(text))
            })
            .collect();
        if let Some(metric) = &query.sort_by {
            let column = columns
                .iter()
                .find(|column| &column.name == metric)
                .ok_or_else(|| {
                    Error::invalid("sortBy", format!("`{metric}` is not a column of this table"))
                })?;
            // Sorted by the column's value alone (read once per row); the stable sort keeps
            // experiment order among equals.
            let mut keyed: Vec<_> = matching
                .into_iter()
                .map(|node| (values.get(node.number, &column.name), node))
                .collect();
            keyed.sort_by(|(a, _), (b, _)| better_first(*a, *b, column.direction));
            matching = keyed.into_iter().map(|(_, node)| node).collect();
        }
        let total = matching.len();
        // Cells (deltas, flags, baselines) only for the page's rows.
        let podiums: Vec<Podium> = columns.iter().map(|column| podium(&values, column)).collect();
        let rows = matching
            .into_iter()
            .skip(query.offset)
            .take(query.first)
            .map(|node| {
                let parent = parents.get(&node.number).copied();
                // The row's root is the same for every column: found once per row.
                let root = match query.baseline {
                    Baseline::Root => primary_chain(&parents, node.number).last().copied(),
                    Baseline::Best => None,
                };
                let cells = columns
                    .iter()
                    .zip(&podiums)
                    .map(|(column, best)| {
                        cell(column, *best, node.number, parent, root, &values, query.baseline)
                    })
                    .collect();
                TableRow {
                    number: node.number,
                    name: node.name.clone(),
                    status: node.status,
                    parent,
                    cells,
                }
            })
            .collect();
        Ok(MetricsTable {
            metrics: columns,
            rows,
            total,
        })
    }

    /// `metric` of the chosen experiments, in the order given (NaN where missing).
    pub async fn compare_metric(
        &self,
        project: &str,
        metric: &str,
        numbers: &[i64],
    ) -> Result<Vec<(i64, f64)>> {
        let values = self.project_values(project, &[metric.to_owned()]).await?;
        Ok(numbers
            .iter()
            .map(|number| (*number, values.value(*number, metric)))
            .collect())
    }

    /// `metric` along every root-to-leaf path of the primary DAG: one list of
    /// (experiment number, value) per leaf, root first.
    pub async fn metric_trends(&self, project: &str, metric: &str) -> Result<Vec<Vec<(i64, f64)>>> {
        let values = self.project_values(project, &[metric.to_owned()]).await?;
        let has_children: std::collections::HashSet<i64> = values.parents.values().copied().collect();
        let mut paths = Vec::new();
        for leaf in values
            .nodes
            .iter()
            .filter(|node| !has_children.contains(&node.number))
        {
            let path = primary_chain(&values.parents, leaf.number)
                .into_iter()
                .rev()
                .map(|number| (number, values.value(number, metric)))
                .collect();
            paths.push(path);
        }
        Ok(paths)
    }

    /// The experiments no other experiment beats on every one of `metrics` (each by its
    /// direction); experiments missing any of them are left out.
    pub async fn pareto_front(&self, project: &str, metrics: &[String]) -> Result<Vec<ParetoPoint>> {
        if metrics.len() < 2 {
            return Err(Error::invalid(
                "metrics",
                "a Pareto front needs at least two metrics",
            ));
        }
        let ProjectValues {
            metrics: columns,
            nodes,
            values,
            ..
        } = self.project_values(project, metrics).await?;
        let candidates: Vec<ParetoPoint> = nodes
            .iter()
            .map(|node| ParetoPoint {
                number: node.number,
                name: node.name.clone(),
                values: columns
                    .iter()
                    .map(|column| values.get(node.number, &column.name))
                    .collect(),
            })
            .filter(|point| point.values.iter().all(|value| !value.is_nan()))
            .collect();
        let dominates = |a: &ParetoPoint, b: &ParetoPoint| {
            let mut strictly = false;
            for (index, column) in columns.iter().enumerate() {
                let (x, y) = oriented(a.values[index], b.values[index], column.direction);
                if x < y {
                    return false;
                }
                strictly |= x > y;
            }
            strictly
        };
        Ok(candidates
            .iter()
            .filter(|point| !candidates.iter().any(|other| dominates(other, point)))
            .cloned()
            .collect())
    }

    /// Every experiment's aggregated values of `requested` metrics (empty: the configured
    /// ones, or with none configured every measured one), with the DAG's nodes and primary
    /// parents.
    pub async fn project_values(&self, project: &str, requested: &[String]) -> Result<ProjectValues> {
        if requested.len() > MAX_TABLE_METRICS {
            return Err(Error::invalid(
                "metrics",
                format!("at most {MAX_TABLE_METRICS} metrics"),
            ));
        }
        let infos = self.project_metrics(project).await?;
        let configured: BTreeMap<String, MetricConfig> = infos
            .iter()
            .filter_map(|info| info.config().map(|config| (info.name.clone(), config)))
            .collect();
        let names: Vec<String> = if !requested.is_empty() {
            requested.to_vec()
        } else if !configured.is_empty() {
            configured.keys().cloned().collect()
        } else {
            infos.iter().map(|info| info.name.clone()).collect()
        };
        let columns: Vec<TableMetric> = names
            .iter()
            .map(|name| match configured.get(name) {
                Some(config) => TableMetric {
                    name: name.clone(),
                    direction: config.direction,
                    aggregation: config.aggregation,
                    derived: matches!(config.source, MetricSource::Derived { .. }),
                },
                None => TableMetric {
                    name: name.clone(),
                    direction: Direction::Minimize,
                    aggregation: Aggregation::Last,
                    derived: false,
                },
            })
            .collect();
        let (project_id, dag, version, measured) = self.dag_and_summaries(project).await?;
        let parents: HashMap<i64, i64> = dag
            .edges
            .iter()
            .filter(|edge| edge.kind == EdgeKind::ChildOf)
            .map(|edge| (edge.to, edge.from))
            .collect();
        // The values follow from the summaries (one values version) and the configuration
        // alone; experiments created since have none (NaN, as when they are computed).
        let key = (version, format!("{configured:?}"));
        let values = match self.table_values.current(&project_id, &key) {
            Some(values) => values,
            None => {
                let values = Arc::new(compute_values(&measured, &configured, &dag.nodes)?);
                self.table_values.keep(&project_id, key, values.clone());
                values
            }
        };
        Ok(ProjectValues {
            metrics: columns,
            nodes: dag.nodes,
            parents,
            values,
        })
    }

    /// The project's id, DAG, values version and summaries: each as this process keeps it
    /// while its version holds, what is not kept from one query against the versions read here,
    /// and both from one pass over the project's experiments when neither is kept (the first
    /// read after a start decoded every experiment twice).
    async fn dag_and_summaries(&self, project: &str) -> Result<(ProjectId, Dag, i64, Arc<ProjectSummaries>)> {
        let project = self.project(project).await?;
        let (dag_version, values_version) =
            tokio::try_join!(self.dag_version(&project.id), self.values_version(&project.id))?;
        // Read after the versions: a change landing meanwhile makes a version newer, so the
        // next call reads again.
        let kept_dag = self.dags.current(&project.id, &dag_version);
        let kept_summaries = self.kept_summaries(&project.id, values_version);
        // One query reads whatever is not kept (the versions above are the ones it is kept for).
        let query = match (&kept_dag, &kept_summaries) {
            (Some(_), Some(_)) => None,
            (None, None) => Some(&queries::METRIC_TABLE_IN_PROJECT),
            (None, Some(_)) => Some(&queries::DAG_NODES),
            (Some(_), None) => Some(&queries::METRIC_MEASURED_IN_PROJECT),
        };
        let rows = match query {
            Some(query) => {
                let params = Params::new().with("project_id", project.id.as_str());
                self.executor.execute(query, params).await?
            }
            None => Vec::new(),
        };
        let dag = match kept_dag {
            Some(dag) => Dag::clone(&dag),
            None => self.keep_dag(&project.id, dag_version, &rows)?,
        };
        let summaries = match kept_summaries {
            Some(summaries) => summaries,
            None => self.keep_summaries(&project.id, values_version, &rows)?,
        };
        Ok((project.id, dag, values_version, summaries))
    }
}

/// Every experiment's value of every measured and derived metric, by the configuration.
fn compute_values(
    measured: &ProjectSummaries,
    configured: &BTreeMap<String, MetricConfig>,
    nodes: &[DagNode],
) -> Result<MetricValues> {
    let mut values = MetricValues::default();
    for node in nodes {
        values.row(node.number);
    }
    for (number, summaries) in measured.iter() {
        let row = values.row(*number);
        for summary in summaries.iter() {
            let config = configured.get(&summary.metric);
            let aggregation = config.map_or(Aggregation::Last, |c| c.aggregation);
            let direction = config.map_or(Direction::Minimize, |c| c.direction);
            values.set(row, &summary.metric, aggregate(summary, aggregation, direction));
        }
    }
    let derived: Vec<(String, Expr)> = configured
        .values()
        .filter_map(|config| match &config.source {
            MetricSource::Derived { expression } => Some((config.name.clone(), expression.clone())),
            MetricSource::Scalar => None,
        })
        .map(|(name, expression)| Expr::parse(&expression).map(|expr| (name, expr)))
        .collect::<Result<_>>()?;
    if !derived.is_empty() {
        for node in nodes {
            let row = values.row(node.number);
            // Derived metrics read logged ones (set_metric_config refuses cycles), so one
            // pass per level of nesting settles them; a few passes cover any sane depth.
            for _ in 0..derived.len() {
                for (name, expr) in &derived {
                    let value = expr.eval(&|metric| values.columns.get(metric).map(|column| column[row]));
                    values.set(row, name, value);
                }
            }
        }
    }
    Ok(values)
}

/// One summary as the number its aggregation asks for.
pub(super) fn aggregate(summary: &MeasuredSummary, aggregation: Aggregation, direction: Direction) -> f64 {
    match aggregation {
        Aggregation::Last => summary.last,
        Aggregation::Average => summary.mean,
        Aggregation::Best => match direction {
            Direction::Minimize => summary.min,
            Direction::Maximize => summary.max,
        },
    }
}

/// The pair turned so that larger is better.
fn oriented(a: f64, b: f64, direction: Direction) -> (f64, f64) {
    match direction {
        Direction::Maximize => (a, b),
        Direction::Minimize => (-a, -b),
    }
}

/// Better values first by direction; NaN last.
fn better_first(a: f64, b: f64, direction: Direction) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        (false, false) => {
            let (x, y) = oriented(a, b, direction);
            y.total_cmp(&x)
        }
    }
}

/// Whether `value` beats `other` by direction (`None` when either is NaN or they tie).
fn improved(value: f64, other: f64, direction: Direction) -> Option<bool> {
    if value.is_nan() || other.is_nan() || value == other {
        return None;
    }
    let (x, y) = oriented(value, other, direction);
    Some(x > y)
}

/// The best and second-best experiment of one metric (the best baseline of the best
/// experiment is the runner-up).
#[derive(Debug, Clone, Copy, Default)]
struct Podium {
    first: Option<(i64, f64)>,
    second: Option<(i64, f64)>,
}

fn podium(values: &MetricValues, column: &TableMetric) -> Podium {
    let mut podium = Podium::default();
    let Some(cells) = values.columns.get(&column.name) else {
        return podium;
    };
    for (number, value) in values.numbers.iter().zip(cells.iter().copied()) {
        if value.is_nan() {
            continue;
        }
        let beats = |place: Option<(i64, f64)>| {
            place.is_none_or(|(held_by, held)| {
                improved(value, held, column.direction) == Some(true) || (value == held && *number < held_by)
            })
        };
        if beats(podium.first) {
            podium.second = podium.first;
            podium.first = Some((*number, value));
        } else if beats(podium.second) {
            podium.second = Some((*number, value));
        }
    }
    podium
}

/// `number` and its primary ancestors, nearest first, ending at its root.
fn primary_chain(parents: &HashMap<i64, i64>, number: i64) -> Vec<i64> {
    let mut chain = vec![number];
    while let Some(up) = chain.last().and_then(|last| parents.get(last)) {
        if chain.len() > parents.len() {
            break; // defensive: the DAG is acyclic by construction
        }
        chain.push(*up);
    }
    chain
}

/// One cell; `root` is the row's primary root (for the root baseline).
#[allow(clippy::too_many_arguments)]
fn cell(
    column: &TableMetric,
    best: Podium,
    number: i64,
    parent: Option<i64>,
    root: Option<i64>,
    values: &MetricValues,
    baseline: Baseline,
) -> TableCell {
    let value = values.get(number, &column.name);
    let parent_value = parent.map_or(f64::NAN, |parent| values.get(parent, &column.name));
    let baseline_value = match baseline {
        Baseline::Root => match root {
            Some(root) if root != number => values.get(root, &column.name),
            _ => f64::NAN,
        },
        Baseline::Best => match best {
            Podium {
                first: Some((winner, _)),
                second,
            } if winner == number => second.map_or(f64::NAN, |(_, value)| value),
            Podium { first, .. } => first.map_or(f64::NAN, |(_, value)| value),
        },
    };
    TableCell {
        value,
        delta_parent: value - parent_value,
        delta_baseline: value - baseline_value,
        improved_parent: improved(value, parent_value, column.direction),
        improved_baseline: improved(value, baseline_value, column.direction),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn improvement_respects_direction_and_nan_is_never_better() {
        assert_eq!(improved(0.1, 0.2, Direction::Minimize), Some(true));
        assert_eq!(improved(0.1, 0.2, Direction::Maximize), Some(false));
        assert_eq!(improved(f64::NAN, 0.2, Direction::Minimize), None);
        assert_eq!(improved(0.2, 0.2, Direction::Minimize), None);
        let mut values = [0.3, f64::NAN, 0.1, 0.2];
        values.sort_by(|a, b| better_first(*a, *b, Direction::Minimize));
        assert_eq!(&values[..3], &[0.1, 0.2, 0.3]);
        assert!(values[3].is_nan());
    }
}
