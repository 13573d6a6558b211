//! Projects: the unit that names, numbers and owns experiments.

use chrono::{DateTime, Utc};

use super::settings::{FeatureDiffPolicy, ProjectSettings};
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
    /// Naming, parent detection, feature diff rules and the environment variable allow-list.
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

/// A partial change of a project's description and settings; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct ProjectUpdate {
    /// New description.
    pub description: Option<String>,
    /// New naming pattern.
    pub naming_pattern: Option<String>,
    /// Whether to read the parent from the name's `parent` group.
    pub parent_from_name: Option<bool>,
    /// Whether a name naming a missing parent creates a root.
    pub missing_parent_makes_root: Option<bool>,
    /// Feature paths whose changes are not treated as changes (replaces the list).
    pub ignored_feature_paths: Option<Vec<String>>,
    /// Environment variables an environment record keeps: names or `PREFIX*` (replaces the list).
    pub environment_variables: Option<Vec<String>>,
}

impl ProjectUpdate {
    /// `settings` with this update's settings fields applied (not yet validated).
    pub fn apply_to_settings(&self, settings: &ProjectSettings) -> ProjectSettings {
        let mut updated = settings.clone();
        if let Some(pattern) = &self.naming_pattern {
            updated.naming_pattern = pattern.clone();
        }
        if let Some(from_name) = self.parent_from_name {
            updated.parent_detection.from_name = from_name;
        }
        if let Some(makes_root) = self.missing_parent_makes_root {
            updated.parent_detection.missing_parent_makes_root = makes_root;
        }
        if let Some(ignored_paths) = &self.ignored_feature_paths {
            updated.feature_diff = FeatureDiffPolicy {
                ignored_paths: ignored_paths.clone(),
            };
        }
        if let Some(environment_variables) = &self.environment_variables {
            updated.environment_variables = environment_variables.clone();
        }
        updated
    }
}
