//! Projects: the unit that names, numbers and owns experiments.

use chrono::{DateTime, Utc};

use super::settings::ProjectSettings;
use crate::ids::ProjectId;

/// A stored project.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Naming, parent detection and feature diff rules.
    pub settings: ProjectSettings,
    /// The number the next experiment without one in its name gets.
    pub next_number: i64,
}

/// Input of project creation.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// Unique name: letters, digits, `_`, `-`, `.`; 1–100 characters.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The settings; `None` takes the defaults.
    pub settings: Option<ProjectSettings>,
}
