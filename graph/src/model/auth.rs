//! Who may do what: users, teams, roles, API tokens, sessions' refresh tokens and the audit
//! log, as plain domain types.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{ProjectId, TeamId, UserId};

/// A role on a project (through a team, or a per-project override). Ordered by power:
/// `Viewer < Researcher < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything in the project.
    Viewer,
    /// Also creates and edits experiments, hypotheses and artifacts.
    Researcher,
    /// Also manages members, settings and deletion.
    Admin,
}

impl Role {
    /// `viewer`, `researcher` or `admin`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Researcher => "researcher",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or user-given role; `field` names the input for the error.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        match text {
            "viewer" => Ok(Role::Viewer),
            "researcher" => Ok(Role::Researcher),
            "admin" => Ok(Role::Admin),
            other => Err(Error::invalid(
                field,
                format!("`{other}` is not a role: use viewer, researcher or admin"),
            )),
        }
    }
}

/// A person who signs in. Never carries the password hash.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    /// Unique, normalised (trimmed, lowercase).
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    /// A disabled user cannot sign in, and their tokens stop working.
    pub disabled: bool,
    /// Manages users and teams, and is admin of every project.
    pub site_admin: bool,
    /// Raised by every password change, disabling and erasure: access tokens carry the
    /// version they were issued under, so older ones stop working at once.
    pub token_version: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// Plain text; only its argon2id hash is stored.
    pub password: String,
    pub site_admin: bool,
}

/// A team: owns projects, has members with roles.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: TeamId,
    /// Unique.
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A user's place in a team.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub team: Team,
    pub user: User,
    pub role: Role,
}

/// Someone with a role on a project, and where the role comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMember {
    pub user_id: UserId,
    pub display_name: String,
    /// The role that counts: the override when there is one, else the highest team role.
    pub role: Role,
    /// The teams owning the project that the user is in, with the role each gives, by name.
    pub teams: Vec<(String, Role)>,
    /// The user's own role on the project, set by a project admin.
    pub override_role: Option<Role>,
}

/// An API token's record (its secret is shown once, at creation, and stored only hashed).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Public part of the token text `rsdk_<id>_<secret>`.
    pub id: String,
    pub user_id: UserId,
    /// What the user called it (`laptop`, `ci`).
    pub name: String,
    /// The most the token may do; never above the user's own role on a project.
    pub role: Role,
    /// The projects it may touch; `None` means all of the user's projects.
    pub projects: Option<Vec<ProjectId>>,
    pub created_at: DateTime<Utc>,
    /// Updated on use (at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    /// Project names; `None` for all of the user's projects.
    pub projects: Option<Vec<String>>,
}

/// What redeeming a refresh token gives: the user, and the new refresh token of the same
/// family (the old one is spent).
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub user: User,
    /// The refresh token text to use next time (shown once).
    pub refresh_token: String,
    /// The family every rotation of one sign-in shares (revoked together).
    pub family: String,
    pub expires_at: DateTime<Utc>,
}

/// One audit record: who did what to what, from where.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    /// The acting user's id (a pseudonym once the user is erased); `None` when anonymous.
    pub actor: Option<UserId>,
    /// The operation (`createExperiment`, `login`, …).
    pub action: String,
    /// What it acted on (`project vit`, `user <id>`, …).
    pub target: String,
    /// `ok`, `denied` or `error`.
    pub outcome: String,
    /// The change, as JSON text with secrets and personal data left out.
    pub summary: String,
    pub at: DateTime<Utc>,
    pub request_id: String,
    /// The client's address.
    pub client: String,
}

/// An audit record to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub actor: Option<UserId>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub summary: String,
    pub request_id: String,
    pub client: String,
}

/// Which audit records to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// At most this many (1 to 1,000).
    pub first: i64,
}
