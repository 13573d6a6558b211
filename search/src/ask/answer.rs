//! Answers an understood question on the read-only view of the graph.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use graph::ids::HypothesisId;
use graph::model::{Direction, Experiment, Status};
use graph::Graph;
use serde_json::{json, Value as Json};

use super::understand::{alternatives, Filters, Intent, Order, Relation, StatusFilter};
use super::vocabulary::{feature_value, value_matches, value_text, MetricTerm, Vocabulary};
use super::{Answer, Interpretation, SeriesLookup};
use crate::assistant::{delta_text, direction_of, number_text, Assistant};
use crate::document::DocumentKind;
use crate::error::Result;
use crate::index::SearchIndex;
use crate::request::SearchRequest;

/// A running run with no update for this long is stalled.
pub const STALLED_AFTER_MINUTES: i64 = 30;

/// What answering needs.
pub struct Context<'a> {
    pub graph: &'a Graph,
    pub index: &'a SearchIndex,
    pub series: &'a dyn SeriesLookup,
    pub project: &'a str,
    pub vocabulary: &'a Vocabulary,
    pub now: DateTime<Utc>,
}

fn answered(
    intent: &'static str,
    description: String,
    sentence: String,
    columns: &[&str],
    rows: Vec<Vec<Json>>,
) -> Answer {
    Answer {
        answered: true,
        sentence,
        columns: columns.iter().map(|column| (*column).to_owned()).collect(),
        rows,
        interpretation: Interpretation {
            intent,
            description,
            notes: Vec::new(),
        },
        cypher: Vec::new(),
        suggestions: Vec::new(),
    }
}

fn number_json(value: f64) -> Json {
    serde_json::Number::from_f64(value).map_or(Json::Null, Json::Number)
}

fn label(number: i64, name: &str) -> String {
    if name == number.to_string() {
        format!("#{number}")
    } else {
        format!("#{number} ({name})")
    }
}

/// Answers `intent`.
pub async fn answer(context: &Context<'_>, intent: Intent) -> Result<Answer> {
    match intent {
        Intent::Rank {
            metric,
            order,
            limit,
            filters,
        } => rank(context, &metric, order, limit, &filters).await,
        Intent::FeatureEffect { path, metric } => feature_effect(context, &path, metric.as_ref()).await,
        Intent::FeatureImpact { metric } => feature_impact(context, &metric).await,
        Intent::Lineage { relation, experiment } => lineage(context, relation, experiment).await,
        Intent::Compare { a, b } => compare(context, a, b).await,
        Intent::Hypothesis { words } => hypothesis(context, &words).await,
        Intent::Runs { status, count_only } => runs(context, status, count_only).await,
        Intent::MetricAt {
            metric,
            experiment,
            step,
        } => metric_at(context, &metric, experiment, step).await,
        Intent::Summarize { experiment } => summarize(context, experiment).await,
        Intent::Recommend => recommend(context).await,
        Intent::SuggestHypotheses => suggest(context).await,
    }
}

fn metric_direction(metric: &MetricTerm) -> (Direction, bool) {
    direction_of(&metric.name, metric.direction)
}

async fn rank(
    context: &Context<'_>,
    metric: &MetricTerm,
    order: Order,
    limit: usize,
    filters: &Filters,
) -> Result<Answer> {
    let graph = context.graph;
    let values = graph
        .project_values(context.project, std::slice::from_ref(&metric.name))
        .await?;
    let needs_runs = !filters.features.is_empty() || filters.since.is_some() || filters.before.is_some();
    let runs = if needs_runs {
        graph.experiments_with_features(context.project).await?
    } else {
        Vec::new()
    };
    let subtree: Option<BTreeSet<i64>> = match filters.under {
        Some(root) => {
            let experiment = graph.experiment(context.project, root).await?;
            let mut numbers: BTreeSet<i64> = graph
                .descendants(&experiment)
                .await?
                .iter()
                .map(|descendant| descendant.number)
                .collect();
            numbers.insert(root);
            Some(numbers)
        }
        None => None,
    };
    let (direction, guessed) = metric_direction(metric);
    let mut notes = Vec::new();
    if guessed {
        notes.push(format!(
            "{} has no configured direction: {} assumed from its name",
            metric.name,
            if direction == Direction::Maximize {
                "higher is better"
            } else {
                "lower is better"
            }
        ));
    }
    let passes = |node: &graph::model::DagNode| {
        if filters.status.is_some_and(|status| node.status != status) {
            return false;
        }
        if subtree
            .as_ref()
            .is_some_and(|numbers| !numbers.contains(&node.number))
        {
            return false;
        }
        if !needs_runs {
            return true;
        }
        let Some(run) = runs.iter().find(|run| run.experiment.number == node.number) else {
            return false;
        };
        let created = run.experiment.created_at;
        filters.since.is_none_or(|since| created >= since)
            && filters.before.is_none_or(|before| created < before)
            && filters.features.iter().all(|(path, value)| {
                feature_value(&run.features, path).is_some_and(|stored| value_matches(stored, value))
            })
    };
    let mut candidates: Vec<(&graph::model::DagNode, f64)> = values
        .nodes
        .iter()
        .filter(|node| passes(node))
        .map(|node| (node, values.value(node.number, &metric.name)))
        .filter(|(_, value)| value.is_finite())
        .collect();
    let descending = match order {
        Order::Highest => true,
        Order::Lowest => false,
        Order::Best => direction == Direction::Maximize,
        Order::Worst => direction == Direction::Minimize,
    };
    candidates.sort_by(|a, b| {
        let ordering = a.1.total_cmp(&b.1);
        (if descending { ordering.reverse() } else { ordering }).then(a.0.number.cmp(&b.0.number))
    });
    let total = candidates.len();
    let rows: Vec<Vec<Json>> = candidates
        .iter()
        .take(limit)
        .enumerate()
        .map(|(rank, (node, value))| {
            vec![
                json!(rank + 1),
                json!(node.number),
                json!(node.name),
                json!(node.status.as_str()),
                number_json(*value),
            ]
        })
        .collect();
    let word = match order {
        Order::Best => "best",
        Order::Worst => "worst",
        Order::Highest => "highest",
        Order::Lowest => "lowest",
    };
    let aggregation = values
        .metric(&metric.name)
        .map_or("last", |column| column.aggregation.as_str());
    let description = format!(
        "the {word} {limit} run(s) by {} ({aggregation} value){}",
        metric.name,
        describe_filters(filters)
    );
    let sentence = match candidates.first() {
        None => format!(
            "No run{} has a value of {}.",
            describe_filters(filters),
            metric.name
        ),
        Some((node, value)) => {
            let others: Vec<String> = candidates
                .iter()
                .skip(1)
                .take(limit.saturating_sub(1).min(4))
                .map(|(node, value)| format!("#{} ({})", node.number, number_text(*value)))
                .collect();
            let then = if others.is_empty() {
                String::new()
            } else {
                format!(", then {}", others.join(", "))
            };
            format!(
                "{} has the {word} {}: {}{then} ({total} run(s) with a value{}).",
                label(node.number, &node.name),
                metric.name,
                number_text(*value),
                describe_filters(filters)
            )
        }
    };
    let mut answer = answered(
        "rank",
        description,
        sentence,
        &["rank", "number", "name", "status", metric.name.as_str()],
        rows,
    );
    answer.interpretation.notes = notes;
    Ok(answer)
}

fn describe_filters(filters: &Filters) -> String {
    let mut parts = Vec::new();
    if let Some(status) = filters.status {
        parts.push(format!("status {}", status.as_str()));
    }
    for (path, value) in &filters.features {
        parts.push(format!("{path} = {value}"));
    }
    if let Some(since) = filters.since {
        parts.push(format!("created since {}", since.format("%Y-%m-%d %H:%M")));
    }
    if let Some(before) = filters.before {
        parts.push(format!("created before {}", before.format("%Y-%m-%d %H:%M")));
    }
    if let Some(root) = filters.under {
        parts.push(format!("in the subtree of #{root}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {}", parts.join(", "))
    }
}

async fn feature_effect(context: &Context<'_>, path: &str, metric: Option<&MetricTerm>) -> Result<Answer> {
    let graph = context.graph;
    let changes: Vec<_> = graph
        .project_feature_changes(context.project)
        .await?
        .into_iter()
        .filter(|change| change.path == path && change.parent.is_some())
        .collect();
    let Some(metric) = metric else {
        let runs = graph.experiments_with_features(context.project).await?;
        let rows: Vec<Vec<Json>> = changes
            .iter()
            .map(|change| {
                let name = runs
                    .iter()
                    .find(|run| run.experiment.number == change.number)
                    .map_or(String::new(), |run| run.experiment.name.clone());
                vec![
                    json!(change.number),
                    json!(name),
                    json!(change.op),
                    change
                        .value
                        .as_ref()
                        .map_or(Json::Null, |value| json!(value_text(value))),
                ]
            })
            .collect();
        let listed: Vec<String> = changes
            .iter()
            .take(8)
            .map(|change| {
                let value = change
                    .value
                    .as_ref()
                    .map_or_else(|| "removed".to_owned(), value_text);
                format!("#{} ({value})", change.number)
            })
            .collect();
        let sentence = if changes.is_empty() {
            format!("No run changed {path} against its parent.")
        } else {
            format!("{} run(s) changed {path}: {}.", changes.len(), listed.join(", "))
        };
        return Ok(answered(
            "feature_changes",
            format!("runs that changed {path} against their parent"),
            sentence,
            &["number", "name", "op", "value"],
            rows,
        ));
    };
    let values = graph
        .project_values(context.project, std::slice::from_ref(&metric.name))
        .await?;
    let (direction, _) = metric_direction(metric);
    let mut rows = Vec::new();
    let (mut improved, mut worsened, mut deltas) = (0, 0, Vec::new());
    for change in &changes {
        let parent = values.parents.get(&change.number).copied();
        let value = values.value(change.number, &metric.name);
        let parent_value = parent.map_or(f64::NAN, |parent| values.value(parent, &metric.name));
        let delta = value - parent_value;
        if delta.is_finite() {
            deltas.push(delta);
            let better = match direction {
                Direction::Maximize => delta > 0.0,
                Direction::Minimize => delta < 0.0,
            };
            if better {
                improved += 1;
            } else if delta != 0.0 {
                worsened += 1;
            }
        }
        rows.push(vec![
            json!(change.number),
            parent.map_or(Json::Null, |parent| json!(parent)),
            change
                .value
                .as_ref()
                .map_or(Json::Null, |value| json!(value_text(value))),
            number_json(parent_value),
            number_json(value),
            number_json(delta),
        ]);
    }
    let sentence = if deltas.is_empty() {
        format!(
            "{} run(s) changed {path}, but none has {} on both sides of the change.",
            changes.len(),
            metric.name
        )
    } else {
        let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
        format!(
            "{} run(s) changed {path}; {} improved in {improved} and worsened in {worsened} of the {} with values on both sides (mean change {}).",
            changes.len(),
            metric.name,
            deltas.len(),
            delta_text(mean)
        )
    };
    Ok(answered(
        "feature_effect",
        format!(
            "runs that changed {path} and the change of {} against their parent",
            metric.name
        ),
        sentence,
        &["number", "parent", "value", "parent_metric", "metric", "delta"],
        rows,
    ))
}

async fn feature_impact(context: &Context<'_>, metric: &MetricTerm) -> Result<Answer> {
    let assistant = Assistant::new(context.graph.clone());
    let (direction, _, effects) = assistant
        .feature_effects(context.project, &metric.name, false)
        .await?;
    let rows: Vec<Vec<Json>> = effects
        .iter()
        .map(|effect| {
            vec![
                json!(effect.path),
                json!(effect.edges),
                json!(effect.improved),
                json!(effect.worsened),
                number_json(effect.mean_delta),
                number_json(effect.median_delta),
                number_json(effect.consistency),
            ]
        })
        .collect();
    let sentence = match effects.iter().find(|effect| effect.mean_gain(direction) > 0.0) {
        Some(best) => format!(
            "Changing {} helped {} most: it improved in {} of {} changes (mean {}, consistency {:.0} %).",
            best.path,
            metric.name,
            best.improved,
            best.edges,
            delta_text(best.mean_delta),
            best.consistency * 100.0
        ),
        None if effects.is_empty() => format!("No feature change has {} on both sides yet.", metric.name),
        None => format!("No feature change improved {} on average.", metric.name),
    };
    Ok(answered(
        "feature_impact",
        format!(
            "the effect of each feature change on {} over all parent→child edges",
            metric.name
        ),
        sentence,
        &[
            "path",
            "changes",
            "improved",
            "worsened",
            "mean_delta",
            "median_delta",
            "consistency",
        ],
        rows,
    ))
}

fn experiment_rows(experiments: &[Experiment]) -> Vec<Vec<Json>> {
    experiments
        .iter()
        .map(|experiment| {
            vec![
                json!(experiment.number),
                json!(experiment.name),
                json!(experiment.status.as_str()),
            ]
        })
        .collect()
}

fn numbers_text(experiments: &[Experiment]) -> String {
    let shown: Vec<String> = experiments
        .iter()
        .take(10)
        .map(|e| format!("#{}", e.number))
        .collect();
    let more = experiments.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

async fn lineage(context: &Context<'_>, relation: Relation, number: i64) -> Result<Answer> {
    let graph = context.graph;
    let experiment = graph.experiment(context.project, number).await?;
    let (word, mut related) = match relation {
        Relation::Ancestors => ("ancestors", graph.ancestors(&experiment).await?),
        Relation::Descendants => ("descendants", graph.descendants(&experiment).await?),
        Relation::Children => ("children", graph.children(&experiment).await?),
        Relation::Parents => ("parents", graph.parents(&experiment).await?),
        Relation::Siblings => {
            let mut siblings = Vec::new();
            for parent in graph.parents(&experiment).await? {
                siblings.extend(graph.children(&parent).await?);
            }
            ("siblings", siblings)
        }
    };
    related.retain(|other| other.number != number);
    related.sort_by_key(|other| other.number);
    related.dedup_by_key(|other| other.number);
    let sentence = if related.is_empty() {
        format!("#{number} has no {word}.")
    } else {
        format!(
            "#{number} has {} {word}: {}.",
            related.len(),
            numbers_text(&related)
        )
    };
    Ok(answered(
        "lineage",
        format!("the {word} of #{number}"),
        sentence,
        &["number", "name", "status"],
        experiment_rows(&related),
    ))
}

async fn compare(context: &Context<'_>, a: i64, b: i64) -> Result<Answer> {
    let graph = context.graph;
    let changes = graph.feature_diff(context.project, a, b).await?;
    let metrics: Vec<String> = context
        .vocabulary
        .metrics
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let values = graph.project_values(context.project, &metrics).await?;
    let mut rows: Vec<Vec<Json>> = changes
        .iter()
        .map(|change| {
            vec![
                json!("feature"),
                json!(change.path),
                change.before.clone().unwrap_or(Json::Null),
                change.after.clone().unwrap_or(Json::Null),
            ]
        })
        .collect();
    let mut metric_parts = Vec::new();
    for metric in &metrics {
        let (before, after) = (values.value(a, metric), values.value(b, metric));
        if before.is_finite() || after.is_finite() {
            rows.push(vec![
                json!("metric"),
                json!(metric),
                number_json(before),
                number_json(after),
            ]);
        }
        if before.is_finite() && after.is_finite() {
            metric_parts.push(format!(
                "{metric} {} → {} ({})",
                number_text(before),
                number_text(after),
                delta_text(after - before)
            ));
        }
    }
    let feature_parts: Vec<String> = changes
        .iter()
        .take(8)
        .map(|change| {
            let side = |value: &Option<Json>| value.as_ref().map_or_else(|| "unset".to_owned(), value_text);
            format!(
                "{} {} → {}",
                change.path,
                side(&change.before),
                side(&change.after)
            )
        })
        .collect();
    let mut sentence = if changes.is_empty() {
        format!("#{a} and #{b} have the same features.")
    } else {
        format!(
            "From #{a} to #{b}, {} feature(s) changed: {}.",
            changes.len(),
            feature_parts.join(", ")
        )
    };
    if !metric_parts.is_empty() {
        sentence.push_str(&format!(" Metrics: {}.", metric_parts.join("; ")));
    }
    Ok(answered(
        "compare",
        format!("what changed from #{a} to #{b}: features and metrics"),
        sentence,
        &["kind", "name", "before", "after"],
        rows,
    ))
}

async fn hypothesis(context: &Context<'_>, words: &[String]) -> Result<Answer> {
    let titles: Vec<String> = context
        .vocabulary
        .hypotheses
        .iter()
        .map(|(_, title)| title.clone())
        .collect();
    let found = find_hypothesis(context, words)?;
    let Some(id) = found else {
        let mut answer = answered(
            "hypothesis",
            "a hypothesis named by the question".to_owned(),
            if titles.is_empty() {
                "This project has no hypotheses yet.".to_owned()
            } else {
                format!("Which hypothesis? This project has: {}.", alternatives(&titles))
            },
            &[],
            Vec::new(),
        );
        answer.answered = false;
        answer.suggestions = titles;
        return Ok(answer);
    };
    let graph = context.graph;
    let (_, hypothesis) = graph.hypothesis_by_id(&HypothesisId(id)).await?;
    let evidence = graph.hypothesis_evidence(&hypothesis.id).await?;
    let status = hypothesis.status().as_str();
    let (rows, detail) = match &evidence {
        Some(evidence) => (
            evidence
                .contributions
                .iter()
                .map(|c| {
                    vec![
                        json!(c.experiment),
                        number_json(c.score),
                        number_json(c.confidence),
                        number_json(c.contribution),
                    ]
                })
                .collect(),
            format!(
                " Evidence score {} from {} linked run(s) ({} with evidence). {}",
                delta_text(evidence.score),
                evidence.inputs.linked,
                evidence.inputs.with_units,
                evidence.explanation
            ),
        ),
        None => (Vec::new(), " No evidence has been computed yet.".to_owned()),
    };
    let overridden = if hypothesis.status_override.is_some() {
        " (set by hand)"
    } else {
        ""
    };
    Ok(answered(
        "hypothesis",
        format!("status and evidence of \"{}\"", hypothesis.title),
        format!("\"{}\" is {status}{overridden}.{detail}", hypothesis.title),
        &["number", "score", "confidence", "contribution"],
        rows,
    ))
}

/// The hypothesis the words name, found through the search index (fuzzy), else by title words.
fn find_hypothesis(context: &Context<'_>, words: &[String]) -> Result<Option<String>> {
    let hypotheses = &context.vocabulary.hypotheses;
    if hypotheses.len() == 1 && words.is_empty() {
        return Ok(Some(hypotheses[0].0.clone()));
    }
    let terms: Vec<String> = words
        .iter()
        .filter(|word| word.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
        .map(|word| {
            if word.chars().count() >= 5 {
                format!("{word}~")
            } else {
                word.clone()
            }
        })
        .collect();
    if !terms.is_empty() {
        let request = SearchRequest {
            query: terms.join(" OR "),
            projects: vec![context.project.to_owned()],
            kinds: vec![DocumentKind::Hypothesis],
            first: 1,
        };
        if let Some(hit) = context.index.search(&request)?.hits.into_iter().next() {
            if hypotheses.iter().any(|(id, _)| *id == hit.id) {
                return Ok(Some(hit.id));
            }
        }
    }
    // The index may lag behind the graph: fall back to shared title words.
    let best = hypotheses
        .iter()
        .map(|(id, title)| {
            let lowered = title.to_lowercase();
            (
                words
                    .iter()
                    .filter(|word| lowered.contains(word.as_str()))
                    .count(),
                id,
            )
        })
        .filter(|(shared, _)| *shared > 0)
        .max_by_key(|(shared, _)| *shared);
    Ok(best
        .map(|(_, id)| id.clone())
        .or_else(|| (hypotheses.len() == 1).then(|| hypotheses[0].0.clone())))
}

async fn runs(context: &Context<'_>, status: Option<StatusFilter>, count_only: bool) -> Result<Answer> {
    let graph = context.graph;
    let stored_status = match status {
        Some(StatusFilter::Is(status)) => Some(status),
        Some(StatusFilter::Stalled) => Some(Status::Running),
        None => None,
    };
    let mut experiments = Vec::new();
    let mut after = None;
    loop {
        let page = graph
            .experiments(context.project, stored_status, graph::MAX_PAGE_SIZE, after)
            .await?;
        after = page.experiments.last().map(|experiment| experiment.number);
        experiments.extend(page.experiments);
        if !page.has_more {
            break;
        }
    }
    let word = match status {
        Some(StatusFilter::Stalled) => {
            let cutoff = context.now - Duration::minutes(STALLED_AFTER_MINUTES);
            let mut stalled = Vec::new();
            for experiment in experiments {
                let last_chunk = graph
                    .chunks(&experiment.id)
                    .await?
                    .iter()
                    .map(|chunk| chunk.created_at)
                    .max();
                let last_news =
                    last_chunk.map_or(experiment.updated_at, |chunk| chunk.max(experiment.updated_at));
                if last_news < cutoff {
                    stalled.push(experiment);
                }
            }
            experiments = stalled;
            format!("stalled (running, no news for {STALLED_AFTER_MINUTES} minutes)")
        }
        Some(StatusFilter::Is(status)) => status.as_str().to_owned(),
        None => "in total".to_owned(),
    };
    let sentence = match (experiments.len(), count_only) {
        (0, _) => format!("No run is {word}."),
        (count, true) => format!("{count} run(s) {word}."),
        (count, false) => format!("{count} run(s) {word}: {}.", numbers_text(&experiments)),
    };
    Ok(answered(
        "runs",
        format!("runs {word}"),
        sentence,
        &["number", "name", "status"],
        experiment_rows(&experiments),
    ))
}

async fn metric_at(
    context: &Context<'_>,
    metric: &MetricTerm,
    number: i64,
    step: Option<i64>,
) -> Result<Answer> {
    let graph = context.graph;
    let experiment = graph.experiment(context.project, number).await?;
    let who = label(number, &experiment.name);
    let Some(step) = step else {
        let values = graph
            .project_values(context.project, std::slice::from_ref(&metric.name))
            .await?;
        let value = values.value(number, &metric.name);
        let aggregation = values
            .metric(&metric.name)
            .map_or("last", |column| column.aggregation.as_str());
        let sentence = if value.is_finite() {
            format!(
                "{} of {who} is {} ({aggregation} value).",
                metric.name,
                number_text(value)
            )
        } else {
            format!("{who} has no value of {}.", metric.name)
        };
        return Ok(answered(
            "metric_value",
            format!("the {aggregation} value of {} of #{number}", metric.name),
            sentence,
            &["number", "metric", "value"],
            vec![vec![json!(number), json!(metric.name), number_json(value)]],
        ));
    };
    let point = context.series.value_at(&experiment, &metric.name, step).await?;
    let (sentence, rows) = match point {
        Some((at, value)) if at == step => (
            format!(
                "{} of {who} at step {step} is {}.",
                metric.name,
                number_text(value)
            ),
            vec![vec![
                json!(number),
                json!(metric.name),
                json!(at),
                number_json(value),
            ]],
        ),
        Some((at, value)) => (
            format!(
                "{who} logged no {} at step {step}; the nearest earlier step, {at}, has {}.",
                metric.name,
                number_text(value)
            ),
            vec![vec![
                json!(number),
                json!(metric.name),
                json!(at),
                number_json(value),
            ]],
        ),
        None => (
            format!("{who} has no {} at or before step {step}.", metric.name),
            Vec::new(),
        ),
    };
    Ok(answered(
        "metric_at_step",
        format!("{} of #{number} at step {step}", metric.name),
        sentence,
        &["number", "metric", "step", "value"],
        rows,
    ))
}

async fn summarize(context: &Context<'_>, number: i64) -> Result<Answer> {
    let summary = Assistant::new(context.graph.clone())
        .summarize(context.project, number)
        .await?;
    let rows = summary
        .metric_deltas
        .iter()
        .map(|delta| {
            vec![
                json!(delta.metric),
                number_json(delta.parent_value),
                number_json(delta.value),
                number_json(delta.value - delta.parent_value),
            ]
        })
        .collect();
    Ok(answered(
        "summarize",
        format!("a summary of #{number} against its parent"),
        summary.sentences.join(" "),
        &["metric", "parent", "value", "delta"],
        rows,
    ))
}

async fn recommend(context: &Context<'_>) -> Result<Answer> {
    let recommendations = Assistant::new(context.graph.clone())
        .recommendations(context.project, None)
        .await?;
    let rows: Vec<Vec<Json>> = recommendations
        .iter()
        .map(|r| vec![json!(r.kind.as_str()), json!(r.action), json!(r.reason)])
        .collect();
    let sentence = match recommendations.first() {
        Some(first) => format!("{}: {}.", first.action, first.reason),
        None => "Nothing to recommend yet: log metrics for runs that change features.".to_owned(),
    };
    Ok(answered(
        "recommend",
        "next experiments from feature effects, the best run and open hypotheses".to_owned(),
        sentence,
        &["kind", "action", "reason"],
        rows,
    ))
}

async fn suggest(context: &Context<'_>) -> Result<Answer> {
    let suggestions = Assistant::new(context.graph.clone())
        .hypothesis_suggestions(context.project)
        .await?;
    let rows: Vec<Vec<Json>> = suggestions
        .iter()
        .map(|s| {
            vec![
                json!(s.title),
                json!(s.edges),
                number_json(s.consistency),
                json!(s.key),
            ]
        })
        .collect();
    let sentence = match suggestions.first() {
        Some(first) => format!(
            "{} suggestion(s); the first: \"{}\". {}",
            suggestions.len(),
            first.title,
            first.description
        ),
        None => "No feature effect is consistent enough to suggest a hypothesis yet.".to_owned(),
    };
    Ok(answered(
        "suggest_hypotheses",
        "hypotheses suggested by consistent feature effects".to_owned(),
        sentence,
        &["title", "changes", "consistency", "key"],
        rows,
    ))
}
