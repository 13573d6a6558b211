//! Questions in plain language, answered from the graph: `ask(project, question)` reads the
//! question with a deterministic planner (intents and entity linking, no network), answers it
//! on a read-only view of the graph, and returns the answer (rows and a sentence), the named
//! Cypher that produced it with its parameters, and how the question was understood. Unknown
//! or ambiguous questions get a clarifying answer, never an error.

mod answer;
pub mod generated;
pub mod language_model;
pub mod understand;
pub mod vocabulary;
pub mod words;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use graph::model::{Experiment, HypothesisFilter};
use graph::read_only::TracedQuery;
use graph::Graph;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::index::SearchIndex;
use language_model::LanguageModel;
use understand::Reading;
use vocabulary::{MetricTerm, Vocabulary};

/// The longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 500;

/// Reads metric series, which live outside the graph (the server's metric store).
#[async_trait]
pub trait SeriesLookup: Send + Sync + fmt::Debug {
    /// `metric` of `experiment` at `step`, or at the nearest logged step before it: `(step,
    /// value)`, `None` when it has no point at or before `step`.
    async fn value_at(&self, experiment: &Experiment, metric: &str, step: i64) -> Result<Option<(i64, f64)>>;
}

/// How the question was understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpretation {
    /// The intent's name (`rank`, `feature_effect`, …; `clarify` when not understood).
    pub intent: &'static str,
    /// The question as understood, in words.
    pub description: String,
    /// Typos corrected, defaults assumed, entities linked.
    pub notes: Vec<String>,
}

/// An answer: rows and a sentence, with how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Whether the question was answered (false: `sentence` asks for a clarification).
    pub answered: bool,
    /// The answer (or the clarifying question) in a sentence or two.
    pub sentence: String,
    /// Column names of `rows`.
    pub columns: Vec<String>,
    /// The answer's rows, as JSON values.
    pub rows: Vec<Vec<Json>>,
    /// How the question was understood.
    pub interpretation: Interpretation,
    /// The read-only Cypher that produced the answer, in the order it ran.
    pub cypher: Vec<TracedQuery>,
    /// Questions or names to try instead (for clarifications).
    pub suggestions: Vec<String>,
}

/// What answers a question besides the graph: the index (hypothesis titles, fuzzily), the
/// series store, and the optional language model.
#[derive(Debug, Clone, Copy)]
pub struct Helpers<'a> {
    pub index: &'a SearchIndex,
    pub series: &'a dyn SeriesLookup,
    pub model: Option<&'a LanguageModel>,
}

/// Answers `question` about `project`.
pub async fn ask(
    graph: &Graph,
    helpers: Helpers<'_>,
    project: &str,
    question: &str,
    now: DateTime<Utc>,
) -> Result<Answer> {
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::invalid("question", "must not be empty"));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(Error::invalid(
            "question",
            format!("at most {MAX_QUESTION_CHARS} characters"),
        ));
    }
    let vocabulary = load_vocabulary(graph, project).await?;
    match understand::read(question, &vocabulary, now) {
        Reading::Clarify(clarification) => match helpers.model {
            Some(model) if clarification.understood_nothing => {
                Ok(ask_model(graph, model, project, question, &vocabulary, clarification).await)
            }
            _ => Ok(clarifying(clarification, Vec::new())),
        },
        Reading::Understood { intent, notes } => {
            let (view, trace) = graph.read_only();
            let context = answer::Context {
                graph: &view,
                index: helpers.index,
                series: helpers.series,
                project,
                vocabulary: &vocabulary,
                now,
            };
            let mut answer = answer::answer(&context, intent).await?;
            answer.interpretation.notes.splice(0..0, notes);
            answer.cypher = trace.queries();
            Ok(answer)
        }
    }
}

fn clarifying(clarification: understand::Clarification, notes: Vec<String>) -> Answer {
    Answer {
        answered: false,
        sentence: clarification.message,
        columns: Vec::new(),
        rows: Vec::new(),
        interpretation: Interpretation {
            intent: "clarify",
            description: "not understood as asked".to_owned(),
            notes,
        },
        cypher: Vec::new(),
        suggestions: clarification.suggestions,
    }
}

/// The model's query for a question the planner did not understand, checked and run
/// read-only; whatever goes wrong becomes the clarification with the reason in its notes.
async fn ask_model(
    graph: &Graph,
    model: &LanguageModel,
    project: &str,
    question: &str,
    vocabulary: &Vocabulary,
    clarification: understand::Clarification,
) -> Answer {
    let proposed = match model.propose(vocabulary, question).await {
        Ok(cypher) => cypher,
        Err(error) => {
            tracing::warn!(%error, "the language model could not be asked");
            return clarifying(
                clarification,
                vec![format!("the language model could not help: {error}")],
            );
        }
    };
    let checked = match generated::check(&proposed) {
        Ok(checked) => checked,
        Err(error) => {
            let notes = vec![
                format!("the language model proposed a query that was refused: {error}"),
                format!("proposed: {proposed}"),
            ];
            return clarifying(clarification, notes);
        }
    };
    let project_id = match graph.project(project).await {
        Ok(found) => found.id,
        Err(error) => return clarifying(clarification, vec![error.to_string()]),
    };
    let params = graph::value::Params::new().with("project_id", project_id.as_str());
    let (view, trace) = graph.read_only();
    let rows = match view.run_generated(&checked.text, params).await {
        Ok(rows) => rows,
        Err(error) => {
            let notes = vec![
                format!("the language model's query failed: {error}"),
                format!("proposed: {proposed}"),
            ];
            return clarifying(clarification, notes);
        }
    };
    let columns: Vec<String> = rows
        .first()
        .map(|row| row.0.keys().cloned().collect())
        .unwrap_or_default();
    let table: Vec<Vec<Json>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|column| row.0.get(column).map_or(Json::Null, value_json))
                .collect()
        })
        .collect();
    let mut notes = vec![format!(
        "Cypher proposed by {} and checked to be read-only",
        model.model
    )];
    notes.extend(checked.notes);
    Answer {
        answered: true,
        sentence: format!("{} row(s) from a query the language model proposed.", table.len()),
        columns,
        rows: table,
        interpretation: Interpretation {
            intent: "language_model",
            description: question.to_owned(),
            notes,
        },
        cypher: trace.queries(),
        suggestions: Vec::new(),
    }
}

/// Query parameters as JSON, as answers show them.
pub fn params_json(params: &graph::value::Params) -> Json {
    Json::Object(
        params
            .0
            .iter()
            .map(|(name, value)| (name.clone(), value_json(value)))
            .collect(),
    )
}

fn value_json(value: &graph::value::Value) -> Json {
    use graph::value::Value;
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Int(number) => Json::from(*number),
        Value::Float(number) => serde_json::Number::from_f64(*number).map_or(Json::Null, Json::Number),
        Value::String(text) => Json::String(text.clone()),
        Value::List(values) => Json::Array(values.iter().map(value_json).collect()),
    }
}

/// Everything of `project` a question may name.
pub async fn load_vocabulary(graph: &Graph, project: &str) -> Result<Vocabulary> {
    let (metrics, runs, hypotheses) = tokio::try_join!(
        graph.project_metrics(project),
        graph.experiments_with_features(project),
        graph.hypotheses(project, HypothesisFilter::default(), graph::MAX_PAGE_SIZE, None)
    )?;
    let mut vocabulary = Vocabulary {
        metrics: metrics
            .into_iter()
            .map(|metric| MetricTerm {
                name: metric.name,
                direction: metric.direction,
            })
            .collect(),
        hypotheses: hypotheses
            .hypotheses
            .into_iter()
            .map(|hypothesis| (hypothesis.id.to_string(), hypothesis.title))
            .collect(),
        ..Vocabulary::default()
    };
    for run in &runs {
        vocabulary
            .experiments
            .insert(run.experiment.number, run.experiment.name.clone());
        vocabulary.add_features(&run.features);
    }
    Ok(vocabulary)
}
