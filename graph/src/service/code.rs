//! Code snapshots in the graph: `(:Experiment)-[:HAS_CODE]->(:CodeSnapshot)` with a
//! `CONTAINS {path}` edge to every content it holds, so garbage collection keeps those
//! contents and a child's upload can store its files as deltas against its parent's.

use std::collections::BTreeSet;

use tracing::instrument;

use super::evidence_snapshot::ValuesChange;
use super::files::MAX_FILES_PER_COMMIT;
use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::ExperimentId;
use crate::model::{
    CodeCounts, CodeFormat, CodeSnapshot, Experiment, FileChange, GitReference, NewCodeSnapshot,
};
use crate::queries;
use crate::value::{Params, Row};

fn snapshot_from_row(experiment: &ExperimentId, row: &Row) -> Result<CodeSnapshot> {
    Ok(CodeSnapshot {
        experiment_id: experiment.clone(),
        format: CodeFormat::parse(&row.string("format")?)?,
        git: GitReference {
            repository: row.opt_string("repository")?,
            remote_url: row.opt_string("remote_url")?,
            branch: row.opt_string("branch")?,
            commit: row.opt_string("commit")?,
        },
        patch: row.opt_string("patch")?,
        manifest: row.string("manifest")?,
        counts: CodeCounts {
            files: row.int("file_count")?,
            stored: row.int("stored_count")?,
            untracked: row.int("untracked_count")?,
            total_size: row.int("total_size")?,
        },
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
    })
}

impl Graph {
    /// The experiment's code snapshot, if it has one.
    pub async fn code_snapshot(&self, experiment: &ExperimentId) -> Result<Option<CodeSnapshot>> {
        let rows = self
            .executor
            .execute(
                &queries::CODE_SNAPSHOT,
                Params::new().with("experiment_id", experiment.as_str()),
            )
            .await?;
        rows.first()
            .map(|row| snapshot_from_row(experiment, row))
            .transpose()
    }

    /// Every stored content of the experiment's code snapshot with its path, by path (empty
    /// without a snapshot).
    pub async fn code_contents(&self, experiment: &ExperimentId) -> Result<Vec<FileChange>> {
        let rows = self
            .executor
            .execute(
                &queries::CODE_CONTENTS,
                Params::new().with("experiment_id", experiment.as_str()),
            )
            .await?;
        let mut contents = rows
            .iter()
            .map(|row| {
                Ok(FileChange {
                    path: row.string("path")?,
                    hash: row.string("hash")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        contents.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(contents)
    }

    /// Records the experiment's code snapshot, replacing the one it had, atomically. Every
    /// content it names must be recorded already ([`Graph::record_file_content`]), else
    /// [`Error::Invalid`] on `contents[i].hash`; a path may appear once.
    #[instrument(skip_all, fields(experiment = %experiment.id, contents = snapshot.contents.len()))]
    pub async fn record_code_snapshot(
        &self,
        experiment: &Experiment,
        snapshot: NewCodeSnapshot,
    ) -> Result<CodeSnapshot> {
        // The source files plus the patch and the manifest.
        if snapshot.contents.len() > MAX_FILES_PER_COMMIT + 2 {
            return Err(Error::invalid(
                "files",
                format!("a code snapshot holds at most {MAX_FILES_PER_COMMIT} stored files"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (index, content) in snapshot.contents.iter().enumerate() {
            if !seen.insert(content.path.as_str()) {
                return Err(Error::invalid(
                    format!("contents[{index}].path"),
                    format!("`{}` appears twice in one snapshot", content.path),
                ));
            }
            if self.file_content(&content.hash).await?.is_none() {
                return Err(Error::invalid(
                    format!("contents[{index}].hash"),
                    format!("no content {} is stored: upload it first", content.hash),
                ));
            }
        }

        let id = experiment.id.as_str();
        let mut statements = vec![
            Statement::new(&queries::CODE_RELEASE, Params::new().with("experiment_id", id)),
            Statement::new(&queries::CODE_REMOVE, Params::new().with("experiment_id", id)),
            Statement::new(
                &queries::CODE_CREATE,
                Params::new()
                    .with("experiment_id", id)
                    .with("format", snapshot.format.as_str())
                    .with("repository", snapshot.git.repository)
                    .with("remote_url", snapshot.git.remote_url)
                    .with("branch", snapshot.git.branch)
                    .with("commit", snapshot.git.commit)
                    .with("patch", snapshot.patch)
                    .with("manifest", snapshot.manifest)
                    .with("file_count", snapshot.counts.files)
                    .with("stored_count", snapshot.counts.stored)
                    .with("untracked_count", snapshot.counts.untracked)
                    .with("total_size", snapshot.counts.total_size)
                    .with("now", timestamp(now())),
            ),
        ];
        statements.extend(snapshot.contents.into_iter().map(|content| {
            Statement::new(
                &queries::CODE_CONTAIN,
                Params::new()
                    .with("experiment_id", id)
                    .with("hash", content.hash)
                    .with("path", content.path),
            )
        }));
        // Whether code was captured counts in evidence confidence.
        {
            let _gate = self.write_lock.acquire().await?;
            self.execute_changing_values(
                statements,
                &experiment.project_id,
                experiment.number,
                ValuesChange::CodeCaptured,
            )
            .await?;
        }
        self.code_snapshot(&experiment.id)
            .await?
            .ok_or_else(|| Error::Internal("a recorded code snapshot is missing".into()))
    }
}
