//! Environment records in the graph: one JSON text on the experiment, screened by the
//! project's environment variable allow-list and the secret screen before it is stored, and
//! compared with another experiment's record.

use tracing::instrument;

use super::evidence_snapshot::{stored_restore_check, ValuesChange};
use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::evidence::RestoreCheck;
use crate::executor::Statement;
use crate::ids::ExperimentId;
use crate::model::environment::{diff_environments, MAX_RECORD_BYTES, MAX_RESTORE_DETAIL_CHARS};
use crate::model::{Environment, EnvironmentComparison, Experiment, NewEnvironment, RestoreCheckRecord};
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

    /// Records how restoring experiment `number` of `project` went — `verified` when every
    /// file of its snapshot came back with its recorded hash — with the verifier's `detail`,
    /// replacing an earlier check; evidence confidence counts it. A detail longer than
    /// [`MAX_RESTORE_DETAIL_CHARS`] or with a NUL is [`Error::Invalid`] and stores nothing.
    #[instrument(skip_all, fields(project = %project, number, verified))]
    pub async fn record_restore_check(
        &self,
        project: &str,
        number: i64,
        verified: bool,
        detail: &str,
    ) -> Result<RestoreCheckRecord> {
        if detail.chars().count() > MAX_RESTORE_DETAIL_CHARS {
            return Err(Error::invalid(
                "detail",
                format!("must be at most {MAX_RESTORE_DETAIL_CHARS} characters"),
            ));
        }
        if detail.contains('\0') {
            return Err(Error::invalid("detail", "must not contain NUL characters"));
        }
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let record = RestoreCheckRecord {
            verified,
            detail: detail.to_owned(),
            checked_at: now(),
        };
        let check = if verified {
            RestoreCheck::Verified
        } else {
            RestoreCheck::Failed
        };
        let params = Params::new()
            .with("id", experiment.id.as_str())
            .with("outcome", check.as_str())
            .with("detail", detail)
            .with("now", timestamp(record.checked_at));
        self.execute_changing_values(
            vec![Statement::new(&queries::EXPERIMENT_SET_RESTORE_CHECK, params)],
            &project.id,
            experiment.number,
            ValuesChange::Restored(check),
        )
        .await?;
        Ok(record)
    }

    /// The experiment's last restore check, if it was ever restored with one.
    pub async fn restore_check(&self, experiment: &ExperimentId) -> Result<Option<RestoreCheckRecord>> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_RESTORE_CHECK,
                Params::new().with("id", experiment.as_str()),
            )
            .await?;
        let Some(row) = rows.first() else {
            return Err(Error::NotFound {
                entity: "experiment",
                id: experiment.to_string(),
            });
        };
        let (Some(outcome), Some(checked_at)) = (row.opt_string("outcome")?, row.opt_string("checked_at")?)
        else {
            return Ok(None);
        };
        Ok(Some(RestoreCheckRecord {
            verified: stored_restore_check(Some(&outcome))? == RestoreCheck::Verified,
            detail: row.opt_string("detail")?.unwrap_or_default(),
            checked_at: parse_timestamp("restore_checked_at", &checked_at)?,
        }))
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
