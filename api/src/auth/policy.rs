//! The one permission policy. Every resolver and REST handler asks it before it calls a
//! service, and gets back what it may work on.
//!
//! - A site admin manages users and teams and is admin of every project.
//! - On a project, a user's role is their per-project override (`HAS_ROLE`), else their
//!   highest role in a team that owns the project. Viewer reads; researcher also creates and
//!   edits experiments, hypotheses and artifacts; admin also manages settings and members.
//! - An API token caps its user: its role is the most it may do, and a token scoped to some
//!   projects sees no other.
//! - A project the caller may not read answers exactly like a missing one (`NOT_FOUND`); a
//!   project they may read but not change answers `FORBIDDEN`.

use graph::ids::{ExperimentId, HypothesisId};
use graph::model::{Experiment, Hypothesis, Project, Role, User};
use graph::Graph;

use super::principal::Principal;

fn not_signed_in() -> graph::Error {
    graph::Error::Unauthenticated("sign in first (`login`) or send an API token".into())
}

impl Principal {
    /// The signed-in user, or `Unauthenticated`.
    pub fn user(&self) -> graph::Result<&User> {
        match self {
            Principal::Anonymous => Err(not_signed_in()),
            Principal::User { user, .. } => Ok(user),
        }
    }

    /// The user when they are a site admin with full powers (an API token must be unscoped
    /// and carry the admin role), else `Forbidden`.
    pub fn site_admin(&self) -> graph::Result<&User> {
        let user = self.user()?;
        let token_allows = match self {
            Principal::User {
                token: Some(token), ..
            } => token.role == Role::Admin && token.projects.is_none(),
            _ => true,
        };
        if user.site_admin && token_allows {
            return Ok(user);
        }
        Err(graph::Error::Forbidden("only a site admin may do this".into()))
    }

    /// The most the caller may do on `project`: `None` when they may not even read it.
    pub async fn role_on(&self, graph: &Graph, project: &Project) -> graph::Result<Option<Role>> {
        let Principal::User { user, .. } = self else {
            return Ok(None);
        };
        let own = if user.site_admin {
            Some(Role::Admin)
        } else {
            graph.project_role(&user.id, &project.id).await?
        };
        Ok(self.capped(project, own))
    }

    /// The user's own role on `project` as the API token (if any) caps it: no role outside
    /// the token's projects, never more than the token's role.
    fn capped(&self, project: &Project, own: Option<Role>) -> Option<Role> {
        let Principal::User {
            token: Some(token), ..
        } = self
        else {
            return own;
        };
        let in_scope = token
            .projects
            .as_ref()
            .is_none_or(|projects| projects.contains(&project.id));
        own.filter(|_| in_scope).map(|role| role.min(token.role))
    }

    /// `Ok` when `role` (the caller's on `project`) is at least `needed`: no role answers
    /// `missing` (unreadable looks exactly like absent), too low a role `Forbidden`.
    fn require(
        project: &Project,
        role: Option<Role>,
        needed: Role,
        missing: impl FnOnce() -> graph::Error,
    ) -> graph::Result<()> {
        match role {
            None => Err(missing()),
            Some(role) if role >= needed => Ok(()),
            Some(role) => Err(graph::Error::Forbidden(format!(
                "your role on project {} is {}; this needs {}",
                project.name,
                role.as_str(),
                needed.as_str()
            ))),
        }
    }

    /// Project `name` when the caller holds at least `needed` on it.
    pub async fn project(&self, graph: &Graph, name: &str, needed: Role) -> graph::Result<Project> {
        self.user()?;
        let missing = || graph::Error::NotFound {
            entity: "project",
            id: name.to_owned(),
        };
        let project = match graph.project(name).await {
            Ok(project) => project,
            Err(graph::Error::NotFound { .. }) => return Err(missing()),
            Err(other) => return Err(other),
        };
        Self::require(&project, self.role_on(graph, &project).await?, needed, missing)?;
        Ok(project)
    }

    /// Experiment `number` of project `name`, when the caller holds at least `needed` on the
    /// project; an unreadable project answers exactly like a missing one.
    pub async fn experiment_numbered(
        &self,
        graph: &Graph,
        name: &str,
        number: i64,
        needed: Role,
    ) -> graph::Result<Experiment> {
        self.project(graph, name, needed).await?;
        graph.experiment(name, number).await
    }

    /// The experiment with global id `id` and its project, when the caller holds at least
    /// `needed` on that project; unreadable answers exactly like missing.
    pub async fn experiment(
        &self,
        graph: &Graph,
        id: &ExperimentId,
        needed: Role,
    ) -> graph::Result<(Project, Experiment)> {
        self.user()?;
        let (project, experiment) = graph.experiment_by_id(id).await?;
        let missing = || graph::Error::NotFound {
            entity: "experiment",
            id: id.to_string(),
        };
        Self::require(&project, self.role_on(graph, &project).await?, needed, missing)?;
        Ok((project, experiment))
    }

    /// The hypothesis with global id `id` and its project, when the caller holds at least
    /// `needed` on that project; unreadable answers exactly like missing.
    pub async fn hypothesis(
        &self,
        graph: &Graph,
        id: &HypothesisId,
        needed: Role,
    ) -> graph::Result<(Project, Hypothesis)> {
        self.user()?;
        let (project, hypothesis) = graph.hypothesis_by_id(id).await?;
        let missing = || graph::Error::NotFound {
            entity: "hypothesis",
            id: id.to_string(),
        };
        Self::require(&project, self.role_on(graph, &project).await?, needed, missing)?;
        Ok((project, hypothesis))
    }

    /// Every project the caller may read, with their role on it.
    pub async fn readable_projects(&self, graph: &Graph) -> graph::Result<Vec<(Project, Role)>> {
        let user = self.user()?;
        let candidates = if user.site_admin {
            graph
                .projects()
                .await?
                .into_iter()
                .map(|project| (project, Role::Admin))
                .collect()
        } else {
            graph.projects_with_roles(&user.id).await?
        };
        // The candidates come with the user's own roles: only the token's cap is left to apply.
        Ok(candidates
            .into_iter()
            .filter_map(|(project, own)| self.capped(&project, Some(own)).map(|role| (project, role)))
            .collect())
    }

    /// Refuses a role above the caller's own best role (granting it to a token or to
    /// someone else would escalate).
    pub async fn check_can_grant(&self, graph: &Graph, role: Role, field: &str) -> graph::Result<()> {
        if let Principal::User {
            token: Some(token), ..
        } = self
        {
            if token.projects.is_some() {
                return Err(graph::Error::Forbidden(format!(
                    "{field}: a token scoped to some projects cannot grant access to all of them"
                )));
            }
        }
        let best = self
            .readable_projects(graph)
            .await?
            .into_iter()
            .map(|(_, role)| role)
            .max();
        if self.site_admin().is_ok() || best.is_some_and(|best| best >= role) {
            return Ok(());
        }
        Err(graph::Error::Forbidden(format!(
            "{field}: cannot grant {}, above your own role",
            role.as_str()
        )))
    }

    /// The user who may create a project: signed in with researcher powers (a token must be
    /// unscoped and at least researcher), and, for a team's project, a researcher or admin of
    /// that team (or a site admin).
    pub async fn check_can_create_project(&self, graph: &Graph, team: Option<&str>) -> graph::Result<&User> {
        let user = self.user()?;
        if let Principal::User {
            token: Some(token), ..
        } = self
        {
            if token.role < Role::Researcher || token.projects.is_some() {
                return Err(graph::Error::Forbidden(
                    "this API token may not create projects (it needs the researcher role and no project scope)"
                        .into(),
                ));
            }
        }
        let Some(team) = team else {
            return Ok(user);
        };
        if self.site_admin().is_ok() {
            return Ok(user);
        }
        let member = graph
            .user_memberships(&user.id)
            .await?
            .into_iter()
            .any(|membership| membership.team.name == team && membership.role >= Role::Researcher);
        if member {
            return Ok(user);
        }
        Err(graph::Error::Forbidden(format!(
            "team: only researchers and admins of team {team} may create its projects"
        )))
    }

    /// The user when they may write somewhere: researcher or more on at least one project
    /// (through this token), or a site admin. Blobs are not tied to a project yet, so
    /// uploading one needs this.
    pub async fn writer(&self, graph: &Graph) -> graph::Result<&User> {
        let user = self.user()?;
        if self.site_admin().is_ok() {
            return Ok(user);
        }
        let writes_somewhere = self
            .readable_projects(graph)
            .await?
            .into_iter()
            .any(|(_, role)| role >= Role::Researcher);
        if writes_somewhere {
            return Ok(user);
        }
        Err(graph::Error::Forbidden(
            "uploading needs the researcher role on a project".into(),
        ))
    }
}
