//! What the index holds, read from the graph: a project's documents for a rebuild, and one
//! experiment's or hypothesis' documents for the live updates the event bus triggers.

use std::collections::BTreeMap;

use graph::ids::{ExperimentId, HypothesisId};
use graph::model::{Experiment, Hypothesis, HypothesisFilter};
use graph::{ExperimentWithFeatures, Graph};

use crate::ask::vocabulary::flatten;
use crate::document::{Document, DocumentKind};
use crate::error::Result;

/// Every document of `project`: its experiments, hypotheses, feature paths, current files and
/// metrics.
pub async fn project_documents(graph: &Graph, project: &str) -> Result<Vec<Document>> {
    let (runs, hypotheses, artifacts, metrics) = tokio::try_join!(
        graph.experiments_with_features(project),
        graph.hypotheses(project, HypothesisFilter::default(), graph::MAX_PAGE_SIZE, None),
        graph.project_artifacts(project),
        graph.project_metrics(project)
    )?;
    let mut documents = Vec::new();
    let mut feature_values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for run in &runs {
        let document = experiment_document(project, run);
        for (path, value) in &document.features {
            let values = feature_values.entry(path.clone()).or_default();
            if !values.contains(value) {
                values.push(value.clone());
            }
        }
        documents.push(document);
    }
    documents.extend(
        feature_values
            .into_iter()
            .map(|(path, values)| feature_document(project, &path, &values)),
    );
    documents.extend(
        hypotheses
            .hypotheses
            .iter()
            .map(|hypothesis| hypothesis_of(project, hypothesis)),
    );
    documents.extend(artifacts.iter().map(|artifact| {
        artifact_document(
            project,
            &artifact.experiment_id,
            artifact.number,
            &artifact.path,
            &artifact.mime,
        )
    }));
    documents.extend(
        metrics
            .iter()
            .map(|metric| metric_document(project, &metric.name, metric.direction.map(|d| d.as_str()))),
    );
    Ok(documents)
}

/// One experiment's documents: to add or replace, and (kind, id) of those to remove.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentDocuments {
    /// Itself, its feature paths and its current files.
    pub documents: Vec<Document>,
    /// Its deleted files.
    pub removed: Vec<(DocumentKind, String)>,
}

/// The documents of one experiment: itself, its feature paths and its current files, and
/// the ids of its deleted files.
pub async fn experiment_documents(graph: &Graph, experiment: &ExperimentId) -> Result<ExperimentDocuments> {
    let (project, experiment): (_, Experiment) = graph.experiment_by_id(experiment).await?;
    let features = graph.features(&experiment).await?;
    let files = graph.current_files(&experiment.id).await?;
    let run = ExperimentWithFeatures {
        features: features.full,
        experiment,
    };
    let document = experiment_document(&project.name, &run);
    let mut documents: Vec<Document> = document
        .features
        .iter()
        .map(|(path, value)| feature_document(&project.name, path, std::slice::from_ref(value)))
        .collect();
    documents.extend(files.iter().filter(|file| !file.deleted).map(|file| {
        artifact_document(
            &project.name,
            &run.experiment.id,
            run.experiment.number,
            &file.path,
            &file.mime,
        )
    }));
    documents.push(document);
    let removed = files
        .iter()
        .filter(|file| file.deleted)
        .map(|file| {
            (
                DocumentKind::Artifact,
                artifact_id(&run.experiment.id, &file.path),
            )
        })
        .collect();
    Ok(ExperimentDocuments { documents, removed })
}

/// The document of one hypothesis.
pub async fn hypothesis_document(graph: &Graph, id: &HypothesisId) -> Result<Document> {
    let (project, hypothesis) = graph.hypothesis_by_id(id).await?;
    Ok(hypothesis_of(&project.name, &hypothesis))
}

fn hypothesis_of(project: &str, hypothesis: &Hypothesis) -> Document {
    Document {
        kind: DocumentKind::Hypothesis,
        id: hypothesis.id.to_string(),
        project: project.to_owned(),
        number: None,
        title: hypothesis.title.clone(),
        body: hypothesis.description.clone(),
        tags: Vec::new(),
        features: Vec::new(),
        status: Some(hypothesis.status().as_str().to_owned()),
    }
}

/// The document of a metric of `project` (its direction, when configured, in the body).
pub fn metric_document(project: &str, name: &str, direction: Option<&str>) -> Document {
    Document {
        kind: DocumentKind::Metric,
        id: format!("{project}/{name}"),
        project: project.to_owned(),
        number: None,
        title: name.to_owned(),
        body: direction.map_or_else(String::new, |direction| format!("{direction} {name}")),
        tags: Vec::new(),
        features: Vec::new(),
        status: None,
    }
}

fn experiment_document(project: &str, run: &ExperimentWithFeatures) -> Document {
    let mut features = Vec::new();
    flatten("", &run.features, &mut features);
    let experiment = &run.experiment;
    Document {
        kind: DocumentKind::Experiment,
        id: experiment.id.to_string(),
        project: project.to_owned(),
        number: Some(experiment.number),
        title: experiment.name.clone(),
        body: experiment.notes.clone(),
        tags: experiment.tags.clone(),
        features,
        status: Some(experiment.status.as_str().to_owned()),
    }
}

fn feature_document(project: &str, path: &str, values: &[String]) -> Document {
    Document {
        kind: DocumentKind::Feature,
        id: format!("{project}/{path}"),
        project: project.to_owned(),
        number: None,
        title: path.to_owned(),
        body: String::new(),
        tags: Vec::new(),
        features: values
            .iter()
            .map(|value| (path.to_owned(), value.clone()))
            .collect(),
        status: None,
    }
}

fn artifact_id(experiment: &ExperimentId, path: &str) -> String {
    format!("{experiment}/{path}")
}

fn artifact_document(
    project: &str,
    experiment: &ExperimentId,
    number: i64,
    path: &str,
    mime: &str,
) -> Document {
    Document {
        kind: DocumentKind::Artifact,
        id: artifact_id(experiment, path),
        project: project.to_owned(),
        number: Some(number),
        title: path.to_owned(),
        body: mime.to_owned(),
        tags: Vec::new(),
        features: Vec::new(),
        status: None,
    }
}
