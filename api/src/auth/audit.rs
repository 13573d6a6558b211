//! The audit trail: one record per mutation (GraphQL root field or REST write) and per
//! refused authentication, appended before the response goes out.
//!
//! GraphQL mutations are recorded by [`AuditTrail`], a schema extension, so no resolver can
//! forget: it sees each root mutation field, its arguments (secrets and personal data
//! replaced by `"<redacted>"`) and its outcome (`ok`, `denied` or `error`).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextResolve, ResolveInfo,
};
use async_graphql::{Name, ServerResult, Value, Variables};
use graph::ids::UserId;
use graph::model::NewAuditEntry;
use graph::Graph;

use super::principal::Principal;

/// Argument names whose values never reach the audit log. `environment` (of
/// `recordEnvironment`) holds variable values before the secret screen, and can be large.
const REDACTED: &[&str] = &[
    "password",
    "newPassword",
    "currentPassword",
    "refreshToken",
    "token",
    "secret",
    "email",
    "displayName",
    "environment",
];

/// Where and by whom a request was made, attached to every GraphQL request.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub client: String,
    /// Set by `login` when it learns who signed in (or failed to), so that the record names
    /// the account even though the caller was anonymous.
    pub actor: Arc<Mutex<Option<UserId>>>,
    /// The `Authorization` value the request came with (live streams re-check it).
    pub credential: Option<String>,
}

impl RequestMeta {
    /// A request from `client`, sent with `credential`, with a fresh id.
    pub fn new(client: String, credential: Option<String>) -> Self {
        Self {
            request_id: uuid::Uuid::now_v7().to_string(),
            client,
            actor: Arc::default(),
            credential,
        }
    }

    /// Records a refused credential (no actor) for `target`.
    pub async fn record_refused(&self, graph: &Graph, target: &str, error: &graph::Error) {
        let entry = NewAuditEntry {
            actor: None,
            action: "authenticate".into(),
            target: target.to_owned(),
            outcome: "denied".into(),
            summary: serde_json::json!({ "code": error.code() }).to_string(),
            request_id: self.request_id.clone(),
            client: self.client.clone(),
        };
        record(graph, entry).await;
    }

    /// Records who the request turned out to be about (sign-in).
    pub fn set_actor(&self, user: &UserId) {
        if let Ok(mut actor) = self.actor.lock() {
            *actor = Some(user.clone());
        }
    }
}

/// Appends one audit record; a failure to record is logged loudly (the action happened).
pub async fn record(graph: &Graph, entry: NewAuditEntry) {
    if let Err(error) = graph.append_audit(entry).await {
        tracing::error!(%error, "audit record not written");
    }
}

/// The outcome word of an error code.
pub fn outcome_of(code: Option<&str>) -> &'static str {
    match code {
        None => "ok",
        Some("UNAUTHENTICATED" | "FORBIDDEN" | "RATE_LIMITED") => "denied",
        Some(_) => "error",
    }
}

/// The schema extension that audits every root mutation field.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    pub graph: Graph,
}

impl ExtensionFactory for AuditTrail {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditRequest {
            graph: self.graph.clone(),
            variables: Mutex::default(),
        })
    }
}

struct AuditRequest {
    graph: Graph,
    variables: Mutex<Variables>,
}

#[async_trait::async_trait]
impl Extension for AuditRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        if let Ok(mut variables) = self.variables.lock() {
            *variables = request.variables.clone();
        }
        next.run(ctx, request).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root_mutation = info.path_node.parent.is_none() && info.parent_type == "MutationRoot";
        if !is_root_mutation {
            return next.run(ctx, info).await;
        }
        let action = info.name.to_owned();
        let arguments = self.arguments(info.field);
        let result = next.run(ctx, info).await;
        let code = result.as_ref().err().and_then(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .map(|code| code.to_string().trim_matches('"').to_owned())
        });
        let meta = ctx.data_opt::<RequestMeta>();
        let signed_in = ctx.data_opt::<Principal>().and_then(Principal::user_id).cloned();
        let learned = meta.and_then(|meta| meta.actor.lock().ok().and_then(|actor| actor.clone()));
        record(
            &self.graph,
            NewAuditEntry {
                actor: signed_in.or(learned),
                target: target_of(&action, &arguments),
                action,
                outcome: outcome_of(code.as_deref()).to_owned(),
                summary: arguments.to_string(),
                request_id: meta.map(|meta| meta.request_id.clone()).unwrap_or_default(),
                client: meta.map(|meta| meta.client.clone()).unwrap_or_default(),
            },
        )
        .await;
        result
    }
}

impl AuditRequest {
    /// The field's arguments as JSON, variables filled in, sensitive values redacted.
    fn arguments(&self, field: &async_graphql::parser::types::Field) -> serde_json::Value {
        let variables = self.variables.lock().map(|v| v.clone()).unwrap_or_default();
        let mut object = serde_json::Map::new();
        for (name, value) in &field.arguments {
            let constant = value
                .node
                .clone()
                .into_const_with(|variable: Name| {
                    Ok::<_, std::convert::Infallible>(variables.get(&variable).cloned().unwrap_or_default())
                })
                .unwrap_or_default();
            let json = constant.into_json().unwrap_or(serde_json::Value::Null);
            object.insert(name.node.to_string(), redact(json, name.node.as_str()));
        }
        serde_json::Value::Object(object)
    }
}

/// `value` with every sensitive field replaced.
fn redact(value: serde_json::Value, name: &str) -> serde_json::Value {
    if REDACTED.contains(&name) {
        return serde_json::Value::String("<redacted>".into());
    }
    match value {
        serde_json::Value::Object(fields) => serde_json::Value::Object(
            fields
                .into_iter()
                .map(|(key, inner)| {
                    let redacted = redact(inner, &key);
                    (key, redacted)
                })
                .collect(),
        ),
        other => other,
    }
}

/// What a mutation acted on, from its arguments: the project when it names one.
fn target_of(action: &str, arguments: &serde_json::Value) -> String {
    let project = arguments
        .get("project")
        .or_else(|| arguments.get("input").and_then(|input| input.get("project")))
        .or_else(|| {
            arguments
                .get("name")
                .filter(|_| action == "createProject" || action == "updateProject")
        });
    if let Some(project) = project.and_then(serde_json::Value::as_str) {
        return format!("project {project}");
    }
    for key in ["id", "userId", "team"] {
        if let Some(value) = arguments.get(key).and_then(serde_json::Value::as_str) {
            return format!("{key} {value}");
        }
    }
    action.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_personal_data_never_reach_the_summary() {
        let arguments = serde_json::json!({
            "input": {"email": "a@b.c", "password": "hunter2hunter2", "displayName": "Ann", "siteAdmin": true},
            "refreshToken": "rsdk_refresh_x",
        });
        let redacted = redact(arguments, "arguments").to_string();
        for secret in ["a@b.c", "hunter2", "Ann", "rsdk_refresh_x"] {
            assert!(!redacted.contains(secret), "{redacted}");
        }
        assert!(redacted.contains("siteAdmin"));
    }

    #[test]
    fn the_target_is_the_project_when_there_is_one() {
        let create = serde_json::json!({"input": {"project": "vit", "name": "1"}});
        assert_eq!(target_of("createExperiment", &create), "project vit");
        assert_eq!(
            target_of("updateProject", &serde_json::json!({"name": "vit"})),
            "project vit"
        );
        assert_eq!(
            target_of("revokeApiToken", &serde_json::json!({"id": "ab12"})),
            "id ab12"
        );
        assert_eq!(target_of("logout", &serde_json::json!({})), "logout");
    }
}

/// Filters of `GET /api/v1/audit.jsonl`.
#[derive(Debug, serde::Deserialize)]
pub struct ExportFilter {
    actor: Option<String>,
    action: Option<String>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

/// `GET /api/v1/audit.jsonl[?actor=&action=&since=&until=]` (site admins): every matching
/// audit record, newest first, one JSON object a line.
pub async fn export(
    axum::extract::State(services): axum::extract::State<crate::services::Services>,
    caller: super::Caller,
    axum::extract::Query(filter): axum::extract::Query<ExportFilter>,
) -> Result<axum::response::Response, crate::error::ApiError> {
    use axum::response::IntoResponse as _;
    caller.principal.site_admin()?;
    const PAGE: i64 = 1_000;
    let mut lines = String::new();
    let mut until = filter.until;
    // Records at the page boundary's instant come again on the next page: skip those seen.
    let mut seen_at_boundary: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let page = services
            .graph
            .audit_log(graph::model::AuditFilter {
                actor: filter.actor.clone().map(UserId),
                action: filter.action.clone(),
                since: filter.since,
                until,
                first: PAGE,
            })
            .await?;
        let Some(last) = page.last().map(|entry| entry.at) else {
            break;
        };
        let mut fresh = 0;
        for entry in &page {
            if seen_at_boundary.contains(&entry.id) {
                continue;
            }
            fresh += 1;
            let line = serde_json::json!({
                "id": entry.id,
                "actor": entry.actor.as_ref().map(|actor| actor.0.clone()),
                "action": entry.action,
                "target": entry.target,
                "outcome": entry.outcome,
                "summary": serde_json::from_str::<serde_json::Value>(&entry.summary).unwrap_or_default(),
                "at": entry.at,
                "requestId": entry.request_id,
                "client": entry.client,
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        if page.len() < PAGE as usize || fresh == 0 {
            break;
        }
        seen_at_boundary = page
            .iter()
            .filter(|entry| entry.at == last)
            .map(|entry| entry.id.clone())
            .collect();
        until = Some(last);
    }
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-ndjson")],
        lines,
    )
        .into_response())
}
