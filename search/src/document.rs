//! What the index holds: one [`Document`] per searchable entity, and the [`DocumentKind`]s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The kinds of entity the index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// An experiment (a run with its configuration and notes).
    Experiment,
    /// A hypothesis (title and description).
    Hypothesis,
    /// A feature path of a project.
    Feature,
    /// A stored artifact (checkpoint, file, …).
    Artifact,
    /// A logged metric.
    Metric,
}

impl DocumentKind {
    /// Every kind, in a fixed order.
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::Experiment,
        DocumentKind::Hypothesis,
        DocumentKind::Feature,
        DocumentKind::Artifact,
        DocumentKind::Metric,
    ];

    /// The kind's name as indexed and as written in queries (`kind:experiment`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Experiment => "experiment",
            DocumentKind::Hypothesis => "hypothesis",
            DocumentKind::Feature => "feature",
            DocumentKind::Artifact => "artifact",
            DocumentKind::Metric => "metric",
        }
    }

    /// The names of all kinds, comma-separated, for error messages.
    pub(crate) fn known_names() -> String {
        DocumentKind::ALL.map(DocumentKind::as_str).join(", ")
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = Error;

    fn from_str(name: &str) -> Result<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| {
                Error::invalid(
                    "kinds",
                    format!(
                        "unknown kind \"{name}\"; known kinds: {}",
                        DocumentKind::known_names()
                    ),
                )
            })
    }
}

/// One searchable entity, as the server hands it to the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// What the entity is.
    pub kind: DocumentKind,
    /// The entity's id, unique within its kind (experiment id, hypothesis id,
    /// `project/feature.path`, …).
    pub id: String,
    /// The name of the project the entity belongs to; searches filter on it.
    pub project: String,
    /// An experiment's number in its project.
    pub number: Option<i64>,
    /// Experiment name, hypothesis title, feature path, artifact path or metric name.
    pub title: String,
    /// Notes or description; may be empty.
    pub body: String,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// `(path, value rendered as text)` pairs, such as `("optimizer.lr", "0.001")`.
    pub features: Vec<(String, String)>,
    /// A status (`running`, `complete`, `supported`, …), matched as an exact keyword.
    pub status: Option<String>,
}

impl Document {
    /// The key that identifies the document in the index: kind and id together.
    pub(crate) fn key(&self) -> String {
        document_key(self.kind, &self.id)
    }

    /// The feature pairs as indexed and shown in snippets: `path = value`.
    pub(crate) fn feature_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.features
            .iter()
            .map(|(path, value)| format!("{path} = {value}"))
    }

    /// Refuses a document the index could not find again (no id) or filter (no project).
    pub(crate) fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(Error::invalid("id", "must not be empty"));
        }
        if self.project.trim().is_empty() {
            return Err(Error::invalid("project", "must not be empty"));
        }
        Ok(())
    }
}

/// The unique key of the document of `kind` with `id`; a kind name never contains `:`, so the
/// key is unambiguous.
pub(crate) fn document_key(kind: DocumentKind, id: &str) -> String {
    format!("{}:{id}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>().expect("known kind"), kind);
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }

    #[test]
    fn unknown_kind_is_refused_naming_the_kinds_field() {
        let error = "run".parse::<DocumentKind>().expect_err("unknown kind");
        let Error::Invalid { field, reason } = error else {
            panic!("expected an invalid error");
        };
        assert_eq!(field, "kinds");
        assert!(reason.contains("\"run\"") && reason.contains("experiment, hypothesis"));
    }

    #[test]
    fn documents_without_id_or_project_are_refused() {
        let document = Document {
            kind: DocumentKind::Metric,
            id: " ".to_string(),
            project: "vision".to_string(),
            number: None,
            title: "loss".to_string(),
            body: String::new(),
            tags: Vec::new(),
            features: Vec::new(),
            status: None,
        };
        assert!(matches!(document.validate(), Err(Error::Invalid { field, .. }) if field == "id"));
        let without_project = Document {
            id: "m1".to_string(),
            project: String::new(),
            ..document
        };
        assert!(
            matches!(without_project.validate(), Err(Error::Invalid { field, .. }) if field == "project")
        );
    }
}
