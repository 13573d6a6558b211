//! A run in a few sentences: its feature changes against its primary parent, whether its code
//! and files differ from the parent's, its metric deltas, and its share of hypotheses.

use std::collections::BTreeMap;

use graph::model::Direction;
use graph::FeatureSet;

use super::{configured_directions, direction_of, Assistant};
use crate::ask::vocabulary::value_text;
use crate::error::Result;

/// One metric of a run against its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDelta {
    pub metric: String,
    pub parent_value: f64,
    pub value: f64,
    /// Better than the parent by the metric's direction (`None` when equal or a side is missing).
    pub improved: Option<bool>,
}

/// What the assistant says about a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSummary {
    pub number: i64,
    pub name: String,
    pub parent: Option<i64>,
    /// The feature paths it changed against its parent.
    pub feature_changes: Vec<FeatureSet>,
    pub metric_deltas: Vec<MetricDelta>,
    /// (hypothesis title, contribution) for each hypothesis it is evidence for.
    pub hypotheses: Vec<(String, f64)>,
    /// The summary in a few sentences.
    pub sentences: Vec<String>,
}

fn format_value(value: f64) -> String {
    if value == 0.0 || (value.abs() >= 0.001 && value.abs() < 100_000.0) {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{value:.3e}")
    }
}

/// A number as answers print it (4 decimals at most, scientific when tiny or huge).
pub fn number_text(value: f64) -> String {
    if value.is_nan() {
        "no value".to_owned()
    } else {
        format_value(value)
    }
}

/// A signed difference as answers print it.
pub fn delta_text(delta: f64) -> String {
    if delta >= 0.0 {
        format!("+{}", format_value(delta))
    } else {
        format_value(delta)
    }
}

impl Assistant {
    /// Summarizes run `number` of `project`.
    pub async fn summarize(&self, project: &str, number: i64) -> Result<ExperimentSummary> {
        let graph = &self.graph;
        let experiment = graph.experiment(project, number).await?;
        let parent = graph.primary_parent(&experiment).await?;
        let feature_changes = graph.feature_sets(&experiment).await?;
        let metrics = graph.project_metrics(project).await?;
        let configured = configured_directions(&metrics);
        let names: Vec<String> = metrics.iter().map(|metric| metric.name.clone()).collect();
        let values = graph.project_values(project, &names).await?;
        let metric_deltas: Vec<MetricDelta> = names
            .iter()
            .filter(|metric| values.value(number, metric).is_finite())
            .map(|metric| {
                let value = values.value(number, metric);
                let parent_value = parent
                    .as_ref()
                    .map_or(f64::NAN, |p| values.value(p.number, metric));
                let (direction, _) = direction_of(metric, configured.get(metric).copied());
                let improved =
                    (parent_value.is_finite() && value != parent_value).then_some(match direction {
                        Direction::Maximize => value > parent_value,
                        Direction::Minimize => value < parent_value,
                    });
                MetricDelta {
                    metric: metric.clone(),
                    parent_value,
                    value,
                    improved,
                }
            })
            .collect();
        let mut hypotheses = Vec::new();
        for (id, contribution) in graph.experiment_evidence(&experiment.id).await? {
            let (_, hypothesis) = graph.hypothesis_by_id(&id).await?;
            hypotheses.push((hypothesis.title, contribution.contribution));
        }

        let mut sentences = Vec::new();
        let label = format!("#{} {}", experiment.number, experiment.name);
        match &parent {
            None => sentences.push(format!("{label} is a root run ({}).", experiment.status.as_str())),
            Some(parent) => {
                let changes: Vec<String> = feature_changes
                    .iter()
                    .map(|change| match &change.value {
                        Some(value) => format!("{} to {}", change.path, value_text(value)),
                        None => format!("removed {}", change.path),
                    })
                    .collect();
                let changed = if changes.is_empty() {
                    "changes no feature".to_owned()
                } else {
                    format!("sets {}", changes.join(", "))
                };
                sentences.push(format!(
                    "{label} ({}) derives from #{} and {changed}.",
                    experiment.status.as_str(),
                    parent.number
                ));
                if let Some(sentence) = self.code_and_files_sentence(&experiment, parent).await? {
                    sentences.push(sentence);
                }
            }
        }
        let described: Vec<String> = metric_deltas
            .iter()
            .map(|delta| match delta.improved {
                Some(improved) => format!(
                    "{} {} {} → {} ({})",
                    delta.metric,
                    if improved { "improved" } else { "worsened" },
                    number_text(delta.parent_value),
                    number_text(delta.value),
                    delta_text(delta.value - delta.parent_value)
                ),
                None => format!("{} is {}", delta.metric, number_text(delta.value)),
            })
            .collect();
        if !described.is_empty() {
            // Metric names keep their spelling: the sentence does not start with one.
            sentences.push(format!("Metrics: {}.", described.join("; ")));
        }
        if !hypotheses.is_empty() {
            let shares: Vec<String> = hypotheses
                .iter()
                .map(|(title, contribution)| {
                    let side = if *contribution >= 0.0 {
                        "supports"
                    } else {
                        "weighs against"
                    };
                    format!("{side} \"{title}\" ({})", delta_text(*contribution))
                })
                .collect();
            sentences.push(format!("It {}.", shares.join(" and ")));
        }
        Ok(ExperimentSummary {
            number,
            name: experiment.name,
            parent: parent.map(|parent| parent.number),
            feature_changes,
            metric_deltas,
            hypotheses,
            sentences,
        })
    }

    async fn code_and_files_sentence(
        &self,
        experiment: &graph::model::Experiment,
        parent: &graph::model::Experiment,
    ) -> Result<Option<String>> {
        let graph = &self.graph;
        let mut parts = Vec::new();
        let (code, parent_code) = tokio::try_join!(
            graph.code_snapshot(&experiment.id),
            graph.code_snapshot(&parent.id)
        )?;
        match (code, parent_code) {
            (Some(code), Some(parent_code))
                if code.manifest != parent_code.manifest || code.patch != parent_code.patch =>
            {
                parts.push("its code differs from the parent's snapshot".to_owned());
            }
            (Some(_), Some(_)) => parts.push("its code is the parent's".to_owned()),
            (Some(_), None) => parts.push("it captured code, the parent did not".to_owned()),
            _ => {}
        }
        let (files, parent_files) = tokio::try_join!(
            graph.current_files(&experiment.id),
            graph.current_files(&parent.id)
        )?;
        let hashes = |versions: Vec<graph::model::FileVersion>| -> BTreeMap<String, String> {
            versions
                .into_iter()
                .filter(|version| !version.deleted)
                .map(|version| (version.path, version.hash))
                .collect()
        };
        let (files, parent_files) = (hashes(files), hashes(parent_files));
        let changed: Vec<&String> = files
            .iter()
            .filter(|(path, hash)| parent_files.get(*path) != Some(hash))
            .map(|(path, _)| path)
            .chain(parent_files.keys().filter(|path| !files.contains_key(*path)))
            .collect();
        if !changed.is_empty() {
            let shown: Vec<&str> = changed.iter().take(3).map(|path| path.as_str()).collect();
            let more = changed.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            parts.push(format!(
                "{} file(s) differ ({}{tail})",
                changed.len(),
                shown.join(", ")
            ));
        }
        Ok((!parts.is_empty()).then(|| format!("{}.", capitalize(&parts.join("; ")))))
    }
}

fn capitalize(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short_and_signed() {
        assert_eq!(number_text(0.912_345), "0.9123");
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.000_012), "1.200e-5");
        assert_eq!(number_text(f64::NAN), "no value");
        assert_eq!(delta_text(0.02), "+0.02");
        assert_eq!(delta_text(-0.5), "-0.5");
    }
}
