//! Write operations. Each resolver extracts, calls one service function, announces the
//! change to live subscribers and maps.

use async_graphql::{Context, InputObject, Object, ID};
use graph::model::{self, ProjectSettings};
use graph::Graph;
use ingest::jobs::JobQueue;

use super::caller;
use super::types::{Experiment, Job, Project, StatusGql};
use crate::error::GraphQlResultExt;
use crate::events::{Announcer, Change};
use crate::evidence::{schedule_for_experiment, schedule_for_project};
use crate::metrics::schedule_compaction;
use graph::model::Role;

/// A new project.
#[derive(InputObject, Debug)]
pub struct CreateProjectInput {
    /// Unique name: letters, digits, `_`, `-`, `.`.
    pub name: String,
    /// The team that owns it (its members get their team role on it); the creator always
    /// becomes the project's admin.
    pub team: Option<String>,
    /// Description and settings; omitted settings take their defaults.
    #[graphql(flatten)]
    pub details: UpdateProjectInput,
}

/// A project's description and settings; omitted fields keep their value (or default).
#[derive(InputObject, Debug)]
pub struct UpdateProjectInput {
    pub description: Option<String>,
    /// Regex for experiment names with optional groups `number` and `parent`;
    /// the default accepts `12_from_8_lr_sweep` and any other name.
    pub naming_pattern: Option<String>,
    /// Read the parent from the name's `parent` group (default true).
    pub parent_from_name: Option<bool>,
    /// A name naming a missing parent creates a root instead of being refused (default false).
    pub missing_parent_makes_root: Option<bool>,
    /// Feature paths whose changes are stored but not treated as changes (e.g. `seed`).
    pub ignored_feature_paths: Option<Vec<String>>,
    /// Environment variables an environment record keeps: names, or prefixes ending in `*`
    /// (e.g. `CUDA_*`); replaces the list. Names that look secret (KEY, TOKEN, SECRET, …) are
    /// dropped even when listed. The default keeps device, thread, seed and distributed-run
    /// settings (`CUDA_*`, `OMP_NUM_THREADS`, `PYTHONHASHSEED`, `TORCH_*`, …).
    pub environment_variables: Option<Vec<String>>,
    /// E_hypothesis at or above this supports a hypothesis: a finite number above 0 (default
    /// 3). Changing it recomputes the project's hypotheses.
    pub evidence_support_threshold: Option<f64>,
    /// E_hypothesis at or below minus this refutes a hypothesis: a finite number above 0
    /// (default 3). Changing it recomputes the project's hypotheses.
    pub evidence_refute_threshold: Option<f64>,
}

impl UpdateProjectInput {
    /// The evidence thresholds it sets, checked before anything is stored so that refused
    /// thresholds leave the rest of the update unwritten too.
    fn evidence_thresholds(&self, current: &ProjectSettings) -> graph::Result<Option<(f64, f64)>> {
        if self.evidence_support_threshold.is_none() && self.evidence_refute_threshold.is_none() {
            return Ok(None);
        }
        let settings = ProjectSettings {
            evidence_support_threshold: self
                .evidence_support_threshold
                .unwrap_or(current.evidence_support_threshold),
            evidence_refute_threshold: self
                .evidence_refute_threshold
                .unwrap_or(current.evidence_refute_threshold),
            ..current.clone()
        };
        settings.validate()?;
        Ok(Some((
            settings.evidence_support_threshold,
            settings.evidence_refute_threshold,
        )))
    }
}

/// A new experiment.
#[derive(InputObject, Debug)]
pub struct CreateExperimentInput {
    /// Project name.
    pub project: String,
    /// Experiment name, valid by the project's naming pattern.
    pub name: String,
    /// Primary parent by number; wins over the name's `parent` group.
    pub parent_number: Option<i64>,
    /// Primary parent by id; wins over the name's `parent` group.
    pub parent_id: Option<ID>,
    /// Full features as YAML or JSON text (at most 1 MiB); omitted inherits the parent's.
    pub features: Option<String>,
    /// Initial status (default PLANNED).
    pub status: Option<StatusGql>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    /// The number of the experiment of the same project this one reruns (`rerunOf` /
    /// `reruns`); VALIDATION on `rerunOf` when there is none. A rerun usually repeats the
    /// original's name, so a number in the name is ignored and the next free number is used
    /// (`12_from_8_lr_sweep` rerunning #12 gets a new number); the name's parent still
    /// applies as usual.
    pub rerun_of: Option<i64>,
}

/// Lifecycle changes; omitted fields keep their value.
#[derive(InputObject, Debug)]
pub struct UpdateExperimentInput {
    pub status: Option<StatusGql>,
    /// Percent done, 0–100.
    pub progress: Option<i64>,
    pub notes: Option<String>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
}

impl From<UpdateProjectInput> for model::ProjectUpdate {
    fn from(input: UpdateProjectInput) -> Self {
        model::ProjectUpdate {
            description: input.description,
            naming_pattern: input.naming_pattern,
            parent_from_name: input.parent_from_name,
            missing_parent_makes_root: input.missing_parent_makes_root,
            ignored_feature_paths: input.ignored_feature_paths,
            environment_variables: input.environment_variables,
        }
    }
}

/// The root of write operations.
#[derive(Debug, Default)]
pub struct ExperimentMutation;

#[Object]
impl ExperimentMutation {
    /// Creates a project.
    async fn create_project(
        &self,
        context: &Context<'_>,
        input: CreateProjectInput,
    ) -> async_graphql::Result<Project> {
        let graph = context.data::<Graph>()?;
        let creator = caller(context)
            .check_can_create_project(graph, input.team.as_deref())
            .await
            .gql()?;
        let thresholds = input
            .details
            .evidence_thresholds(&ProjectSettings::default())
            .gql()?;
        let details = model::ProjectUpdate::from(input.details);
        let mut settings = details.apply_to_settings(&ProjectSettings::default());
        if let Some((support, refute)) = thresholds {
            settings.evidence_support_threshold = support;
            settings.evidence_refute_threshold = refute;
        }
        let new_project = model::NewProject {
            name: input.name,
            settings: Some(settings),
            description: details.description.unwrap_or_default(),
        };
        let project = graph.create_project(new_project).await.gql()?;
        graph
            .set_project_role(&creator.id, &project.name, Some(Role::Admin))
            .await
            .gql()?;
        if let Some(team) = &input.team {
            graph.give_project_to_team(team, &project.name).await.gql()?;
        }
        Ok(Project(project))
    }

    /// Changes a project's description or settings (validated before anything is stored).
    async fn update_project(
        &self,
        context: &Context<'_>,
        name: String,
        input: UpdateProjectInput,
    ) -> async_graphql::Result<Project> {
        let graph = context.data::<Graph>()?;
        let current = caller(context).project(graph, &name, Role::Admin).await.gql()?;
        let thresholds = input.evidence_thresholds(&current.settings).gql()?;
        let mut project = graph.update_project(&name, input.into()).await.gql()?;
        if let Some((support, refute)) = thresholds {
            project = graph
                .set_evidence_thresholds(&name, Some(support), Some(refute))
                .await
                .gql()?;
            // The thresholds decide every hypothesis' computed status.
            schedule_for_project(graph, context.data::<JobQueue>()?, &name).await;
        }
        Ok(Project(project))
    }

    /// Creates an experiment: numbers it, links its parent, stores its features as a diff.
    async fn create_experiment(
        &self,
        context: &Context<'_>,
        input: CreateExperimentInput,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &input.project, Role::Researcher)
            .await
            .gql()?;
        let parent = match (input.parent_number, input.parent_id) {
            (Some(number), _) => Some(model::ParentRef::Number(number)),
            (None, Some(id)) => Some(model::ParentRef::Id(graph::ids::ExperimentId(id.0))),
            (None, None) => None,
        };
        let project = input.project;
        let new_experiment = model::NewExperiment {
            project: project.clone(),
            name: input.name,
            parent,
            features: input.features,
            status: input.status.map(Into::into),
            notes: input.notes,
            tags: input.tags,
            rerun_of: input.rerun_of,
        };
        let experiment = graph.create_experiment(new_experiment).await.gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Created, &project, &experiment);
        Ok(Experiment(experiment))
    }

    /// Changes status, progress, notes or tags of an experiment.
    async fn update_experiment(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        input: UpdateExperimentInput,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        let status_changes = input.status.is_some();
        let update = model::ExperimentUpdate {
            status: input.status.map(Into::into),
            progress: input.progress,
            notes: input.notes,
            tags: input.tags,
        };
        let experiment = graph.update_experiment(&project, number, update).await.gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Updated, &project, &experiment);
        if experiment.status.is_finished() {
            // A finished run's chunks merge into one, in the background.
            schedule_compaction(context.data::<JobQueue>()?, &experiment.id).await;
        }
        if status_changes {
            // Status gates confidence and decides testing against inconclusive.
            schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        }
        Ok(Experiment(experiment))
    }

    /// Replaces an experiment's features (YAML or JSON text): a retroactive correction.
    /// Its primary descendants keep their own changes and inherit the correction;
    /// refused with CONFLICT when a descendant's changes no longer apply.
    async fn update_experiment_features(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        features: String,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        let experiment = graph.update_features(&project, number, &features).await.gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Updated, &project, &experiment);
        // Seed siblings are told apart by their features.
        schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        Ok(Experiment(experiment))
    }

    /// Moves an experiment under another primary parent (null makes it a root). Its own
    /// full features stay the same; its diff and its descendants' caches are recomputed.
    async fn reparent_experiment(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        parent_number: Option<i64>,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        let experiment = graph.reparent(&project, number, parent_number).await.gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Reparented, &project, &experiment);
        // The parent and the root (baselines) of the whole subtree may have moved.
        schedule_for_project(graph, context.data::<JobQueue>()?, &project).await;
        Ok(Experiment(experiment))
    }

    /// Adds a merge parent (`MERGED_FROM`); refused when it would make a cycle.
    async fn add_merge_parent(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        parent_number: i64,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        let experiment = graph
            .add_merge_parent(&project, number, parent_number)
            .await
            .gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Reparented, &project, &experiment);
        schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        Ok(Experiment(experiment))
    }

    /// Removes a merge parent.
    async fn remove_merge_parent(
        &self,
        context: &Context<'_>,
        project: String,
        number: i64,
        parent_number: i64,
    ) -> async_graphql::Result<Experiment> {
        let graph = context.data::<Graph>()?;
        caller(context)
            .project(graph, &project, Role::Researcher)
            .await
            .gql()?;
        let experiment = graph
            .remove_merge_parent(&project, number, parent_number)
            .await
            .gql()?;
        context
            .data::<Announcer>()?
            .experiment(Change::Reparented, &project, &experiment);
        schedule_for_experiment(graph, context.data::<JobQueue>()?, &experiment.id).await;
        Ok(Experiment(experiment))
    }

    /// Puts a dead job back on the queue with fresh attempts (CONFLICT unless it is dead).
    async fn retry_dead_job(&self, context: &Context<'_>, id: ID) -> async_graphql::Result<Job> {
        caller(context).site_admin().gql()?;
        let jobs = context.data::<JobQueue>()?;
        Ok(jobs.retry_dead(&graph::model::JobId(id.0)).await.gql()?.into())
    }
}
