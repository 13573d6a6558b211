//! Project creation, lookup and settings.

use tracing::instrument;

use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::model::{NewProject, Project, ProjectSettings, ProjectUpdate};
use crate::queries;
use crate::value::{Params, Row};

const MAX_PROJECT_NAME_LENGTH: usize = 100;
const MAX_DESCRIPTION_LENGTH: usize = 10_000;

/// Project names (and team names, which follow the same rule): 1 to 100 of letters, digits,
/// `_`, `-` and `.`.
pub(super) fn validate_project_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_PROJECT_NAME_LENGTH {
        return Err(Error::invalid(
            "name",
            format!("must be 1 to {MAX_PROJECT_NAME_LENGTH} characters"),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(Error::invalid(
            "name",
            format!("`{bad}` is not allowed: use letters, digits, `_`, `-` and `.`"),
        ));
    }
    Ok(())
}

fn validate_description(description: &str) -> Result<()> {
    if description.chars().count() > MAX_DESCRIPTION_LENGTH {
        return Err(Error::invalid(
            "description",
            format!("is longer than {MAX_DESCRIPTION_LENGTH} characters"),
        ));
    }
    Ok(())
}

fn settings_json(settings: &ProjectSettings) -> Result<String> {
    serde_json::to_string(settings)
        .map_err(|error| Error::Internal(format!("settings do not serialize: {error}")))
}

fn project_from_row(row: &Row) -> Result<Project> {
    let settings_text = row.string("settings")?;
    let settings = serde_json::from_str(&settings_text)
        .map_err(|error| Error::Internal(format!("stored project settings are unreadable: {error}")))?;
    Ok(Project {
        id: ProjectId(row.string("id")?),
        name: row.string("name")?,
        description: row.opt_string("description")?.unwrap_or_default(),
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        settings,
        next_number: row.int("next_number")?,
    })
}

impl Graph {
    /// Creates a project; its name must be free.
    #[instrument(skip_all, fields(project = %input.name))]
    pub async fn create_project(&self, input: NewProject) -> Result<Project> {
        validate_project_name(&input.name)?;
        validate_description(&input.description)?;
        let settings = input.settings.unwrap_or_default();
        settings.validate()?;
        let _gate = self.write_lock.acquire().await?;
        if self.find_project(&input.name, true).await?.is_some() {
            return Err(Error::conflict(
                "name",
                format!("a project named `{}` already exists", input.name),
            ));
        }
        let project = Project {
            id: ProjectId::generate(),
            name: input.name,
            description: input.description,
            created_at: now(),
            settings,
            next_number: 1,
        };
        let params = Params::new()
            .with("id", project.id.as_str())
            .with("name", project.name.as_str())
            .with("description", project.description.as_str())
            .with("created_at", timestamp(project.created_at))
            .with("settings", settings_json(&project.settings)?);
        self.executor.execute(&queries::PROJECT_CREATE, params).await?;
        Ok(project)
    }

    /// The project called `name`, if any; `under_write_lock` reads it where a caller that holds
    /// the write lock reads (`Executor::execute_read_for_write`: the embedded engine's writer
    /// handle, whose page cache the last write left warm).
    async fn find_project(&self, name: &str, under_write_lock: bool) -> Result<Option<Project>> {
        let params = Params::new().with("name", name);
        let rows = if under_write_lock {
            self.executor
                .execute_read_for_write(&queries::PROJECT_BY_NAME, params)
                .await?
        } else {
            self.executor.execute(&queries::PROJECT_BY_NAME, params).await?
        };
        rows.first().map(project_from_row).transpose()
    }

    /// The project called `name`.
    pub async fn project(&self, name: &str) -> Result<Project> {
        self.existing_project(name, false).await
    }

    /// The project called `name`, read by a caller that holds the write lock.
    pub(crate) async fn project_under_write_lock(&self, name: &str) -> Result<Project> {
        self.existing_project(name, true).await
    }

    async fn existing_project(&self, name: &str, under_write_lock: bool) -> Result<Project> {
        self.find_project(name, under_write_lock)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "project",
                id: name.to_owned(),
            })
    }

    /// The project with this id.
    pub async fn project_by_id(&self, id: &ProjectId) -> Result<Project> {
        let rows = self
            .executor
            .execute(&queries::PROJECT_BY_ID, Params::new().with("id", id.as_str()))
            .await?;
        rows.first()
            .map(project_from_row)
            .transpose()?
            .ok_or_else(|| Error::NotFound {
                entity: "project",
                id: id.to_string(),
            })
    }

    /// Every project, by name.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        let rows = self
            .executor
            .execute(&queries::PROJECT_LIST, Params::new())
            .await?;
        rows.iter().map(project_from_row).collect()
    }

    /// Changes a project's description and settings; the result is validated before
    /// anything is stored.
    #[instrument(skip_all, fields(project = %name))]
    pub async fn update_project(&self, name: &str, update: ProjectUpdate) -> Result<Project> {
        if let Some(description) = &update.description {
            validate_description(description)?;
        }
        let _gate = self.write_lock.acquire().await?;
        let mut project = self.project(name).await?;
        let settings = update.apply_to_settings(&project.settings);
        settings.validate()?;
        project.settings = settings;
        if let Some(description) = update.description {
            project.description = description;
        }
        let params = Params::new()
            .with("id", project.id.as_str())
            .with("description", project.description.as_str())
            .with("settings", settings_json(&project.settings)?);
        self.executor.execute(&queries::PROJECT_UPDATE, params).await?;
        Ok(project)
    }

    /// Changes a project's evidence thresholds (`None` keeps one), through the same validated
    /// settings write as [`Graph::update_project`]. (`ProjectUpdate` does not carry them yet:
    /// a new field there would break the transports' struct literals.) The caller recomputes
    /// the project's hypotheses ([`Graph::project_hypotheses`]).
    #[instrument(skip_all, fields(project = %name))]
    pub async fn set_evidence_thresholds(
        &self,
        name: &str,
        support: Option<f64>,
        refute: Option<f64>,
    ) -> Result<Project> {
        let _gate = self.write_lock.acquire().await?;
        let mut project = self.project(name).await?;
        let mut settings = project.settings.clone();
        if let Some(support) = support {
            settings.evidence_support_threshold = support;
        }
        if let Some(refute) = refute {
            settings.evidence_refute_threshold = refute;
        }
        settings.validate()?;
        project.settings = settings;
        let params = Params::new()
            .with("id", project.id.as_str())
            .with("description", project.description.as_str())
            .with("settings", settings_json(&project.settings)?);
        self.executor.execute(&queries::PROJECT_UPDATE, params).await?;
        Ok(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_plain_identifiers() {
        assert!(validate_project_name("vit_imagenet-2.b").is_ok());
        for bad in ["", "a b", "x/y", "ünïcode", &"a".repeat(101)] {
            let error = validate_project_name(bad).expect_err(bad);
            assert!(error.to_string().starts_with("name:"), "{error}");
        }
    }
}
