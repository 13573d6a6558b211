//! Domain types: what a project, an experiment and a hypothesis are, independent of any
//! transport.

pub mod auth;
pub mod code;
pub mod environment;
pub mod evidence;
mod experiment;
pub mod files;
pub mod hypothesis;
pub mod job;
pub mod metric;
mod project;
mod settings;

pub use auth::{
    ApiToken, AuditEntry, AuditFilter, Membership, NewApiToken, NewAuditEntry, NewUser, ProjectMember,
    RefreshGrant, Role, Team, User,
};
pub use code::{CodeCounts, CodeFormat, CodeSnapshot, GitReference, NewCodeSnapshot};
pub use environment::{
    Accelerator, Environment, EnvironmentComparison, EnvironmentDiff, EnvironmentField, NewEnvironment,
    Package, PackageChange, PackageChangeKind, RestoreCheckRecord, Variable,
};
pub use evidence::{EvidenceInputsSummary, ScorePoint, StoredContribution, StoredEvidence, StoredUnit};
pub use experiment::{
    Dag, DagEdge, DagNode, EdgeKind, Experiment, ExperimentUpdate, KanbanColumn, NewExperiment, ParentRef,
    Status,
};
pub use files::{ContentStorage, ContentUse, FileChange, FileVersion, StoredContent};
pub use hypothesis::{
    Hypothesis, HypothesisBaseline, HypothesisFilter, HypothesisStatus, HypothesisTarget, HypothesisUpdate,
    NewHypothesis, StatusOverride, TargetInput,
};
pub use job::{Job, JobId, JobStatus, NewJob, DEFAULT_MAX_ATTEMPTS};
pub use metric::{
    Aggregation, ChunkOutcome, ChunkRecord, Direction, MeasuredSummary, MetricConfig, MetricInfo,
    MetricSource, NewChunk,
};
pub use project::{NewProject, Project, ProjectUpdate};
pub use settings::{
    FeatureDiffPolicy, NameParts, ParentDetection, ProjectSettings, DEFAULT_ENVIRONMENT_VARIABLES,
    DEFAULT_NAMING_PATTERN,
};
