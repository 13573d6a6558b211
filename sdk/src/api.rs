//! The server operations the client uses, typed: one function per GraphQL operation or REST
//! call. Values reach GraphQL only as variables.

use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{Body, Client};
use crate::error::{Error, Result};

/// An experiment as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentRef {
    pub id: String,
    pub number: i64,
    pub name: String,
    #[serde(default)]
    pub status: String,
}

/// A row of `rsdk experiments list`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentRow {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub status: String,
    pub progress: i64,
    pub created_at: String,
    pub parent: Option<ExperimentNumber>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExperimentNumber {
    pub number: i64,
}

/// What creating an experiment needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewExperiment {
    pub project: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_number: Option<i64>,
    /// Full features as JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun_of: Option<i64>,
}

/// A change of an experiment's status, progress, notes or tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// One file of an upload manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub hash: String,
    pub mime: String,
}

/// A project's capture policy (which files `log_artifacts` takes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapturePolicy {
    pub name: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_bytes: u64,
    pub max_experiment_bytes: u64,
}

const EXPERIMENT_FIELDS: &str = "id number name status";

/// Whether project `name` exists (and the caller may see it).
pub fn project_exists(client: &Client, name: &str) -> Result<bool> {
    let query = "query ProjectExists($name: String!) { project(name: $name) { name } }";
    match client.graphql::<Value>("ProjectExists", query, json!({ "name": name })) {
        Ok(_) => Ok(true),
        Err(Error::Server { code, .. }) if code == "NOT_FOUND" => Ok(false),
        Err(error) => Err(error),
    }
}

/// Creates project `name`.
pub fn create_project(client: &Client, name: &str) -> Result<()> {
    let query =
        "mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { name } }";
    client.graphql::<Value>("CreateProject", query, json!({ "input": { "name": name } }))?;
    Ok(())
}

/// The names of the projects the caller sees.
pub fn projects(client: &Client) -> Result<Vec<Value>> {
    let query = "query Projects { projects { name description createdAt nextNumber } }";
    let data: Value = client.graphql("Projects", query, json!({}))?;
    Ok(data["projects"].as_array().cloned().unwrap_or_default())
}

pub fn create_experiment(client: &Client, input: &NewExperiment) -> Result<ExperimentRef> {
    let query = format!(
        "mutation CreateExperiment($input: CreateExperimentInput!) {{ createExperiment(input: $input) {{ {EXPERIMENT_FIELDS} }} }}"
    );
    let mut input = serde_json::to_value(input).map_err(|error| Error::Internal(error.to_string()))?;
    if let Some(status) = input.get_mut("status") {
        *status = Value::String(status.as_str().unwrap_or_default().to_uppercase());
    }
    let data: Value = client.graphql("CreateExperiment", &query, json!({ "input": input }))?;
    experiment_from(&data["createExperiment"])
}

/// Experiment `number` of `project`.
pub fn experiment(client: &Client, project: &str, number: i64) -> Result<ExperimentRef> {
    let query = format!(
        "query Experiment($project: String!, $number: Int!) {{ experiment(project: $project, number: $number) {{ {EXPERIMENT_FIELDS} }} }}"
    );
    let data: Value = client.graphql(
        "Experiment",
        &query,
        json!({ "project": project, "number": number }),
    )?;
    experiment_from(&data["experiment"])
}

/// The last logged step of each metric of an experiment.
pub fn last_steps(client: &Client, project: &str, number: i64) -> Result<Vec<(String, u64)>> {
    let query = "query LastSteps($project: String!, $number: Int!) { experiment(project: $project, number: $number) { measured { metric lastStep } } }";
    let data: Value = client.graphql(
        "LastSteps",
        query,
        json!({ "project": project, "number": number }),
    )?;
    Ok(data["experiment"]["measured"]
        .as_array()
        .map(|measured| {
            measured
                .iter()
                .filter_map(|m| Some((m["metric"].as_str()?.to_owned(), m["lastStep"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default())
}

/// An experiment's full features.
pub fn features(client: &Client, project: &str, number: i64) -> Result<Value> {
    let query = "query Features($project: String!, $number: Int!) { experiment(project: $project, number: $number) { featuresFull } }";
    let data: Value = client.graphql("Features", query, json!({ "project": project, "number": number }))?;
    Ok(data["experiment"]["featuresFull"].clone())
}

/// A page of a project's experiments after cursor `after`, with the next page's cursor.
pub fn experiments(
    client: &Client,
    project: &str,
    after: Option<&str>,
    first: i64,
) -> Result<(Vec<ExperimentRow>, Option<String>)> {
    let query = "query Experiments($project: String!, $first: Int, $after: String) { \
        experiments(project: $project, first: $first, after: $after) { \
        pageInfo { hasNextPage endCursor } nodes { id number name status progress createdAt parent { number } } } }";
    let data: Value = client.graphql(
        "Experiments",
        query,
        json!({ "project": project, "first": first, "after": after }),
    )?;
    let page = &data["experiments"];
    let rows: Vec<ExperimentRow> = serde_json::from_value(page["nodes"].clone())
        .map_err(|error| Error::Internal(format!("Experiments: unexpected answer: {error}")))?;
    let next = match page["pageInfo"]["hasNextPage"].as_bool() {
        Some(true) => page["pageInfo"]["endCursor"].as_str().map(str::to_owned),
        _ => None,
    };
    Ok((rows, next))
}

pub fn update_experiment(
    client: &Client,
    project: &str,
    number: i64,
    update: &ExperimentUpdate,
) -> Result<()> {
    let query =
        "mutation UpdateExperiment($project: String!, $number: Int!, $input: UpdateExperimentInput!) { \
        updateExperiment(project: $project, number: $number, input: $input) { id } }";
    let mut input = serde_json::to_value(update).map_err(|error| Error::Internal(error.to_string()))?;
    if let Some(status) = input.get_mut("status") {
        *status = Value::String(status.as_str().unwrap_or_default().to_uppercase());
    }
    client.graphql::<Value>(
        "UpdateExperiment",
        query,
        json!({ "project": project, "number": number, "input": input }),
    )?;
    Ok(())
}

/// Replaces an experiment's full features (JSON text).
pub fn update_features(client: &Client, project: &str, number: i64, features: &str) -> Result<()> {
    let query = "mutation UpdateFeatures($project: String!, $number: Int!, $features: String!) { \
        updateExperimentFeatures(project: $project, number: $number, features: $features) { id } }";
    client.graphql::<Value>(
        "UpdateFeatures",
        query,
        json!({ "project": project, "number": number, "features": features }),
    )?;
    Ok(())
}

/// Records the environment (an `EnvironmentInput` as JSON).
pub fn record_environment(client: &Client, project: &str, number: i64, environment: &Value) -> Result<()> {
    let query =
        "mutation RecordEnvironment($project: String!, $number: Int!, $environment: EnvironmentInput!) { \
        recordEnvironment(project: $project, number: $number, environment: $environment) { recordedAt } }";
    client.graphql::<Value>(
        "RecordEnvironment",
        query,
        json!({ "project": project, "number": number, "environment": environment }),
    )?;
    Ok(())
}

/// The longest restore-check detail the server keeps, in characters.
pub const MAX_RESTORE_DETAIL_CHARS: usize = 2_000;

/// Records how restoring an experiment went (`detail`: the verifier's summary, cut to
/// [`MAX_RESTORE_DETAIL_CHARS`]).
pub fn record_restore_check(
    client: &Client,
    project: &str,
    number: i64,
    verified: bool,
    detail: &str,
) -> Result<()> {
    let query = "mutation RecordRestoreCheck($project: String!, $number: Int!, $verified: Boolean!, $detail: String!) { \
        recordRestoreCheck(project: $project, number: $number, verified: $verified, detail: $detail) { checkedAt } }";
    let detail: String = detail.chars().take(MAX_RESTORE_DETAIL_CHARS).collect();
    client.graphql::<Value>(
        "RecordRestoreCheck",
        query,
        json!({ "project": project, "number": number, "verified": verified, "detail": detail }),
    )?;
    Ok(())
}

/// The environment record of an experiment, if any.
pub fn environment(client: &Client, project: &str, number: i64) -> Result<Option<Value>> {
    let query = "query Environment($project: String!, $number: Int!) { environment(project: $project, number: $number) { \
        interpreter packages { name version } platform commandLine workingDirectory codeDirectory \
        variables { name value } } }";
    let data: Value = client.graphql(
        "Environment",
        query,
        json!({ "project": project, "number": number }),
    )?;
    Ok(Some(data["environment"].clone()).filter(|value| !value.is_null()))
}

/// A project's capture policy by name (the built-in `project-default` when not replaced).
pub fn capture_policy(client: &Client, project: &str, name: &str) -> Result<CapturePolicy> {
    let query = "query CapturePolicies($project: String!) { capturePolicies(project: $project) { \
        name include exclude maxFileBytes maxExperimentBytes } }";
    let data: Value = client.graphql("CapturePolicies", query, json!({ "project": project }))?;
    let policies: Vec<CapturePolicy> = serde_json::from_value(data["capturePolicies"].clone())
        .map_err(|error| Error::Internal(format!("CapturePolicies: unexpected answer: {error}")))?;
    policies
        .into_iter()
        .find(|policy| policy.name == name)
        .ok_or_else(|| {
            Error::invalid(
                "policy",
                format!("project {project} has no capture policy `{name}`"),
            )
        })
}

/// Links experiment `number` to hypothesis `hypothesis` (its id); linking twice is harmless.
pub fn link_hypothesis(client: &Client, hypothesis: &str, number: i64) -> Result<()> {
    let query = "mutation LinkExperiments($id: ID!, $numbers: [Int!]!) { \
        linkExperiments(id: $id, numbers: $numbers) { id } }";
    client.graphql::<Value>(
        "LinkExperiments",
        query,
        json!({ "id": hypothesis, "numbers": [number] }),
    )?;
    Ok(())
}

/// Sends one metric chunk (MessagePack); answers whether the server had it already.
pub fn post_chunk(client: &Client, experiment_id: &str, chunk: &[u8]) -> Result<bool> {
    let answer = client.request_json(
        "appendMetrics",
        "POST",
        &format!("/api/v1/experiments/{experiment_id}/metrics"),
        &[],
        Body::Bytes {
            content_type: "application/msgpack",
            bytes: chunk,
        },
    )?;
    Ok(answer["duplicate"].as_bool().unwrap_or(false))
}

/// Which of the files' contents the server lacks (their paths), for experiment files
/// (`kind` `files`, checked against `policy`) or code (`kind` `code`).
pub fn plan(
    client: &Client,
    experiment_id: &str,
    kind: UploadKind,
    files: &[ManifestFile],
    policy: Option<&str>,
) -> Result<Vec<String>> {
    let mut body = json!({ "files": files });
    if let (UploadKind::Files, Some(policy)) = (kind, policy) {
        body["policy"] = Value::String(policy.to_owned());
    }
    let answer = client.request_json(
        kind.plan_operation(),
        "POST",
        &format!("/api/v1/experiments/{experiment_id}/{}/plan", kind.folder()),
        &[],
        Body::Json(&body),
    )?;
    Ok(answer["lacking"]
        .as_array()
        .map(|paths| {
            paths
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default())
}

/// Uploads one content (`body` holds it).
pub fn put_content(
    client: &Client,
    experiment_id: &str,
    kind: UploadKind,
    entry: &ManifestFile,
    body: ContentBody<'_>,
) -> Result<()> {
    let body = match body {
        ContentBody::Bytes(bytes) => Body::Bytes {
            content_type: &entry.mime,
            bytes,
        },
        ContentBody::File(file) => Body::File {
            content_type: &entry.mime,
            file,
        },
    };
    client.request_json_with(
        "uploadContent",
        "PUT",
        &format!("/api/v1/experiments/{experiment_id}/{}/content", kind.folder()),
        &[("path", entry.path.as_str())],
        &[("x-rsdk-sha256", entry.hash.as_str())],
        body,
    )?;
    Ok(())
}

/// Commits experiment files (added or changed; others stay).
pub fn commit_files(
    client: &Client,
    experiment_id: &str,
    files: &[ManifestFile],
    policy: Option<&str>,
) -> Result<()> {
    let mut body = json!({ "files": files });
    if let Some(policy) = policy {
        body["policy"] = Value::String(policy.to_owned());
    }
    client.request_json(
        "commitFiles",
        "POST",
        &format!("/api/v1/experiments/{experiment_id}/files/commit"),
        &[],
        Body::Json(&body),
    )?;
    Ok(())
}

/// Records the code snapshot (`POST …/code`); `body` as the server documents it.
pub fn record_code(client: &Client, experiment_id: &str, body: &Value) -> Result<Value> {
    client.request_json(
        "recordCode",
        "POST",
        &format!("/api/v1/experiments/{experiment_id}/code"),
        &[],
        Body::Json(body),
    )
}

/// The restore archive of an experiment's code (`mode` auto, git or full).
pub fn restore_archive(
    client: &Client,
    experiment_id: &str,
    mode: &str,
) -> Result<impl Read + Send + 'static> {
    client.request_reader(
        "restoreCode",
        &format!("/api/v1/experiments/{experiment_id}/code/restore"),
        &[("mode", mode)],
    )
}

/// Signs in with email and password; answers an access token.
pub fn login(client: &Client, email: &str, password: &str) -> Result<String> {
    let query = "mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }";
    let data: Value = client.graphql("Login", query, json!({ "email": email, "password": password }))?;
    data["login"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal("Login: no access token in the answer".into()))
}

/// Creates an API token for the signed-in user (the token text).
pub fn create_api_token(client: &Client, name: &str, role: &str) -> Result<String> {
    let query = "mutation CreateApiToken($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { token } }";
    let data: Value = client.graphql("CreateApiToken", query, json!({ "name": name, "role": role }))?;
    data["createApiToken"]["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal("CreateApiToken: no token in the answer".into()))
}

/// The signed-in user's email (checks a token).
pub fn whoami(client: &Client) -> Result<Value> {
    let query = "query Me { me { id email displayName } }";
    let data: Value = client.graphql("Me", query, json!({}))?;
    Ok(data["me"].clone())
}

/// What a search hit is (GraphQL `SearchKind`; the CLI's `--kind` values in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SearchKind {
    Experiment,
    Hypothesis,
    Feature,
    Artifact,
    Metric,
}

impl SearchKind {
    /// The kind in lower case, as the CLI prints it.
    pub fn label(self) -> &'static str {
        match self {
            SearchKind::Experiment => "experiment",
            SearchKind::Hypothesis => "hypothesis",
            SearchKind::Feature => "feature",
            SearchKind::Artifact => "artifact",
            SearchKind::Metric => "metric",
        }
    }
}

/// A page of search results: the first hits and how many documents match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: i64,
    pub hits: Vec<SearchHit>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: String,
    pub project: String,
    /// The experiment's number (experiments and artifacts).
    pub number: Option<i64>,
    pub title: String,
    pub score: f64,
    pub snippets: Vec<SearchSnippet>,
}

/// A fragment of a hit's field (`title`, `notes`, `tags`, `features`) with its matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSnippet {
    pub field: String,
    pub text: String,
    /// The text HTML-escaped, matches in `<mark>`.
    pub html: String,
    pub highlights: Vec<Highlight>,
}

/// A matched part of a snippet: character (not byte) offsets into its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlight {
    pub start: usize,
    pub end: usize,
}

/// The answer to a plain-language question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// False when the sentence asks for a clarification instead (see `suggestions`).
    pub answered: bool,
    pub sentence: String,
    pub columns: Vec<String>,
    /// One JSON value a column, one row a line of the answer.
    pub rows: Vec<Vec<Value>>,
    pub interpretation: Interpretation,
    /// The read-only Cypher that produced the answer, in the order it ran.
    pub cypher: Vec<CypherStatement>,
    /// Names or questions to try instead.
    pub suggestions: Vec<String>,
}

/// How a question was understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpretation {
    pub intent: String,
    pub description: String,
    /// How words were read (`read "acuracy" as "accuracy"`).
    pub notes: Vec<String>,
}

/// A named Cypher statement an answer ran, with its parameters and how many rows it returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CypherStatement {
    pub name: String,
    pub text: String,
    pub parameters: Value,
    pub rows: i64,
}

/// Full-text search of the projects the caller reads (or only `project`), of `kinds` (every
/// kind when empty), at most `first` hits.
pub fn search(
    client: &Client,
    query: &str,
    project: Option<&str>,
    kinds: &[SearchKind],
    first: i64,
) -> Result<SearchResults> {
    #[derive(Deserialize)]
    struct Data {
        search: SearchResults,
    }
    let operation = "query Search($query: String!, $project: String, $kinds: [SearchKind!], $first: Int) { \
        search(query: $query, project: $project, kinds: $kinds, first: $first) { total \
        hits { kind id project number title score snippets { field text html highlights { start end } } } } }";
    let kinds = (!kinds.is_empty()).then_some(kinds);
    let variables = json!({ "query": query, "project": project, "kinds": kinds, "first": first });
    let data: Data = client.graphql("Search", operation, variables)?;
    Ok(data.search)
}

/// Answers a plain-language question about `project`.
pub fn ask(client: &Client, project: &str, question: &str) -> Result<Answer> {
    #[derive(Deserialize)]
    struct Data {
        ask: Answer,
    }
    let operation =
        "query Ask($project: String!, $question: String!) { ask(project: $project, question: $question) { \
        answered sentence columns rows interpretation { intent description notes } \
        cypher { name text parameters rows } suggestions } }";
    let data: Data = client.graphql(
        "Ask",
        operation,
        json!({ "project": project, "question": question }),
    )?;
    Ok(data.ask)
}

/// Rebuilds the search index of `project` (or of every project) from the graph; answers how
/// many documents it indexed.
pub fn rebuild_search_index(client: &Client, project: Option<&str>) -> Result<i64> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        rebuild_search_index: i64,
    }
    let operation = "mutation RebuildSearchIndex($project: String) { rebuildSearchIndex(project: $project) }";
    let data: Data = client.graphql("RebuildSearchIndex", operation, json!({ "project": project }))?;
    Ok(data.rebuild_search_index)
}

/// The content of an upload.
#[derive(Debug)]
pub enum ContentBody<'a> {
    Bytes(&'a [u8]),
    File(std::fs::File),
}

/// Where an upload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Files,
    Code,
}

impl UploadKind {
    fn folder(self) -> &'static str {
        match self {
            UploadKind::Files => "files",
            UploadKind::Code => "code",
        }
    }

    fn plan_operation(self) -> &'static str {
        match self {
            UploadKind::Files => "planFiles",
            UploadKind::Code => "planCode",
        }
    }
}

fn experiment_from(value: &Value) -> Result<ExperimentRef> {
    serde_json::from_value(value.clone())
        .map_err(|error| Error::Internal(format!("unexpected experiment in the answer: {error}")))
}
