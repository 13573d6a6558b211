//! Experiment creation, lookup, listing and lifecycle updates.

use tracing::instrument;

use super::evidence_snapshot::ValuesChange;
use super::features::{parse_features_text, stored_json, FeatureChangeSet};
use super::lineage::bump_dag_version;
use super::{experiment_from_row, experiment_key, experiments_from_rows, now, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::ExperimentId;
use crate::model::{Experiment, ExperimentUpdate, NewExperiment, ParentRef, Project, Status};
use crate::queries;
use crate::value::{Params, Row};

const MAX_NOTES_LENGTH: usize = 64 * 1024;
const MAX_TAGS: usize = 100;
const MAX_TAG_LENGTH: usize = 100;

fn validate_notes(notes: &str) -> Result<()> {
    if notes.len() > MAX_NOTES_LENGTH {
        return Err(Error::invalid(
            "notes",
            format!("is larger than {MAX_NOTES_LENGTH} bytes"),
        ));
    }
    Ok(())
}

/// Trims, de-duplicates (keeping first occurrences) and checks tags.
fn normalize_tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut normalized: Vec<String> = Vec::with_capacity(tags.len());
    for (position, tag) in tags.into_iter().enumerate() {
        let tag = tag.trim().to_owned();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LENGTH || tag.chars().any(char::is_control) {
            return Err(Error::invalid(
                format!("tags[{position}]"),
                format!("must be 1 to {MAX_TAG_LENGTH} printable characters"),
            ));
        }
        if !normalized.contains(&tag) {
            normalized.push(tag);
        }
    }
    if normalized.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(normalized)
}

fn validate_progress(progress: i64) -> Result<()> {
    if !(0..=100).contains(&progress) {
        return Err(Error::invalid(
            "progress",
            format!("{progress} is outside 0 to 100"),
        ));
    }
    Ok(())
}

/// The primary parent of an experiment being created.
struct NewParent {
    id: ExperimentId,
    number: i64,
    full: serde_json::Value,
}

/// What creating an experiment links it to, found before anything is written.
struct CreationLinks {
    /// Its primary parent, if any.
    parent: Option<NewParent>,
    /// The experiment it reruns, if any.
    rerun_of: Option<ExperimentId>,
}

/// A page of experiments and whether more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentPage {
    /// The experiments, by number.
    pub experiments: Vec<Experiment>,
    /// Whether experiments with larger numbers match too.
    pub has_more: bool,
}

impl Graph {
    /// The experiment with this id, anywhere, with its project (for routes that address
    /// experiments by id): two reads, the experiment and then its project. An unknown id is
    /// `NotFound`.
    pub async fn experiment_by_id(&self, id: &ExperimentId) -> Result<(Project, Experiment)> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_BY_ID_ANYWHERE,
                Params::new().with("id", id.as_str()),
            )
            .await?;
        let experiment = rows
            .first()
            .map(experiment_from_row)
            .transpose()?
            .ok_or_else(|| Error::NotFound {
                entity: "experiment",
                id: id.to_string(),
            })?;
        let project = self.project_by_id(&experiment.project_id).await?;
        Ok((project, experiment))
    }

    /// Experiment `number` of `project`.
    pub async fn experiment(&self, project: &str, number: i64) -> Result<Experiment> {
        let project = self.project(project).await?;
        self.experiment_in(&project, number).await
    }

    pub(super) async fn find_experiment_in(
        &self,
        project: &Project,
        number: i64,
    ) -> Result<Option<Experiment>> {
        let params = Params::new().with("key", experiment_key(&project.id, number));
        let rows = self.executor.execute(&queries::EXPERIMENT_BY_KEY, params).await?;
        rows.first().map(experiment_from_row).transpose()
    }

    pub(super) async fn experiment_in(&self, project: &Project, number: i64) -> Result<Experiment> {
        self.find_experiment_in(project, number)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "experiment",
                id: format!("#{number} in project {}", project.name),
            })
    }

    /// Experiments of a project by number, after number `after`, optionally of one status.
    pub async fn experiments(
        &self,
        project: &str,
        status: Option<Status>,
        first: i64,
        after: Option<i64>,
    ) -> Result<ExperimentPage> {
        super::check_page_size("first", first)?;
        let project = self.project(project).await?;
        let mut experiments = self
            .list_experiments(&project, status, first + 1, after.unwrap_or(0))
            .await?;
        let has_more = experiments.len() as i64 > first;
        experiments.truncate(first as usize);
        Ok(ExperimentPage {
            experiments,
            has_more,
        })
    }

    pub(super) async fn list_experiments(
        &self,
        project: &Project,
        status: Option<Status>,
        limit: i64,
        after: i64,
    ) -> Result<Vec<Experiment>> {
        let params = Params::new()
            .with("project_id", project.id.as_str())
            .with("status", status.map(Status::as_str))
            .with("after", after)
            .with("limit", limit);
        let rows = self.executor.execute(&queries::EXPERIMENT_LIST, params).await?;
        experiments_from_rows(&rows)
    }

    /// Creates an experiment: numbers it, links its parent (and the experiment it reruns) and
    /// stores its features as a diff.
    #[instrument(skip_all, fields(project = %input.project, name = %input.name))]
    pub async fn create_experiment(&self, mut input: NewExperiment) -> Result<Experiment> {
        let notes = input.notes.take().unwrap_or_default();
        validate_notes(&notes)?;
        let tags = normalize_tags(input.tags.take().unwrap_or_default())?;
        let given_features = match input.features.take() {
            Some(text) => Some(parse_features_text(&text).await?),
            None => None,
        };
        let status = input.status.unwrap_or(Status::Planned);

        let _gate = self.write_lock.acquire().await?;
        // The reads it depends on (the project, the creation context) and its batch in one
        // transaction where the engine has them.
        self.in_write_transaction(move |graph| async move {
            graph
                .insert_experiment(input, notes, tags, given_features, status)
                .await
        })
        .await
    }

    /// [`Graph::create_experiment`] once its input is checked, under the write lock.
    async fn insert_experiment(
        &self,
        input: NewExperiment,
        notes: String,
        tags: Vec<String>,
        given_features: Option<serde_json::Value>,
        status: Status,
    ) -> Result<Experiment> {
        let project = self.project_under_write_lock(&input.project).await?;
        let name_parts = project.settings.parse_name(&input.name)?;
        // A rerun repeats the original's name, number included: that number is taken, so a
        // rerun takes the next free one.
        let number_from_name = name_parts.number.filter(|_| input.rerun_of.is_none());
        let number = number_from_name.unwrap_or(project.next_number);
        let links = self
            .creation_context(
                &project,
                number_from_name,
                input.parent,
                name_parts.parent,
                input.rerun_of,
            )
            .await?;
        let parent = links.parent;
        let parent_full = parent
            .as_ref()
            .map_or_else(|| serde_json::json!({}), |p| p.full.clone());
        let full = given_features.unwrap_or_else(|| parent_full.clone());
        let changes = FeatureChangeSet::between(&project, &parent_full, &full)?;

        let created = now();
        let experiment = Experiment {
            id: ExperimentId::generate(),
            project_id: project.id.clone(),
            number,
            name: input.name,
            status,
            progress: if status == Status::Complete { 100 } else { 0 },
            notes,
            tags,
            created_at: created,
            updated_at: created,
            started_at: (status != Status::Planned).then_some(created),
            ended_at: status.is_finished().then_some(created),
        };
        let create = Params::new()
            .with("id", experiment.id.as_str())
            .with("key", experiment_key(&project.id, number))
            .with("project_id", project.id.as_str())
            .with("number", number)
            .with("name", experiment.name.as_str())
            .with("status", status.as_str())
            .with("progress", experiment.progress)
            .with("notes", experiment.notes.as_str())
            .with("tags", experiment.tags.clone())
            .with("now", timestamp(created))
            .with("started_at", experiment.started_at.map(timestamp))
            .with("ended_at", experiment.ended_at.map(timestamp))
            .with("features_diff", changes.diff_json.as_str())
            .with("features_full", changes.full_json.as_str())
            .with("next_number", project.next_number.max(number + 1))
            .with("parent_number", parent.as_ref().map(|parent| parent.number))
            .with("parent_id", parent.as_ref().map(|parent| parent.id.as_str()));
        let mut statements = vec![Statement::new(&queries::EXPERIMENT_CREATE, create)];
        if let Some(original_id) = &links.rerun_of {
            statements.push(Statement::new(
                &queries::EXPERIMENT_LINK_RERUN,
                Params::new()
                    .with("rerun_id", experiment.id.as_str())
                    .with("original_id", original_id.as_str()),
            ));
        }
        statements.extend(changes.link_statement(&experiment.id));
        self.executor.execute_atomic(statements).await?;
        Ok(experiment)
    }

    /// Checks that a number from the name is free, finds the experiment a rerun repeats
    /// and the new experiment's primary parent (explicit, else from the name) with its
    /// full features; one read in the common case, on the writer's side (the caller holds
    /// the write lock).
    async fn creation_context(
        &self,
        project: &Project,
        number_from_name: Option<i64>,
        explicit: Option<ParentRef>,
        parent_from_name: Option<i64>,
        rerun_of: Option<i64>,
    ) -> Result<CreationLinks> {
        let (parent_number, parent_field) = match &explicit {
            Some(ParentRef::Number(number)) => (Some(*number), "parentNumber"),
            Some(ParentRef::Id(_)) => (None, "parentId"),
            None => (
                parent_from_name.filter(|_| project.settings.parent_detection.from_name),
                "name",
            ),
        };
        let key = |number: Option<i64>| number.map(|number| experiment_key(&project.id, number));
        let params = Params::new()
            .with("number_key", key(number_from_name))
            .with("parent_key", key(parent_number))
            .with("rerun_key", key(rerun_of));
        let rows = self
            .executor
            .execute_read_for_write(&queries::EXPERIMENT_CREATION_CONTEXT, params)
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal("creation context returned no row".into()))?;
        if let (Some(number), Some(taken_name)) = (number_from_name, row.opt_string("taken_name")?) {
            return Err(Error::conflict(
                "name",
                format!(
                    "experiment number {number} already exists in project {} (`{taken_name}`)",
                    project.name
                ),
            ));
        }
        let rerun_of_id = row.opt_string("rerun_of_id")?.map(ExperimentId);
        if let (Some(original), None) = (rerun_of, &rerun_of_id) {
            return Err(Error::invalid(
                "rerunOf",
                format!("no experiment #{original} in project {} to rerun", project.name),
            ));
        }
        let parent = self
            .new_parent(project, explicit, parent_number, parent_field, row)
            .await?;
        Ok(CreationLinks {
            parent,
            rerun_of: rerun_of_id,
        })
    }

    /// The primary parent of a new experiment from the creation context's `row`: by id
    /// (one more read), else by number, else none.
    async fn new_parent(
        &self,
        project: &Project,
        explicit: Option<ParentRef>,
        parent_number: Option<i64>,
        parent_field: &'static str,
        row: &Row,
    ) -> Result<Option<NewParent>> {
        if let Some(ParentRef::Id(id)) = explicit {
            let parent = self.experiment_by_id_in(project, &id).await?.ok_or_else(|| {
                Error::invalid(
                    parent_field,
                    format!("no experiment {id} in project {}", project.name),
                )
            })?;
            let full = self.features_of(&parent.id).await?.full;
            return Ok(Some(NewParent {
                id: parent.id,
                number: parent.number,
                full,
            }));
        }
        let Some(parent_number) = parent_number else {
            return Ok(None);
        };
        match row.opt_string("parent_id")? {
            Some(id) => Ok(Some(NewParent {
                id: ExperimentId(id),
                number: parent_number,
                full: stored_json(row, "parent_features")?,
            })),
            None if explicit.is_none() && project.settings.parent_detection.missing_parent_makes_root => {
                Ok(None)
            }
            None if explicit.is_none() => Err(Error::invalid(
                parent_field,
                format!(
                    "names parent #{parent_number}, which does not exist in project {}; \
                     create it first or pass parentNumber",
                    project.name
                ),
            )),
            None => Err(Error::invalid(
                parent_field,
                format!("no experiment #{parent_number} in project {}", project.name),
            )),
        }
    }

    /// Applies a partial lifecycle update and returns the experiment as stored.
    #[instrument(skip_all, fields(project = %project, number))]
    pub async fn update_experiment(
        &self,
        project: &str,
        number: i64,
        update: ExperimentUpdate,
    ) -> Result<Experiment> {
        if let Some(progress) = update.progress {
            validate_progress(progress)?;
        }
        if let Some(notes) = &update.notes {
            validate_notes(notes)?;
        }
        let tags = update.tags.map(normalize_tags).transpose()?;

        let _gate = self.write_lock.acquire().await?;
        let mut experiment = self.experiment(project, number).await?;
        let (previous_status, previous_progress) = (experiment.status, experiment.progress);
        let changed_at = now();
        if let Some(status) = update.status {
            if status == Status::Running && experiment.started_at.is_none() {
                experiment.started_at = Some(changed_at);
            }
            if status.is_finished() && !experiment.status.is_finished() {
                experiment.ended_at = Some(changed_at);
            }
            if !status.is_finished() {
                experiment.ended_at = None;
            }
            if status == Status::Complete && update.progress.is_none() {
                experiment.progress = 100;
            }
            experiment.status = status;
        }
        if let Some(progress) = update.progress {
            experiment.progress = progress;
        }
        if let Some(notes) = update.notes {
            experiment.notes = notes;
        }
        if let Some(tags) = tags {
            experiment.tags = tags;
        }
        experiment.updated_at = changed_at;
        let params = Params::new()
            .with("id", experiment.id.as_str())
            .with("status", experiment.status.as_str())
            .with("progress", experiment.progress)
            .with("notes", experiment.notes.as_str())
            .with("tags", experiment.tags.clone())
            .with("started_at", experiment.started_at.map(timestamp))
            .with("ended_at", experiment.ended_at.map(timestamp))
            .with("now", timestamp(changed_at));
        let mut statements = vec![Statement::new(&queries::EXPERIMENT_UPDATE, params)];
        if experiment.status != previous_status || experiment.progress != previous_progress {
            statements.push(bump_dag_version(&experiment.project_id));
        }
        if experiment.status == previous_status {
            self.executor.execute_atomic(statements).await?;
        } else {
            // The status is one of the values the evidence snapshots hold.
            self.execute_changing_values(
                statements,
                &experiment.project_id,
                experiment.number,
                ValuesChange::Status(experiment.status),
            )
            .await?;
        }
        Ok(experiment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let tags = normalize_tags(vec![" a ".into(), "b".into(), "a".into()]).expect("valid tags");
        assert_eq!(tags, vec!["a", "b"]);
    }

    #[test]
    fn an_empty_tag_is_refused_by_position() {
        let error = normalize_tags(vec!["a".into(), " ".into()]).expect_err("empty tag");
        assert!(error.to_string().starts_with("tags[1]:"), "{error}");
    }

    #[test]
    fn progress_outside_0_to_100_is_refused() {
        assert!(validate_progress(101).is_err());
        assert!(validate_progress(-1).is_err());
        assert!(validate_progress(100).is_ok());
    }
}
