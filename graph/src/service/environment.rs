//! Environment records in the graph: one JSON text on the experiment, screened by the
//! project's environment variable allow-list and the secret screen before it is stored, and
//! compared with another experiment's record.

use tracing::instrument;

use super::evidence_snapshot::ValuesChange;
use super::{now, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::ExperimentId;
use crate::model::environment::{diff_environments, MAX_RECORD_BYTES};
use crate::model::{Environment, EnvironmentComparison, Experiment, NewEnvironment};
use crate::queries;
use crate::value::Params;

fn stored_json(record: &Environment) -> Result<String> {
    let json = serde_json::to_string(record)
        .map_err(|error| Error::Internal(format!("environment record does not serialize: {error}")))?;
    if json.len() > MAX_RECORD_BYTES {
        return Err(Error::invalid(
            "environment",
            format!(
                "is {} bytes once stored, more than the {MAX_RECORD_BYTES} allowed",
                json.len()
            ),
        ));
    }
    Ok(json)
}

impl Graph {
    /// Stores the environment experiment `number` of `project` ran in, replacing any earlier
    /// record, and answers the stored record: variables the project's allow-list does not
    /// keep, or whose names look secret, are not stored; their names are listed in
    /// `dropped_variables`. Invalid input is [`Error::Invalid`] naming the field, and stores
    /// nothing.
    #[instrument(skip_all, fields(project = %project, number))]
    pub async fn record_environment(
        &self,
        project: &str,
        number: i64,
        environment: NewEnvironment,
    ) -> Result<Environment> {
        environment.validate()?;
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let record = environment.into_record(&project.settings, now());
        let params = Params::new()
            .with("id", experiment.id.as_str())
            .with("environment", stored_json(&record)?)
            .with("now", timestamp(record.recorded_at));
        // Whether an environment was captured counts in evidence confidence.
        self.execute_changing_values(
            vec![Statement::new(&queries::EXPERIMENT_SET_ENVIRONMENT, params)],
            &project.id,
            experiment.number,
            ValuesChange::EnvironmentCaptured,
        )
        .await?;
        Ok(record)
    }

    /// The experiment's environment record, if one was recorded.
    pub async fn environment(&self, experiment: &ExperimentId) -> Result<Option<Environment>> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_ENVIRONMENT,
                Params::new().with("id", experiment.as_str()),
            )
            .await?;
        let Some(text) = rows
            .first()
            .map(|row| row.opt_string("environment"))
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| Error::Internal(format!("stored environment record is unreadable: {error}")))
    }

    /// Experiment `number`'s record compared with experiment `against`'s (default: its
    /// primary parent's). A root without `against` is [`Error::Invalid`] on `against`; a side
    /// without a record is [`Error::NotFound`].
    pub async fn environment_diff(
        &self,
        project: &str,
        number: i64,
        against: Option<i64>,
    ) -> Result<EnvironmentComparison> {
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let other = match against {
            Some(other) => self.experiment_in(&project, other).await?,
            None => self.primary_parent(&experiment).await?.ok_or_else(|| {
                Error::invalid(
                    "against",
                    format!(
                        "experiment #{number} has no primary parent: name the experiment to compare with"
                    ),
                )
            })?,
        };
        let left = self.recorded_environment(&other, &project.name).await?;
        let right = self.recorded_environment(&experiment, &project.name).await?;
        Ok(EnvironmentComparison {
            against: other.number,
            diff: diff_environments(&left, &right),
            left,
            right,
        })
    }

    async fn recorded_environment(&self, experiment: &Experiment, project: &str) -> Result<Environment> {
        self.environment(&experiment.id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "environment record",
                id: format!("of experiment #{} in project {project}", experiment.number),
            })
    }
}
