//! Teams, memberships and who holds which role on which project.
//!
//! `(:User)-[:MEMBER_OF {role}]->(:Team)-[:OWNS]->(:Project)` gives a user the role of their
//! membership on every project the team owns (the highest one when several teams own it);
//! `(:User)-[:HAS_ROLE {role}]->(:Project)` overrides that for one project, up or down.
//! Site admins are handled by the caller.

use std::collections::BTreeMap;

use tracing::instrument;

use super::users::{role_column, user_from_row};
use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::{ProjectId, TeamId, UserId};
use crate::model::{Membership, Project, ProjectMember, Role, Team};
use crate::queries;
use crate::value::{Params, Row};

/// Team names follow the project name rule: letters, digits, `_`, `-`, `.`.
fn validate_team_name(name: &str) -> Result<()> {
    super::projects::validate_project_name(name)
}

fn team_from_row(row: &Row) -> Result<Team> {
    Ok(Team {
        id: TeamId(row.string("team_id")?),
        name: row.string("team_name")?,
        created_at: parse_timestamp("team_created_at", &row.string("team_created_at")?)?,
    })
}

fn membership_from_row(row: &Row) -> Result<Membership> {
    Ok(Membership {
        team: team_from_row(row)?,
        user: user_from_row(row)?,
        role: role_column(row, "role")?,
    })
}

impl Graph {
    /// Creates a team; its name must be free.
    #[instrument(skip_all, fields(team = %name))]
    pub async fn create_team(&self, name: &str) -> Result<Team> {
        validate_team_name(name)?;
        let _gate = self.write_lock.acquire().await?;
        if self.find_team(name).await?.is_some() {
            return Err(Error::conflict(
                "name",
                format!("a team named `{name}` already exists"),
            ));
        }
        let params = Params::new()
            .with("id", TeamId::generate().as_str())
            .with("name", name)
            .with("created_at", timestamp(now()));
        let rows = self.executor.execute(&queries::AUTH_TEAM_CREATE, params).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal("auth/team_create returned no row".into()))?;
        team_from_row(row)
    }

    async fn find_team(&self, name: &str) -> Result<Option<Team>> {
        let rows = self
            .executor
            .execute(&queries::AUTH_TEAM_BY_NAME, Params::new().with("name", name))
            .await?;
        rows.first().map(team_from_row).transpose()
    }

    /// The team called `name`.
    pub async fn team(&self, name: &str) -> Result<Team> {
        self.find_team(name).await?.ok_or_else(|| Error::NotFound {
            entity: "team",
            id: name.to_owned(),
        })
    }

    /// Every team, by name.
    pub async fn teams(&self) -> Result<Vec<Team>> {
        let rows = self
            .executor
            .execute(&queries::AUTH_TEAM_LIST, Params::new())
            .await?;
        rows.iter().map(team_from_row).collect()
    }

    /// Makes `user` a member of `team` with `role`, or changes their role there.
    #[instrument(skip_all, fields(team = %team, user = %user, role = role.as_str()))]
    pub async fn set_team_member(&self, team: &str, user: &UserId, role: Role) -> Result<()> {
        let _gate = self.write_lock.acquire().await?;
        self.team(team).await?;
        self.user(user).await?;
        let edge = Params::new().with("team", team).with("user_id", user.as_str());
        self.executor
            .execute_atomic(vec![
                Statement::new(&queries::AUTH_MEMBER_REMOVE, edge.clone()),
                Statement::new(&queries::AUTH_MEMBER_ADD, edge.with("role", role.as_str())),
            ])
            .await
            .map(|_| ())
    }

    /// Takes `user` out of `team`; nothing happens when they are not a member.
    #[instrument(skip_all, fields(team = %team, user = %user))]
    pub async fn remove_team_member(&self, team: &str, user: &UserId) -> Result<()> {
        self.team(team).await?;
        self.user(user).await?;
        let edge = Params::new().with("team", team).with("user_id", user.as_str());
        self.executor
            .execute(&queries::AUTH_MEMBER_REMOVE, edge)
            .await
            .map(|_| ())
    }

    /// The members of `team` with their roles, by email.
    pub async fn team_members(&self, team: &str) -> Result<Vec<Membership>> {
        self.team(team).await?;
        let rows = self
            .executor
            .execute(&queries::AUTH_TEAM_MEMBERS, Params::new().with("team", team))
            .await?;
        rows.iter().map(membership_from_row).collect()
    }

    /// The teams `user` is in with their roles, by team name.
    pub async fn user_memberships(&self, user: &UserId) -> Result<Vec<Membership>> {
        let rows = self
            .executor
            .execute(
                &queries::AUTH_USER_MEMBERSHIPS,
                Params::new().with("user_id", user.as_str()),
            )
            .await?;
        rows.iter().map(membership_from_row).collect()
    }

    /// Lets `team` own `project` (a project may have several owning teams); owning it
    /// already is fine.
    #[instrument(skip_all, fields(team = %team, project = %project))]
    pub async fn give_project_to_team(&self, team: &str, project: &str) -> Result<()> {
        let _gate = self.write_lock.acquire().await?;
        self.team(team).await?;
        self.project(project).await?;
        let edge = Params::new().with("team", team).with("project", project);
        let owned = self
            .executor
            .execute(&queries::AUTH_TEAM_OWNS, edge.clone())
            .await?;
        if !owned.is_empty() {
            return Ok(());
        }
        self.executor
            .execute(&queries::AUTH_TEAM_GIVE_PROJECT, edge)
            .await
            .map(|_| ())
    }

    /// Sets `user`'s role override on `project`, whatever their teams give them; `None`
    /// removes the override.
    #[instrument(skip_all, fields(user = %user, project = %project))]
    pub async fn set_project_role(&self, user: &UserId, project: &str, role: Option<Role>) -> Result<()> {
        let _gate = self.write_lock.acquire().await?;
        self.user(user).await?;
        self.project(project).await?;
        let edge = Params::new()
            .with("user_id", user.as_str())
            .with("project", project);
        let mut statements = vec![Statement::new(&queries::AUTH_ROLE_OVERRIDE_REMOVE, edge.clone())];
        if let Some(role) = role {
            statements.push(Statement::new(
                &queries::AUTH_ROLE_OVERRIDE_ADD,
                edge.with("role", role.as_str()),
            ));
        }
        self.executor.execute_atomic(statements).await.map(|_| ())
    }

    /// `user`'s role on a project: the override when there is one, else the highest role
    /// among the teams owning it, else `None`. Site admin is the caller's business.
    pub async fn project_role(&self, user: &UserId, project: &ProjectId) -> Result<Option<Role>> {
        let params = Params::new()
            .with("user_id", user.as_str())
            .with("project_id", project.as_str());
        let overrides = self
            .executor
            .execute(&queries::AUTH_PROJECT_OVERRIDE, params.clone())
            .await?;
        if let Some(row) = overrides.first() {
            return role_column(row, "role").map(Some);
        }
        let team_roles = self
            .executor
            .execute(&queries::AUTH_PROJECT_TEAM_ROLES, params)
            .await?;
        let roles = team_roles
            .iter()
            .map(|row| role_column(row, "role"))
            .collect::<Result<Vec<_>>>()?;
        Ok(roles.into_iter().max())
    }

    /// Everyone with a role on `project` (through a team that owns it or their own override),
    /// with the role that counts as [`Graph::project_role`] decides it, by display name.
    pub async fn project_members(&self, project: &str) -> Result<Vec<ProjectMember>> {
        let project = self.project(project).await?;
        let params = Params::new().with("project_id", project.id.as_str());
        let team_rows = self
            .executor
            .execute(&queries::AUTH_PROJECT_TEAM_MEMBERS, params.clone())
            .await?;
        let override_rows = self
            .executor
            .execute(&queries::AUTH_PROJECT_ROLE_OVERRIDES, params)
            .await?;
        let mut members: BTreeMap<String, ProjectMember> = BTreeMap::new();
        for row in &team_rows {
            let role = role_column(row, "role")?;
            member_of(&mut members, row)?
                .teams
                .push((row.string("team")?, role));
        }
        for row in &override_rows {
            member_of(&mut members, row)?.override_role = Some(role_column(row, "role")?);
        }
        let mut members: Vec<ProjectMember> = members.into_values().collect();
        for member in &mut members {
            member.teams.sort();
            let highest_team_role = member.teams.iter().map(|(_, role)| *role).max();
            member.role = member.override_role.or(highest_team_role).unwrap_or(Role::Viewer);
        }
        members.sort_by(|a, b| {
            a.display_name
                .cmp(&b.display_name)
                .then(a.user_id.0.cmp(&b.user_id.0))
        });
        Ok(members)
    }

    /// Every project `user` has a role on, with that role (as [`Graph::project_role`]
    /// decides it), by project name.
    pub async fn projects_with_roles(&self, user: &UserId) -> Result<Vec<(Project, Role)>> {
        let params = Params::new().with("user_id", user.as_str());
        let team_rows = self
            .executor
            .execute(&queries::AUTH_USER_TEAM_PROJECTS, params.clone())
            .await?;
        let override_rows = self
            .executor
            .execute(&queries::AUTH_USER_PROJECT_OVERRIDES, params)
            .await?;
        // Project name -> role: the highest team role first, then overrides replace it.
        let mut roles: BTreeMap<String, Role> = BTreeMap::new();
        for row in &team_rows {
            let role = role_column(row, "role")?;
            let entry = roles.entry(row.string("project_name")?).or_insert(role);
            *entry = (*entry).max(role);
        }
        for row in &override_rows {
            roles.insert(row.string("project_name")?, role_column(row, "role")?);
        }
        let mut projects = Vec::with_capacity(roles.len());
        for (name, role) in roles {
            projects.push((self.project(&name).await?, role));
        }
        Ok(projects)
    }
}

/// The entry of the user a members-list row names, made on their first row.
fn member_of<'a>(
    members: &'a mut BTreeMap<String, ProjectMember>,
    row: &Row,
) -> Result<&'a mut ProjectMember> {
    let id = row.string("id")?;
    let display_name = row.string("display_name")?;
    Ok(members.entry(id.clone()).or_insert_with(|| ProjectMember {
        user_id: UserId(id),
        display_name,
        role: Role::Viewer,
        teams: Vec::new(),
        override_role: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_are_plain_identifiers() {
        assert!(validate_team_name("vision-team_2.a").is_ok());
        for bad in ["", "a b", "x/y", "ünï", &"a".repeat(101)] {
            let error = validate_team_name(bad).expect_err(bad);
            assert!(error.to_string().starts_with("name:"), "{error}");
        }
    }
}
