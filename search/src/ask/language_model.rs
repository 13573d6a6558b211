//! The optional language model: an OpenAI-compatible chat completions endpoint that proposes
//! Cypher for questions the planner does not understand. It sees the graph's schema, the
//! project's metric and feature names and the question — never data — and what it proposes
//! runs only through [`super::generated::check`] and a read-only transaction.

use std::time::Duration;

use graph::outbound::OutboundPolicy;
use serde_json::{json, Value as Json};

use super::generated::{LABELS, RELATIONSHIPS};
use super::vocabulary::Vocabulary;
use crate::error::{Error, Result};

/// The most of the model's answer read.
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// Where the model is and how to ask it.
#[derive(Clone)]
pub struct LanguageModel {
    /// Base url of the OpenAI-compatible API (`…/v1`); `/chat/completions` is appended.
    url: String,
    key: Option<String>,
    /// The model's name.
    pub model: String,
    agent: ureq::Agent,
    /// The addresses the endpoint may have.
    outbound: OutboundPolicy,
}

impl std::fmt::Debug for LanguageModel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LanguageModel")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What the model is told about the graph.
fn schema_prompt(vocabulary: &Vocabulary) -> String {
    let metrics: Vec<&str> = vocabulary
        .metrics
        .iter()
        .map(|metric| metric.name.as_str())
        .collect();
    let features: Vec<&str> = vocabulary.features.keys().map(String::as_str).collect();
    format!(
        "You translate a researcher's question about one project of an ML experiment tracker into ONE read-only \
         Cypher query. Answer with the query alone in a ```cypher block.\n\
         Graph (every node has `project_id`; start every MATCH from `{{project_id: $project_id}}` or a variable \
         bound before):\n\
         (:Experiment {{id, project_id, number, name, status: 'planned'|'running'|'complete'|'failed', progress, \
         notes, tags, created_at, updated_at, parent_number, features_full: JSON text, measured: JSON text}})\n\
         (:Experiment)-[:CHILD_OF]->(:Experiment) primary parent; -[:MERGED_FROM]-> other parents; \
         -[:RERUN_OF]-> the run it reruns\n\
         (:Experiment)-[:SETS {{op, value: JSON text}}]->(:Feature {{path, project_id}}) the feature paths it \
         changed against its parent\n\
         (:Experiment)-[:MEASURED {{metric, last, min, max, mean, count, last_step}}]->(:Metric {{name, \
         project_id, direction, aggregation}}); last/min/max/mean are numbers stored as text: use toFloat()\n\
         (:Hypothesis {{id, project_id, title, description, computed_status, evidence_score}})-[:TESTED_BY]->\
         (:Experiment); -[:TARGETS {{weight}}]->(:Metric); -[:ABOUT]->(:Feature)\n\
         (:Experiment)-[:EVIDENCE {{metric, delta, confidence}}]->(:Hypothesis)\n\
         Allowed labels: {}. Allowed relationship types: {}. Never write, never CALL, always give \
         relationships a type, return at most 100 rows with readable column names (AS …).\n\
         This project's metrics: {}. Feature paths: {}.",
        LABELS.join(", "),
        RELATIONSHIPS.join(", "),
        if metrics.is_empty() { "none".to_owned() } else { metrics.join(", ") },
        if features.is_empty() { "none".to_owned() } else { features.join(", ") },
    )
}

/// The Cypher in a model's answer: the first fenced block, else the whole answer.
pub fn extract_cypher(answer: &str) -> String {
    let Some(start) = answer.find("```") else {
        return answer.trim().to_owned();
    };
    let rest = &answer[start + 3..];
    let body = rest.split_once('\n').map_or(rest, |(first_line, body)| {
        if first_line.trim().chars().all(|c| c.is_alphanumeric()) {
            body
        } else {
            rest
        }
    });
    body.split("```").next().unwrap_or(body).trim().to_owned()
}

impl LanguageModel {
    /// A client for the endpoint at `url` (`…/v1`), sending `key` as a bearer token. Every
    /// request first checks the url's addresses against `outbound`; redirects are not followed
    /// (one could lead anywhere).
    pub fn new(
        url: &str,
        key: Option<String>,
        model: &str,
        timeout: Duration,
        outbound: OutboundPolicy,
    ) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .user_agent(concat!("rsdk-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            url: url.trim_end_matches('/').to_owned(),
            key,
            model: model.to_owned(),
            agent,
            outbound,
        }
    }

    /// Asks the model for a query answering `question`; the raw Cypher it proposed.
    pub async fn propose(&self, vocabulary: &Vocabulary, question: &str) -> Result<String> {
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": schema_prompt(vocabulary)},
                {"role": "user", "content": question},
            ],
        });
        let client = self.clone();
        let answer = tokio::task::spawn_blocking(move || client.post(&body))
            .await
            .map_err(|error| Error::Internal(format!("language model task failed: {error}")))??;
        let content = answer["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| unavailable("its answer has no choices[0].message.content"))?;
        Ok(extract_cypher(content))
    }

    fn post(&self, body: &Json) -> Result<Json> {
        let url = format!("{}/chat/completions", self.url);
        self.outbound
            .check_url("ask_model_url", &url)
            .map_err(|error| unavailable(&format!("refused: {error}")))?;
        let mut request = self.agent.post(&url).header("content-type", "application/json");
        if let Some(key) = &self.key {
            request = request.header("authorization", &format!("Bearer {key}"));
        }
        let mut response = request
            .send(body.to_string())
            .map_err(|error| unavailable(&format!("{url} cannot be reached: {error}")))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|error| unavailable(&format!("its answer cannot be read: {error}")))?;
        if (300..400).contains(&status) {
            return Err(unavailable(&format!(
                "{url} answered {status}: redirects are not followed"
            )));
        }
        if status >= 400 {
            let excerpt: String = text.chars().take(300).collect();
            return Err(unavailable(&format!("{url} answered {status}: {excerpt}")));
        }
        serde_json::from_str(&text).map_err(|error| unavailable(&format!("its answer is not JSON: {error}")))
    }
}

fn unavailable(reason: &str) -> Error {
    Error::Graph(graph::Error::Unavailable(format!("language model: {reason}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cypher_is_taken_from_the_first_fenced_block() {
        assert_eq!(
            extract_cypher("Here:\n```cypher\nMATCH (e) RETURN e\n```\nDone."),
            "MATCH (e) RETURN e"
        );
        assert_eq!(extract_cypher("```\nRETURN 1\n```"), "RETURN 1");
        assert_eq!(extract_cypher("  RETURN 2  "), "RETURN 2");
    }

    #[test]
    fn the_prompt_names_the_project_vocabulary_and_the_rules() {
        let mut vocabulary = Vocabulary::default();
        vocabulary.add_features(&json!({"optimizer": {"lr": 0.1}}));
        let prompt = schema_prompt(&vocabulary);
        assert!(prompt.contains("optimizer.lr"));
        assert!(prompt.contains("$project_id"));
        assert!(prompt.contains("CHILD_OF"));
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let model = LanguageModel::new(
            "http://127.0.0.1:1/v1",
            Some("sk-secret".into()),
            "m",
            Duration::from_secs(1),
            OutboundPolicy::default(),
        );
        assert!(!format!("{model:?}").contains("sk-secret"));
    }
}
