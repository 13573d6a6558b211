//! Live streams (server-sent events, GraphQL subscriptions) outlive the request that checked
//! their access. A watch re-checks the stream's credential and its access every
//! [`RECHECK`], and ends the stream once either is gone: logout, a revoked token, a disabled
//! user or a lost role closes a live stream within a few seconds.

use std::collections::HashSet;
use std::time::Duration;

use graph::model::Role;
use graph::Graph;

use super::jwt::AccessTokens;
use super::principal::Principal;

/// How often a live stream's access is checked again.
pub const RECHECK: Duration = Duration::from_secs(2);

/// What a live stream may see, re-checked while it runs.
#[derive(Debug, Clone)]
pub struct AccessWatch {
    pub graph: Graph,
    pub access_tokens: AccessTokens,
    /// The `Authorization` value the stream was opened with.
    pub credential: Option<String>,
}

impl AccessWatch {
    /// Resolves when the credential stops authenticating, or (when `project` is given) stops
    /// reading that project, or (with no project) loses any of the `readable` projects.
    pub async fn lost(self, project: Option<String>, readable: HashSet<String>) {
        loop {
            tokio::time::sleep(RECHECK).await;
            match self.still_allowed(project.as_deref(), &readable).await {
                Ok(true) => {}
                Ok(false) => return,
                // The graph is unreachable: keep the stream, check again later.
                Err(error) => tracing::warn!(%error, "a live stream's access could not be checked"),
            }
        }
    }

    async fn still_allowed(&self, project: Option<&str>, readable: &HashSet<String>) -> graph::Result<bool> {
        let principal =
            match Principal::authenticate(self.credential.as_deref(), &self.graph, &self.access_tokens).await
            {
                Ok(Principal::Anonymous) | Err(graph::Error::Unauthenticated(_)) => return Ok(false),
                Ok(principal) => principal,
                Err(other) => return Err(other),
            };
        if let Some(project) = project {
            return match principal.project(&self.graph, project, Role::Viewer).await {
                Ok(_) => Ok(true),
                Err(graph::Error::NotFound { .. } | graph::Error::Forbidden(_)) => Ok(false),
                Err(other) => Err(other),
            };
        }
        let now: HashSet<String> = principal
            .readable_projects(&self.graph)
            .await?
            .into_iter()
            .map(|(project, _)| project.name)
            .collect();
        Ok(readable.is_subset(&now))
    }
}
