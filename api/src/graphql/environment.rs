//! Environment records over GraphQL: recording the environment a run used and how restoring
//! it went (researchers), reading them and comparing environments (viewers).

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use graph::model::{
    Accelerator, Environment, EnvironmentComparison, EnvironmentField, NewEnvironment, Package,
    PackageChange, PackageChangeKind, RestoreCheckRecord, Role, Variable,
};
use graph::Graph;
use ingest::jobs::JobQueue;

use super::caller;
use crate::error::GraphQlResultExt;
use crate::evidence::schedule_for_experiment;

/// An installed package.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(name = "Package", input_name = "PackageInput")]
pub struct PackageGql {
    pub name: String,
    /// May be empty when the package manager does not know it.
    pub version: String,
}

/// One kind of accelerator device the run could use.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(name = "Accelerator", input_name = "AcceleratorInput")]
pub struct AcceleratorGql {
    /// The device model (`NVIDIA H100 80GB HBM3`).
    pub name: String,
    /// How many such devices, at least 1.
    pub count: i64,
    /// Memory per device in bytes (up to 2^53).
    pub memory_bytes: Option<i64>,
    /// The driver version.
    pub driver: Option<String>,
}

/// An environment variable the project's allow-list keeps.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(name = "EnvironmentVariable", input_name = "EnvironmentVariableInput")]
pub struct VariableGql {
    pub name: String,
    pub value: String,
}

/// The environment of a run as the client sees it. Of `variables`, only those the project's
/// `environmentVariables` allow-list names and whose names do not look secret are stored.
#[derive(InputObject, Debug)]
#[graphql(name = "EnvironmentInput")]
pub struct EnvironmentInput {
    /// Implementation and version of the interpreter (`CPython 3.12.1`).
    pub interpreter: String,
    /// Installed packages (at most 20,000), each name once.
    #[graphql(default)]
    pub packages: Vec<PackageGql>,
    /// Operating system and architecture.
    pub platform: String,
    #[graphql(default)]
    pub accelerators: Vec<AcceleratorGql>,
    /// The program and its arguments (at most 1,000).
    #[graphql(default)]
    pub command_line: Vec<String>,
    pub working_directory: String,
    /// The working directory relative to the root of the experiment's code snapshot, with
    /// forward slashes (`src/train`; empty for the root), so a rerun starts the command in the
    /// same place of a restored tree. Not absolute, no `..`, at most 1,024 characters; stored
    /// normalised (`./src//train/` as `src/train`).
    pub code_directory: Option<String>,
    /// Environment variables offered; the server keeps the allowed ones.
    #[graphql(default)]
    pub variables: Vec<VariableGql>,
}

/// How restoring an experiment's code went, as `rsdk restore` recorded it after checking every
/// file against the snapshot's hash manifest (evidence confidence counts it: verified 1, never
/// restored 0.5, failed 0, of the restore's share of the environment factor).
#[derive(SimpleObject, Debug)]
#[graphql(name = "RestoreCheck")]
pub struct RestoreCheckGql {
    /// Every file came back with its recorded hash.
    pub verified: bool,
    /// The verifier's summary.
    pub detail: String,
    pub checked_at: DateTime<Utc>,
}

impl From<RestoreCheckRecord> for RestoreCheckGql {
    fn from(record: RestoreCheckRecord) -> Self {
        RestoreCheckGql {
            verified: record.verified,
            detail: record.detail,
            checked_at: record.checked_at,
        }
    }
}

/// The environment an experiment ran in.
#[derive(SimpleObject, Debug)]
#[graphql(name = "Environment")]
pub struct EnvironmentGql {
    pub interpreter: String,
    /// By name.
    pub packages: Vec<PackageGql>,
    pub platform: String,
    pub accelerators: Vec<AcceleratorGql>,
    pub command_line: Vec<String>,
    pub working_directory: String,
    /// The working directory relative to the root of the code snapshot (`src/train`; empty
    /// for the root); null when the client did not record it.
    pub code_directory: Option<String>,
    /// The variables kept, by name.
    pub variables: Vec<VariableGql>,
    /// Names of the offered variables that were not stored (not on the allow-list, or
    /// looking secret); their values are never stored.
    pub dropped_variables: Vec<String>,
    pub recorded_at: DateTime<Utc>,
}

/// How a package differs between the two records.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "PackageChangeKind")]
pub enum PackageChangeKindGql {
    /// Only in the experiment's record.
    Added,
    /// Only in the record compared with.
    Removed,
    /// In both, at different versions.
    Changed,
}

/// A field of an environment record other than its packages.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "EnvironmentField")]
pub enum EnvironmentFieldGql {
    Interpreter,
    Platform,
    WorkingDirectory,
    CodeDirectory,
    CommandLine,
    Accelerators,
    Variables,
}

/// One package that differs.
#[derive(SimpleObject, Debug)]
#[graphql(name = "PackageChange")]
pub struct PackageChangeGql {
    pub name: String,
    pub kind: PackageChangeKindGql,
    /// The version in the record compared with (absent when added).
    pub left_version: Option<String>,
    /// The version in the experiment's record (absent when removed).
    pub right_version: Option<String>,
}

/// An experiment's environment compared with another experiment's.
#[derive(SimpleObject, Debug)]
#[graphql(name = "EnvironmentDiff")]
pub struct EnvironmentDiffGql {
    /// The experiment compared with: the one asked for, else the primary parent.
    pub against: i64,
    /// Its record.
    pub left: EnvironmentGql,
    /// The experiment's own record.
    pub right: EnvironmentGql,
    /// Packages added, removed or changed, by name.
    pub packages: Vec<PackageChangeGql>,
    /// The other fields that differ.
    pub changed_fields: Vec<EnvironmentFieldGql>,
}

impl From<EnvironmentInput> for NewEnvironment {
    fn from(input: EnvironmentInput) -> Self {
        NewEnvironment {
            interpreter: input.interpreter,
            packages: input
                .packages
                .into_iter()
                .map(|package| Package {
                    name: package.name,
                    version: package.version,
                })
                .collect(),
            platform: input.platform,
            accelerators: input
                .accelerators
                .into_iter()
                .map(|accelerator| Accelerator {
                    name: accelerator.name,
                    count: accelerator.count,
                    memory_bytes: accelerator.memory_bytes,
                    driver: accelerator.driver,
                })
                .collect(),
            command_line: input.command_line,
            working_directory: input.working_directory,
            code_directory: input.code_directory,
            variables: input
                .variables
                .into_iter()
                .map(|variable| Variable {
                    name: variable.name,
                    value: variable.value,
                })
                .collect(),
        }
    }
}

impl From<Environment> for EnvironmentGql {
    fn from(environment: Environment) -> Self {
        EnvironmentGql {
            interpreter: environment.interpreter,
            packages: environment
                .packages
                .into_iter()
                .map(|package| PackageGql {
                    name: package.name,
                    version: package.version,
                })
                .collect(),
            platform: environment.platform,
            accelerators: environment
                .accelerators
                .into_iter()
                .map(|accelerator| AcceleratorGql {
                    name: accelerator.name,
                    count: accelerator.count,
                    memory_bytes: accelerator.memory_bytes,
                    driver: accelerator.driver,
                })
                .collect(),
            command_line: environment.command_line,
            working_directory: environment.working_directory,
            code_directory: environment.code_directory,
            variables: environment
                .variables
                .into_iter()
                .map(|variable| VariableGql {
                    name: variable.name,
                    value: variable.value,
                })
                .collect(),
            dropped_variables: environment.dropped_variables,
            recorded_at: environment.recorded_at,
        }
    }
}

impl From<PackageChange> for PackageChangeGql {
    fn from(change: PackageChange) -> Self {
        PackageChangeGql {
            name: change.name,
            kind: match change.kind {
                PackageChangeKind::Added => PackageChangeKindGql::Added,
                PackageChangeKind::Removed => PackageChangeKindGql::Removed,
                PackageChangeKind::Changed => PackageChangeKindGql::Changed,
            },
            left_version: change.left_version,
            right_version: change.right_version,
        }
    }
}

impl From<EnvironmentField> for EnvironmentFieldGql {
    fn from(field: EnvironmentField) -> Self {
        match field {
            EnvironmentField::Interpreter => EnvironmentFieldGql::Interpreter,
            EnvironmentField::Platform => EnvironmentFieldGql::Platform,
            EnvironmentField::WorkingDirectory => EnvironmentFieldGql::WorkingDirectory,
            EnvironmentField::CodeDirectory => EnvironmentFieldGql::CodeDirectory,
            EnvironmentField::CommandLine => EnvironmentFieldGql::CommandLine,
            EnvironmentField::Accelerators => EnvironmentFieldGql::Accelerators,
            EnvironmentField::Variables => EnvironmentFieldGql::Variables,
        }
    }
}

impl From<EnvironmentComparison> for EnvironmentDiffGql {
    fn from(comparison: EnvironmentComparison) -> Self {
        EnvironmentDiffGql {
            against: comparison.against,
            left: comparison.left.into(),
            right: comparison.right.into(),
            packages: comparison.diff.packages.into_iter().map(Into::into).collect(),
            changed_fields: comparison
                .diff
                .changed_fields
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

#[derive(Default, Debug)]
pub struct EnvironmentQuery;

#[Object]
impl EnvironmentQuery {
    /// The environment experiment `number` of a project ran in; null when none was recorded.
    async fn environment(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<Option<EnvironmentGql>> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        Ok(graph.environment(&experiment.id).await.gql()?.map(Into::into))
    }

    /// The last restore check of experiment `number`; null when it was never restored.
    async fn restore_check(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
    ) -> async_graphql::Result<Option<RestoreCheckGql>> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Viewer)
            .await
            .gql()?;
        Ok(graph.restore_check(&experiment.id).await.gql()?.map(Into::into))
    }

    /// What changed in experiment `number`'s environment since experiment `against` (an
    /// experiment number of the same project; default: the primary parent). NOT_FOUND when
    /// either side has no record.
    async fn environment_diff(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        against: Option<i64>,
    ) -> async_graphql::Result<EnvironmentDiffGql> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Viewer)
            .await
            .gql()?;
        Ok(graph
            .environment_diff(&project, number, against)
            .await
            .gql()?
            .into())
    }
}

#[derive(Default, Debug)]
pub struct EnvironmentMutation;

#[Object]
impl EnvironmentMutation {
    /// Records the environment experiment `number` of a project ran in, replacing any earlier
    /// record (researchers). Answers the stored record: variables outside the project's
    /// allow-list, or whose names look secret, are listed by name in `droppedVariables`.
    async fn record_environment(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        environment: EnvironmentInput,
    ) -> async_graphql::Result<EnvironmentGql> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Researcher)
            .await
            .gql()?;
        let stored = graph
            .record_environment(&project, number, environment.into())
            .await
            .gql()?;
        // A captured environment counts in the confidence of the experiment's evidence.
        schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        Ok(stored.into())
    }

    /// Records how restoring experiment `number` of a project went (researchers; `rsdk
    /// restore` sends it after verifying every file): `verified` when every file of the
    /// snapshot came back with its hash, with the verifier's summary in `detail` (at most
    /// 2,000 characters). The hypotheses the experiment enters are recomputed.
    async fn record_restore_check(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        verified: bool,
        detail: String,
    ) -> async_graphql::Result<RestoreCheckGql> {
        let graph = context.data::<Graph>()?;
        let experiment = caller(context)
            .experiment_numbered(graph, &project, number, Role::Researcher)
            .await
            .gql()?;
        let stored = graph
            .record_restore_check(&project, number, verified, &detail)
            .await
            .gql()?;
        schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        Ok(stored.into())
    }
}
