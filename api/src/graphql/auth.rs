//! Sign-in, users, teams, roles, API tokens, the audit log and personal data: the GraphQL
//! side of the auth domain. Every resolver asks the policy first (see `crate::auth::policy`).

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use graph::ids::UserId;
use graph::model::{self, AuditFilter, NewApiToken, NewUser, Role};
use graph::Graph;

use super::caller;
use super::hypotheses::Person;
use crate::auth::{AccessTokens, LoginLimiter, RequestMeta};
use crate::error::GraphQlResultExt;

/// How long refresh tokens live, as configured.
#[derive(Debug, Clone, Copy)]
pub struct RefreshLifetime(pub Duration);

/// A role on a project.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleGql {
    /// Reads.
    Viewer,
    /// Also creates and edits experiments, hypotheses and artifacts.
    Researcher,
    /// Also manages settings and members.
    Admin,
}

impl From<RoleGql> for Role {
    fn from(role: RoleGql) -> Self {
        match role {
            RoleGql::Viewer => Role::Viewer,
            RoleGql::Researcher => Role::Researcher,
            RoleGql::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleGql {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => RoleGql::Viewer,
            Role::Researcher => RoleGql::Researcher,
            Role::Admin => RoleGql::Admin,
        }
    }
}

/// A user (never with a password hash).
#[derive(SimpleObject, Debug)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
    pub site_admin: bool,
}

impl From<model::User> for User {
    fn from(user: model::User) -> Self {
        Self {
            id: ID(user.id.0),
            email: user.email,
            display_name: user.display_name,
            created_at: user.created_at,
            disabled: user.disabled,
            site_admin: user.site_admin,
        }
    }
}

/// A team.
#[derive(SimpleObject, Debug)]
pub struct Team {
    pub id: ID,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<model::Team> for Team {
    fn from(team: model::Team) -> Self {
        Self {
            id: ID(team.id.0),
            name: team.name,
            created_at: team.created_at,
        }
    }
}

/// A member of a team and their role there.
#[derive(SimpleObject, Debug)]
pub struct TeamMember {
    pub team: Team,
    pub user: User,
    pub role: RoleGql,
}

impl From<model::Membership> for TeamMember {
    fn from(membership: model::Membership) -> Self {
        Self {
            team: membership.team.into(),
            user: membership.user.into(),
            role: membership.role.into(),
        }
    }
}

/// Someone with a role on a project, as its members see them (never the email), and where
/// the role comes from.
#[derive(SimpleObject, Debug)]
pub struct ProjectMember {
    pub person: Person,
    /// The role that counts: the override when there is one, else the highest team role.
    pub role: RoleGql,
    /// The teams owning the project that the member is in, with the role each gives.
    pub teams: Vec<TeamRole>,
    /// The member's own role on the project (`setProjectRole`), which wins over their teams'.
    pub override_role: Option<RoleGql>,
}

/// The role a team gives its members on the projects it owns.
#[derive(SimpleObject, Debug)]
pub struct TeamRole {
    pub team: String,
    pub role: RoleGql,
}

impl From<model::ProjectMember> for ProjectMember {
    fn from(member: model::ProjectMember) -> Self {
        Self {
            person: Person {
                id: ID(member.user_id.0),
                display_name: member.display_name,
            },
            role: member.role.into(),
            teams: member
                .teams
                .into_iter()
                .map(|(team, role)| TeamRole {
                    team,
                    role: role.into(),
                })
                .collect(),
            override_role: member.override_role.map(Into::into),
        }
    }
}

/// An API token's record; its secret is only ever shown by `createApiToken`.
#[derive(SimpleObject, Debug)]
pub struct ApiToken {
    pub id: ID,
    pub name: String,
    /// The most the token may do.
    pub role: RoleGql,
    /// Ids of the projects it may touch; null for all of the user's projects.
    pub project_ids: Option<Vec<ID>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

impl From<model::ApiToken> for ApiToken {
    fn from(token: model::ApiToken) -> Self {
        Self {
            id: ID(token.id),
            name: token.name,
            role: token.role.into(),
            project_ids: token
                .projects
                .map(|projects| projects.into_iter().map(|id| ID(id.0)).collect()),
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            revoked: token.revoked,
        }
    }
}

/// A new API token: the text to send as `Authorization: Bearer …`, shown this once.
#[derive(SimpleObject, Debug)]
pub struct CreatedApiToken {
    pub token: String,
    pub api_token: ApiToken,
}

/// A signed-in session: a short-lived access token and a refresh token to renew it.
#[derive(SimpleObject, Debug)]
pub struct Session {
    /// Send as `Authorization: Bearer …`; expires at `accessTokenExpiresAt`.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Trade for a new session with `refreshSession` (each is good once).
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub user: User,
}

/// One audit record.
#[derive(SimpleObject, Debug)]
pub struct AuditEntry {
    pub id: ID,
    /// The acting user's id (a pseudonym once the user is erased); null when anonymous.
    pub actor: Option<ID>,
    pub action: String,
    pub target: String,
    /// `ok`, `denied` or `error`.
    pub outcome: String,
    /// The arguments, with secrets and personal data redacted.
    pub summary: Json<serde_json::Value>,
    pub at: DateTime<Utc>,
    pub request_id: String,
    pub client: String,
}

impl From<model::AuditEntry> for AuditEntry {
    fn from(entry: model::AuditEntry) -> Self {
        Self {
            id: ID(entry.id),
            actor: entry.actor.map(|actor| ID(actor.0)),
            action: entry.action,
            target: entry.target,
            outcome: entry.outcome,
            summary: Json(serde_json::from_str(&entry.summary).unwrap_or(serde_json::Value::Null)),
            at: entry.at,
            request_id: entry.request_id,
            client: entry.client,
        }
    }
}

/// A user to create.
#[derive(InputObject, Debug)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    /// At least 12 characters.
    pub password: String,
    #[graphql(default = false)]
    pub site_admin: bool,
}

/// Auth reads.
#[derive(Debug, Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user.
    async fn me(&self, context: &Context<'_>) -> async_graphql::Result<User> {
        Ok(caller(context).user().gql()?.clone().into())
    }

    /// Every user (site admins).
    async fn users(&self, context: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph.users().await.gql()?.into_iter().map(User::from).collect())
    }

    /// Every team (site admins).
    async fn teams(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Team>> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph.teams().await.gql()?.into_iter().map(Team::from).collect())
    }

    /// A team's members (site admins).
    async fn team_members(
        &self,
        context: &Context<'_>,
        team: String,
    ) -> async_graphql::Result<Vec<TeamMember>> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph
            .team_members(&team)
            .await
            .gql()?
            .into_iter()
            .map(TeamMember::from)
            .collect())
    }

    /// Everyone with a role on `project`, by display name (its viewers).
    async fn project_members(
        &self,
        context: &Context<'_>,
        project: String,
    ) -> async_graphql::Result<Vec<ProjectMember>> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .project_members(&project)
            .await
            .gql()?
            .into_iter()
            .map(ProjectMember::from)
            .collect())
    }

    /// The signed-in user's API tokens.
    async fn api_tokens(&self, context: &Context<'_>) -> async_graphql::Result<Vec<ApiToken>> {
        let user = caller(context).user().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph
            .api_tokens(&user.id)
            .await
            .gql()?
            .into_iter()
            .map(ApiToken::from)
            .collect())
    }

    /// The audit log, newest first (site admins): by actor, action and time, at most
    /// `first` (1 to 1,000; default 100).
    async fn audit_log(
        &self,
        context: &Context<'_>,
        actor: Option<ID>,
        action: Option<String>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        #[graphql(default = 100)] first: i64,
    ) -> async_graphql::Result<Vec<AuditEntry>> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        let filter = AuditFilter {
            actor: actor.map(|id| UserId(id.0)),
            action,
            since,
            until,
            first,
        };
        Ok(graph
            .audit_log(filter)
            .await
            .gql()?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }

    /// Everything stored about the signed-in user, as JSON (GDPR export).
    async fn export_my_data(&self, context: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let user = caller(context).user().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(Json(graph.export_user(&user.id).await.gql()?))
    }
}

/// Auth writes.
#[derive(Debug, Default)]
pub struct AuthMutation;

async fn session(
    context: &Context<'_>,
    grant_user: model::User,
    refresh: model::RefreshGrant,
) -> async_graphql::Result<Session> {
    let access_tokens = context.data::<AccessTokens>()?;
    let (access_token, access_token_expires_at) = access_tokens.issue(&grant_user, &refresh.family).gql()?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token: refresh.refresh_token,
        refresh_token_expires_at: refresh.expires_at,
        user: grant_user.into(),
    })
}

#[Object]
impl AuthMutation {
    /// Signs in. A wrong password and an unknown email get the same answer; repeated
    /// failures are refused for a while (`RATE_LIMITED`, with `retryAfter` seconds).
    async fn login(
        &self,
        context: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<Session> {
        let graph = context.data::<Graph>()?;
        let limiter = context.data::<Arc<LoginLimiter>>()?;
        let meta = context.data::<RequestMeta>()?;
        let lifetime = context.data::<RefreshLifetime>()?;
        limiter.check(&email, &meta.client).gql()?;
        let Some(user) = graph.verify_password(&email, &password).await.gql()? else {
            limiter.failed(&email, &meta.client);
            return Err(graph::Error::Unauthenticated("wrong email or password".into())).gql();
        };
        limiter.succeeded(&email);
        meta.set_actor(&user.id);
        let refresh = graph.issue_refresh_token(&user.id, lifetime.0).await.gql()?;
        session(context, user, refresh).await
    }

    /// Trades a refresh token for a new session. A refresh token works once: presenting a
    /// spent one again ends every session of that sign-in.
    async fn refresh_session(
        &self,
        context: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<Session> {
        let graph = context.data::<Graph>()?;
        let meta = context.data::<RequestMeta>()?;
        let lifetime = context.data::<RefreshLifetime>()?;
        let Some(grant) = graph
            .redeem_refresh_token(&refresh_token, lifetime.0)
            .await
            .gql()?
        else {
            return Err(graph::Error::Unauthenticated(
                "the refresh token is invalid, spent or revoked; sign in again".into(),
            ))
            .gql();
        };
        meta.set_actor(&grant.user.id);
        let user = grant.user.clone();
        session(context, user, grant).await
    }

    /// Ends the session the refresh token belongs to.
    async fn logout(&self, context: &Context<'_>, refresh_token: String) -> async_graphql::Result<bool> {
        let graph = context.data::<Graph>()?;
        graph.revoke_refresh_token(&refresh_token).await.gql()?;
        Ok(true)
    }

    /// Changes the signed-in user's password (the current one is required); every older
    /// access and refresh token stops working.
    async fn change_password(
        &self,
        context: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<User> {
        let graph = context.data::<Graph>()?;
        let user = caller(context).user().gql()?;
        if graph
            .verify_password(&user.email, &current_password)
            .await
            .gql()?
            .is_none()
        {
            return Err(graph::Error::invalid(
                "currentPassword",
                "is not the current password",
            ))
            .gql();
        }
        Ok(graph.change_password(&user.id, &new_password).await.gql()?.into())
    }

    /// Creates a user (site admins).
    async fn create_user(
        &self,
        context: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<User> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        let new = NewUser {
            email: input.email,
            display_name: input.display_name,
            password: input.password,
            site_admin: input.site_admin,
        };
        Ok(graph.create_user(new).await.gql()?.into())
    }

    /// Disables or re-enables a user (site admins); a disabled user's tokens stop working.
    async fn set_user_disabled(
        &self,
        context: &Context<'_>,
        user_id: ID,
        disabled: bool,
    ) -> async_graphql::Result<User> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph
            .set_user_disabled(&UserId(user_id.0), disabled)
            .await
            .gql()?
            .into())
    }

    /// Makes a user a site admin or not (site admins).
    async fn set_site_admin(
        &self,
        context: &Context<'_>,
        user_id: ID,
        site_admin: bool,
    ) -> async_graphql::Result<User> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph
            .set_site_admin(&UserId(user_id.0), site_admin)
            .await
            .gql()?
            .into())
    }

    /// Erases a user's personal data (site admins): memberships and tokens go, email and
    /// name are deleted, audit records stay with the id as a pseudonym.
    async fn erase_user(&self, context: &Context<'_>, user_id: ID) -> async_graphql::Result<bool> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        graph.erase_user(&UserId(user_id.0)).await.gql()?;
        Ok(true)
    }

    /// Creates a team (site admins).
    async fn create_team(&self, context: &Context<'_>, name: String) -> async_graphql::Result<Team> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        Ok(graph.create_team(&name).await.gql()?.into())
    }

    /// Adds a user to a team or changes their role there (site admins).
    async fn set_team_member(
        &self,
        context: &Context<'_>,
        team: String,
        user_id: ID,
        role: RoleGql,
    ) -> async_graphql::Result<bool> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        graph
            .set_team_member(&team, &UserId(user_id.0), role.into())
            .await
            .gql()?;
        Ok(true)
    }

    /// Removes a user from a team (site admins).
    async fn remove_team_member(
        &self,
        context: &Context<'_>,
        team: String,
        user_id: ID,
    ) -> async_graphql::Result<bool> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        graph.remove_team_member(&team, &UserId(user_id.0)).await.gql()?;
        Ok(true)
    }

    /// Makes a team an owner of a project (site admins): its members get their team role there.
    async fn give_project_to_team(
        &self,
        context: &Context<'_>,
        team: String,
        project: String,
    ) -> async_graphql::Result<bool> {
        caller(context).site_admin().gql()?;
        let graph = context.data::<Graph>()?;
        graph.give_project_to_team(&team, &project).await.gql()?;
        Ok(true)
    }

    /// Sets (or, with no role, removes) a user's own role on a project, overriding their
    /// team role (project admins).
    async fn set_project_role(
        &self,
        context: &Context<'_>,
        project: String,
        user_id: ID,
        role: Option<RoleGql>,
    ) -> async_graphql::Result<bool> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Admin)
            .await
            .gql()?;
        graph
            .set_project_role(&UserId(user_id.0), &project, role.map(Into::into))
            .await
            .gql()?;
        Ok(true)
    }

    /// Creates an API token for the signed-in user, with a role no higher than their own,
    /// for some (`projects`) or all of their projects. The token text is shown only here.
    async fn create_api_token(
        &self,
        context: &Context<'_>,
        name: String,
        role: RoleGql,
        projects: Option<Vec<String>>,
    ) -> async_graphql::Result<CreatedApiToken> {
        let graph = context.data::<Graph>()?;
        let principal = caller(context);
        let user = principal.user().gql()?;
        let role = Role::from(role);
        match &projects {
            Some(names) => {
                for name in names {
                    principal.project(graph, name, role).await.gql()?;
                }
            }
            None => principal.check_can_grant(graph, role, "role").await.gql()?,
        }
        let new = NewApiToken {
            user_id: user.id.clone(),
            name,
            role,
            projects,
        };
        let (record, token) = graph.create_api_token(new).await.gql()?;
        Ok(CreatedApiToken {
            token,
            api_token: record.into(),
        })
    }

    /// Revokes one of the signed-in user's API tokens.
    async fn revoke_api_token(&self, context: &Context<'_>, id: ID) -> async_graphql::Result<ApiToken> {
        let graph = context.data::<Graph>()?;
        let user = caller(context).user().gql()?;
        Ok(graph.revoke_api_token(&user.id, &id.0).await.gql()?.into())
    }
}
