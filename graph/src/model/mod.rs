//! Domain types: what a project and an experiment are, independent of any transport.

mod experiment;
mod project;
mod settings;

pub use experiment::{
    Dag, DagEdge, DagNode, EdgeKind, Experiment, ExperimentUpdate, KanbanColumn, NewExperiment, ParentRef,
    Status,
};
pub use project::{NewProject, Project, ProjectUpdate};
pub use settings::{FeatureDiffPolicy, NameParts, ParentDetection, ProjectSettings, DEFAULT_NAMING_PATTERN};
