//! A project's metric configuration: which direction is better, which value represents a
//! run, and derived metrics computed from others.
//!
//! A metric is one `(:Metric {key: '<project id>/<name>'})` node per project and name,
//! created by whichever comes first: its configuration or an experiment measuring it. An
//! unconfigured metric has no `direction`.

use std::collections::{BTreeMap, BTreeSet};

use tracing::instrument;

use super::Graph;
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::ProjectId;
use crate::metric_expr::Expr;
use crate::model::{Aggregation, Direction, MetricConfig, MetricInfo, MetricSource};
use crate::queries;
use crate::value::{Params, Row};

/// The longest metric name, in characters.
pub(super) const MAX_METRIC_NAME_LENGTH: usize = 200;

/// Checks a metric name: 1 to 200 characters, none of them a control character.
pub(super) fn validate_metric_name(field: &str, name: &str) -> Result<()> {
    let length = name.chars().count();
    if length == 0 || length > MAX_METRIC_NAME_LENGTH || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!(
                "a metric name must be 1 to {MAX_METRIC_NAME_LENGTH} characters without control characters"
            ),
        ));
    }
    Ok(())
}

/// The stored key of metric `name` in a project: indexed, unique.
pub(super) fn metric_key(project_id: &ProjectId, name: &str) -> String {
    format!("{project_id}/{name}")
}

/// The metrics each derived metric reads, for the cycle check.
type Dependencies = BTreeMap<String, BTreeSet<String>>;

/// A derived-metric cycle through `start`, as the names around it (first and last equal).
fn cycle_through(start: &str, dependencies: &Dependencies) -> Option<Vec<String>> {
    fn visit(
        current: &str,
        start: &str,
        dependencies: &Dependencies,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in dependencies.get(current).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if visit(next, start, dependencies, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    let mut seen = BTreeSet::new();
    visit(start, start, dependencies, &mut path, &mut seen).then_some(path)
}

/// Validates a configuration on its own: its name and, when derived, its expression.
fn validate_config(config: &MetricConfig) -> Result<Option<BTreeSet<String>>> {
    validate_metric_name("name", &config.name)?;
    let MetricSource::Derived { expression } = &config.source else {
        return Ok(None);
    };
    let reads = Expr::parse(expression)?.metrics();
    if reads.is_empty() {
        return Err(Error::invalid(
            "expression",
            "a derived metric must read at least one metric",
        ));
    }
    if reads.contains(&config.name) {
        return Err(Error::invalid(
            "expression",
            format!("derived metric `{}` reads itself", config.name),
        ));
    }
    for name in &reads {
        validate_metric_name("expression", name)?;
    }
    Ok(Some(reads))
}

fn info_from_row(row: &Row) -> Result<MetricInfo> {
    let source = match (
        row.opt_string("source")?.as_deref(),
        row.opt_string("expression")?,
    ) {
        (Some("derived"), Some(expression)) => MetricSource::Derived { expression },
        (None | Some("scalar"), _) => MetricSource::Scalar,
        (Some(other), _) => {
            return Err(Error::Internal(format!(
                "stored metric source `{other}` is unknown"
            )));
        }
    };
    Ok(MetricInfo {
        name: row.string("name")?,
        direction: row
            .opt_string("direction")?
            .as_deref()
            .map(Direction::parse)
            .transpose()?,
        aggregation: row
            .opt_string("aggregation")?
            .as_deref()
            .map(Aggregation::parse)
            .transpose()?,
        source,
    })
}

impl Graph {
    /// Every metric of a project, configured or only measured, by name.
    pub async fn project_metrics(&self, project: &str) -> Result<Vec<MetricInfo>> {
        let project = self.project(project).await?;
        self.metrics_of(&project.id).await
    }

    pub(super) async fn metrics_of(&self, project_id: &ProjectId) -> Result<Vec<MetricInfo>> {
        let params = Params::new().with("project_id", project_id.as_str());
        let rows = self
            .executor
            .execute(&queries::METRIC_PROJECT_METRICS, params)
            .await?;
        let mut metrics = rows.iter().map(info_from_row).collect::<Result<Vec<_>>>()?;
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(metrics)
    }

    /// The configured metrics of a project, by name.
    pub async fn metric_configs(&self, project: &str) -> Result<Vec<MetricConfig>> {
        let metrics = self.project_metrics(project).await?;
        Ok(metrics.iter().filter_map(MetricInfo::config).collect())
    }

    /// Configures (or reconfigures) a metric of a project. A derived metric's expression must
    /// parse, must not read the metric itself and must not close a cycle among derived
    /// metrics; each is [`Error::Invalid`] on `expression`.
    #[instrument(skip_all, fields(project = %project, metric = %config.name))]
    pub async fn set_metric_config(&self, project: &str, config: MetricConfig) -> Result<MetricConfig> {
        let reads = validate_config(&config)?;
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        if let Some(reads) = reads {
            let mut dependencies: Dependencies = BTreeMap::new();
            for other in self.metrics_of(&project.id).await? {
                if let (Some(_), MetricSource::Derived { expression }) = (other.direction, &other.source) {
                    // A stored expression that no longer parses reads nothing: it cannot cycle.
                    let other_reads = Expr::parse(expression).map(|e| e.metrics()).unwrap_or_default();
                    dependencies.insert(other.name, other_reads);
                }
            }
            dependencies.insert(config.name.clone(), reads);
            if let Some(cycle) = cycle_through(&config.name, &dependencies) {
                return Err(Error::invalid(
                    "expression",
                    format!("derived metrics would form a cycle: {}", cycle.join(" -> ")),
                ));
            }
        }
        let (source, expression) = match &config.source {
            MetricSource::Scalar => ("scalar", None),
            MetricSource::Derived { expression } => ("derived", Some(expression.as_str())),
        };
        let params = Params::new()
            .with("key", metric_key(&project.id, &config.name))
            .with("project_id", project.id.as_str())
            .with("name", config.name.as_str())
            .with("direction", config.direction.as_str())
            .with("aggregation", config.aggregation.as_str())
            .with("source", source)
            .with("expression", expression);
        self.executor
            .execute_atomic(vec![Statement::new(&queries::METRIC_CONFIG_SET, params)])
            .await?;
        Ok(config)
    }

    /// Removes a metric's configuration. A measured or targeted metric stays listed as
    /// unconfigured; [`Error::NotFound`] when the metric has no configuration.
    #[instrument(skip_all, fields(project = %project, metric = %name))]
    pub async fn remove_metric_config(&self, project: &str, name: &str) -> Result<()> {
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let key = metric_key(&project.id, name);
        let rows = self
            .executor
            .execute(
                &queries::METRIC_CONFIG_MEASURED_COUNT,
                Params::new().with("key", key.as_str()),
            )
            .await?;
        let Some(row) = rows.first() else {
            return Err(Error::NotFound {
                entity: "metric configuration",
                id: format!("{name} in project {}", project.name),
            });
        };
        // A metric that a run measured or a hypothesis targets keeps its node (unconfigured).
        let query = if row.int("measured")? > 0 || row.int("targeted")? > 0 {
            &queries::METRIC_CONFIG_CLEAR
        } else {
            &queries::METRIC_DELETE_UNMEASURED
        };
        self.executor
            .execute_atomic(vec![Statement::new(query, Params::new().with("key", key))])
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(name: &str, expression: &str) -> MetricConfig {
        MetricConfig {
            name: name.into(),
            direction: Direction::Minimize,
            aggregation: Aggregation::Last,
            source: MetricSource::Derived {
                expression: expression.into(),
            },
        }
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert!(validate_metric_name("name", "val/loss").is_ok());
        assert!(validate_metric_name("name", &"é".repeat(200)).is_ok());
        for bad in ["", "a\nb", "nul\0", &"x".repeat(201)] {
            assert!(validate_metric_name("name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_derived_metric_reading_itself_is_refused() {
        let error = validate_config(&derived("loss", "loss * 2")).expect_err("self reference");
        assert!(error.to_string().starts_with("expression:"), "{error}");
    }

    #[test]
    fn cycles_are_found_and_named() {
        let mut dependencies = Dependencies::new();
        dependencies.insert("a".into(), ["b".to_owned()].into());
        dependencies.insert("b".into(), ["c".to_owned(), "x".to_owned()].into());
        dependencies.insert("c".into(), ["a".to_owned()].into());
        assert_eq!(
            cycle_through("a", &dependencies).expect("cycle"),
            vec!["a", "b", "c", "a"]
        );
        dependencies.insert("c".into(), ["x".to_owned()].into());
        assert!(cycle_through("a", &dependencies).is_none());
    }
}
