//! Metric reads and project metric configuration over GraphQL.

use async_graphql::{
    Context, Enum, InputObject, InputValueError, InputValueResult, Object, Scalar, ScalarType, SimpleObject,
    Value,
};
use graph::model::metric::{Aggregation, Direction, MetricConfig, MetricSource};
use graph::model::Role;
use graph::Graph;
use ingest::jobs::JobQueue;
use ingest::metric_store::MetricStore;
use ingest::metrics::Downsample;

use super::caller;
use crate::error::GraphQlResultExt;
use crate::evidence::schedule_for_project;

/// The most points a series read returns.
pub const MAX_SERIES_POINTS: i64 = 10_000;
/// Raw points returned after the downsampled series while a run is live.
const LIVE_TAIL_POINTS: usize = 100;

/// A metric value: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (a diverged loss is a
/// result, and JSON has no literal for them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricValue(pub f64);

#[Scalar]
impl ScalarType for MetricValue {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::Number(number) => number
                .as_f64()
                .map(MetricValue)
                .ok_or_else(|| InputValueError::custom("not a number")),
            Value::String(text) => match text.as_str() {
                "NaN" => Ok(MetricValue(f64::NAN)),
                "Infinity" => Ok(MetricValue(f64::INFINITY)),
                "-Infinity" => Ok(MetricValue(f64::NEG_INFINITY)),
                other => Err(InputValueError::custom(format!(
                    "`{other}` is not a metric value: use a number, \"NaN\", \"Infinity\" or \"-Infinity\""
                ))),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        if self.0.is_nan() {
            Value::String("NaN".into())
        } else if self.0.is_infinite() {
            Value::String(if self.0 > 0.0 { "Infinity" } else { "-Infinity" }.into())
        } else {
            serde_json::Number::from_f64(self.0)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
    }
}

/// How a long series is reduced to `maxPoints`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DownsampleGql {
    /// Per bucket, the lowest and the highest point: spikes and NaN/inf always show.
    MinMax,
    /// Largest-triangle-three-buckets: the visually closest line with that many points.
    Lttb,
}

impl From<DownsampleGql> for Downsample {
    fn from(method: DownsampleGql) -> Self {
        match method {
            DownsampleGql::MinMax => Downsample::MinMax,
            DownsampleGql::Lttb => Downsample::Lttb,
        }
    }
}

/// One metric of one experiment, merged (a later value for a step wins) and downsampled.
#[derive(SimpleObject, Debug)]
pub struct Series {
    pub metric: String,
    pub steps: Vec<i64>,
    pub values: Vec<MetricValue>,
    /// While the run is live: its latest raw points, not downsampled.
    pub tail_steps: Vec<i64>,
    pub tail_values: Vec<MetricValue>,
}

/// Whether lower or higher is better.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Direction")]
pub enum DirectionGql {
    Minimize,
    Maximize,
}

/// How one experiment's series becomes one number in tables and comparisons.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Aggregation")]
pub enum AggregationGql {
    /// The value at the last step.
    Last,
    /// The best value, by direction.
    Best,
    /// The mean of the finite values.
    Average,
}

impl From<Direction> for DirectionGql {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Minimize => DirectionGql::Minimize,
            Direction::Maximize => DirectionGql::Maximize,
        }
    }
}

impl From<DirectionGql> for Direction {
    fn from(direction: DirectionGql) -> Self {
        match direction {
            DirectionGql::Minimize => Direction::Minimize,
            DirectionGql::Maximize => Direction::Maximize,
        }
    }
}

impl From<Aggregation> for AggregationGql {
    fn from(aggregation: Aggregation) -> Self {
        match aggregation {
            Aggregation::Last => AggregationGql::Last,
            Aggregation::Best => AggregationGql::Best,
            Aggregation::Average => AggregationGql::Average,
        }
    }
}

impl From<AggregationGql> for Aggregation {
    fn from(aggregation: AggregationGql) -> Self {
        match aggregation {
            AggregationGql::Last => Aggregation::Last,
            AggregationGql::Best => Aggregation::Best,
            AggregationGql::Average => Aggregation::Average,
        }
    }
}

/// A key metric of a project.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(input_name = "MetricConfigInput")]
pub struct MetricConfigGql {
    pub name: String,
    pub direction: DirectionGql,
    pub aggregation: AggregationGql,
    /// For a derived metric: an expression over other metrics of the same experiment, e.g.
    /// `1 - accuracy` (numbers, metric names, + - * /, min, max, abs, log, exp, sqrt). Null for
    /// a logged scalar.
    pub expression: Option<String>,
}

impl From<MetricConfig> for MetricConfigGql {
    fn from(config: MetricConfig) -> Self {
        Self {
            name: config.name,
            direction: config.direction.into(),
            aggregation: config.aggregation.into(),
            expression: match config.source {
                MetricSource::Scalar => None,
                MetricSource::Derived { expression } => Some(expression),
            },
        }
    }
}

impl From<MetricConfigGql> for MetricConfig {
    fn from(config: MetricConfigGql) -> Self {
        Self {
            name: config.name,
            direction: config.direction.into(),
            aggregation: config.aggregation.into(),
            source: match config.expression {
                None => MetricSource::Scalar,
                Some(expression) => MetricSource::Derived { expression },
            },
        }
    }
}

/// What a table row is compared against besides its parent.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Baseline")]
pub enum BaselineGql {
    /// The root of the experiment's primary chain.
    Root,
    /// The project's best experiment by that metric (the runner-up, for the best itself).
    Best,
}

/// A column of the metrics table.
#[derive(SimpleObject, Debug)]
pub struct TableMetricGql {
    pub name: String,
    pub direction: DirectionGql,
    pub aggregation: AggregationGql,
    /// Computed from other metrics by the project's expression.
    pub derived: bool,
}

/// One value with its comparisons; NaN where a side is missing (never 0).
#[derive(SimpleObject, Debug)]
pub struct TableCellGql {
    pub value: MetricValue,
    pub delta_parent: MetricValue,
    pub delta_baseline: MetricValue,
    /// Better than the parent by the metric's direction; null when either is missing or equal.
    pub improved_parent: Option<bool>,
    pub improved_baseline: Option<bool>,
    /// The experiment has no value for this metric.
    pub missing: bool,
}

/// One experiment's row.
#[derive(SimpleObject, Debug)]
pub struct TableRowGql {
    pub number: i64,
    pub name: String,
    pub status: super::types::StatusGql,
    pub parent_number: Option<i64>,
    pub cells: Vec<TableCellGql>,
}

/// The experiment × metric matrix.
#[derive(SimpleObject, Debug)]
pub struct MetricsTableGql {
    pub metrics: Vec<TableMetricGql>,
    pub rows: Vec<TableRowGql>,
    /// Rows matching the filter (the page holds at most `first` of them).
    pub total: i64,
}

/// One experiment's value of a metric.
#[derive(SimpleObject, Debug)]
pub struct MetricPoint {
    pub number: i64,
    pub value: MetricValue,
}

/// An experiment on the Pareto front, with its value of each requested metric.
#[derive(SimpleObject, Debug)]
pub struct ParetoPointGql {
    pub number: i64,
    pub name: String,
    pub values: Vec<MetricValue>,
}

impl From<graph::MetricsTable> for MetricsTableGql {
    fn from(table: graph::MetricsTable) -> Self {
        Self {
            metrics: table
                .metrics
                .into_iter()
                .map(|metric| TableMetricGql {
                    name: metric.name,
                    direction: metric.direction.into(),
                    aggregation: metric.aggregation.into(),
                    derived: metric.derived,
                })
                .collect(),
            rows: table
                .rows
                .into_iter()
                .map(|row| TableRowGql {
                    number: row.number,
                    name: row.name,
                    status: row.status.into(),
                    parent_number: row.parent,
                    cells: row
                        .cells
                        .into_iter()
                        .map(|cell| TableCellGql {
                            value: MetricValue(cell.value),
                            delta_parent: MetricValue(cell.delta_parent),
                            delta_baseline: MetricValue(cell.delta_baseline),
                            improved_parent: cell.improved_parent,
                            improved_baseline: cell.improved_baseline,
                            missing: cell.value.is_nan(),
                        })
                        .collect(),
                })
                .collect(),
            total: table.total as i64,
        }
    }
}

/// Metric reads.
#[derive(Debug, Default)]
pub struct MetricQuery;

#[Object]
impl MetricQuery {
    /// One metric of experiment `number`: merged, de-duplicated and downsampled to at most
    /// `maxPoints` (2 to 10,000; default 2,000) with `method` (default MIN_MAX), optionally
    /// between two steps.
    #[allow(clippy::too_many_arguments)]
    async fn series(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        metric: String,
        #[graphql(default = 2000)] max_points: i64,
        from_step: Option<i64>,
        to_step: Option<i64>,
        #[graphql(default_with = "DownsampleGql::MinMax")] method: DownsampleGql,
    ) -> async_graphql::Result<Series> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        if !(2..=MAX_SERIES_POINTS).contains(&max_points) {
            return Err(graph::Error::invalid(
                "maxPoints",
                format!("must be 2 to {MAX_SERIES_POINTS}"),
            ))
            .gql();
        }
        let step = |field: &str, step: Option<i64>| -> graph::Result<Option<u64>> {
            step.map(|step| {
                u64::try_from(step).map_err(|_| graph::Error::invalid(field, "must not be negative"))
            })
            .transpose()
        };
        let (from_step, to_step) = (step("fromStep", from_step).gql()?, step("toStep", to_step).gql()?);
        let experiment = graph.experiment(&project, number).await.gql()?;
        let store = context.data::<MetricStore>()?;
        let live = experiment.status == graph::model::Status::Running;
        let tail = if live { LIVE_TAIL_POINTS } else { 0 };
        let (series, raw_tail) = store
            .series_with_tail(
                &experiment.id,
                &metric,
                max_points as usize,
                from_step,
                to_step,
                method.into(),
                tail,
            )
            .await
            .gql()?;
        let tail_steps = raw_tail.steps.iter().map(|step| *step as i64).collect();
        let tail_values = raw_tail.values.into_iter().map(MetricValue).collect();
        Ok(Series {
            metric,
            steps: series.steps.iter().map(|step| *step as i64).collect(),
            values: series.values.into_iter().map(MetricValue).collect(),
            tail_steps,
            tail_values,
        })
    }

    /// The experiment × metric table: each metric aggregated as configured, with its delta
    /// against the parent and the baseline and improvement flags by direction. `metrics`
    /// defaults to the configured key metrics; rows can be filtered by status and name and
    /// sorted by a metric (best first, missing last); `first` (1 to 1,000; default 100) rows
    /// after `offset`.
    #[allow(clippy::too_many_arguments)]
    async fn metrics_table(
        &self,
        context: &Context<'_>,
        project: String,
        metrics: Option<Vec<String>>,
        status: Option<super::types::StatusGql>,
        name_contains: Option<String>,
        #[graphql(default_with = "BaselineGql::Root")] baseline: BaselineGql,
        sort_by: Option<String>,
        #[graphql(default = 100)] first: i64,
        #[graphql(default = 0)] offset: i64,
    ) -> async_graphql::Result<MetricsTableGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        graph::check_page_size("first", first).gql()?;
        let offset = usize::try_from(offset)
            .map_err(|_| graph::Error::invalid("offset", "must not be negative"))
            .gql()?;
        let query = graph::TableQuery {
            metrics: metrics.unwrap_or_default(),
            status: status.map(Into::into),
            name_contains,
            baseline: match baseline {
                BaselineGql::Root => graph::Baseline::Root,
                BaselineGql::Best => graph::Baseline::Best,
            },
            sort_by,
            first: first as usize,
            offset,
        };
        Ok(graph.metrics_table(&project, query).await.gql()?.into())
    }

    /// One metric of the chosen experiments, in the order given (NaN where missing).
    async fn compare_metric(
        &self,
        context: &Context<'_>,
        project: String,
        metric: String,
        numbers: Vec<i64>,
    ) -> async_graphql::Result<Vec<MetricPoint>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        if numbers.len() > graph::MAX_PAGE_SIZE as usize {
            return Err(graph::Error::invalid(
                "numbers",
                format!("at most {}", graph::MAX_PAGE_SIZE),
            ))
            .gql();
        }
        Ok(graph
            .compare_metric(&project, &metric, &numbers)
            .await
            .gql()?
            .into_iter()
            .map(|(number, value)| MetricPoint {
                number,
                value: MetricValue(value),
            })
            .collect())
    }

    /// A metric along every root-to-leaf path of the DAG (root first), one list per leaf.
    async fn metric_trends(
        &self,
        context: &Context<'_>,
        project: String,
        metric: String,
    ) -> async_graphql::Result<Vec<Vec<MetricPoint>>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .metric_trends(&project, &metric)
            .await
            .gql()?
            .into_iter()
            .map(|path| {
                path.into_iter()
                    .map(|(number, value)| MetricPoint {
                        number,
                        value: MetricValue(value),
                    })
                    .collect()
            })
            .collect())
    }

    /// The experiments no other beats on every one of `metrics` (two or more, each by its
    /// configured direction; unconfigured ones are minimised).
    async fn pareto_front(
        &self,
        context: &Context<'_>,
        project: String,
        metrics: Vec<String>,
    ) -> async_graphql::Result<Vec<ParetoPointGql>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .pareto_front(&project, &metrics)
            .await
            .gql()?
            .into_iter()
            .map(|point| ParetoPointGql {
                number: point.number,
                name: point.name,
                values: point.values.into_iter().map(MetricValue).collect(),
            })
            .collect())
    }

    /// The project's key metrics.
    async fn metric_configs(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<Vec<MetricConfigGql>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .metric_configs(&project)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Metric configuration changes.
#[derive(Debug, Default)]
pub struct MetricMutation;

#[Object]
impl MetricMutation {
    /// Adds or changes a key metric of a project (project admins). A derived metric's
    /// expression is parsed, never run as code.
    async fn set_metric_config(
        &self,
        context: &Context<'_>,
        project: String,
        config: MetricConfigGql,
    ) -> async_graphql::Result<MetricConfigGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Admin)
            .await
            .gql()?;
        let stored = graph.set_metric_config(&project, config.into()).await.gql()?;
        // Directions and aggregations decide every unit of the project's evidence.
        schedule_for_project(graph, context.data::<JobQueue>()?, &project).await;
        Ok(stored.into())
    }

    /// Removes a key metric of a project (project admins); its logged values stay.
    async fn remove_metric_config(
        &self,
        context: &Context<'_>,
        project: String,
        name: String,
    ) -> async_graphql::Result<bool> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Admin)
            .await
            .gql()?;
        graph.remove_metric_config(&project, &name).await.gql()?;
        schedule_for_project(graph, context.data::<JobQueue>()?, &project).await;
        Ok(true)
    }
}
