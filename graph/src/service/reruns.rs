//! Reruns: an experiment created to repeat another one of its project points at it with
//! `RERUN_OF` (written when the rerun is created, see `create_experiment`). The edge is not
//! part of the DAG: lineage, features and the DAG view never follow it.

use super::{experiment_from_row, experiments_from_rows, Graph};
use crate::error::Result;
use crate::model::Experiment;
use crate::queries;
use crate::value::Params;

impl Graph {
    /// The experiment `experiment` reruns, if it is a rerun.
    pub async fn rerun_of(&self, experiment: &Experiment) -> Result<Option<Experiment>> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_RERUN_OF,
                Params::new().with("id", experiment.id.as_str()),
            )
            .await?;
        rows.first().map(experiment_from_row).transpose()
    }

    /// The experiments that rerun `experiment`, by number.
    pub async fn reruns(&self, experiment: &Experiment) -> Result<Vec<Experiment>> {
        let rows = self
            .executor
            .execute(
                &queries::EXPERIMENT_RERUNS,
                Params::new().with("id", experiment.id.as_str()),
            )
            .await?;
        experiments_from_rows(&rows)
    }
}
