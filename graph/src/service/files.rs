//! Experiment files in the graph: contents recorded once by hash, versions of each path an
//! experiment produced (with the ancestor that introduced each content), capture policies,
//! and what blob garbage collection needs.
//!
//! The bytes live in the blob store (the ingest crate's file store); this module only records
//! which content each path holds and how that content is stored.

use std::collections::{BTreeMap, BTreeSet};

use tracing::instrument;

use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::ExperimentId;
use crate::model::{ContentStorage, ContentUse, Experiment, FileChange, FileVersion, StoredContent};
use crate::queries;
use crate::value::{Params, Row};

/// Most files one commit may change or delete.
pub const MAX_FILES_PER_COMMIT: usize = 10_000;

fn content_from_row(row: &Row) -> Result<StoredContent> {
    Ok(StoredContent {
        hash: row.string("hash")?,
        size: row.int("size")?,
        mime: row.string("mime")?,
        text: row.bool("text")?,
        storage: ContentStorage::parse(&row.string("storage")?)?,
        blob: row.string("blob")?,
        base: row.opt_string("base")?,
        chain: row.int("chain")?,
    })
}

fn version_from_row(row: &Row) -> Result<FileVersion> {
    Ok(FileVersion {
        path: row.string("path")?,
        version: row.int("version")?,
        deleted: row.bool("deleted")?,
        introduced_by: ExperimentId(row.string("introduced_by")?),
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        hash: row.string("hash")?,
        size: row.int("size")?,
        mime: row.string("mime")?,
        text: row.bool("text")?,
        storage: ContentStorage::parse(&row.string("storage")?)?,
    })
}

fn policy_key(project_id: &str, name: &str) -> String {
    format!("{project_id}/{name}")
}

impl Graph {
    /// The stored content with this hash, if any.
    pub async fn file_content(&self, hash: &str) -> Result<Option<StoredContent>> {
        let rows = self
            .executor
            .execute(&queries::FILE_CONTENT, Params::new().with("hash", hash))
            .await?;
        rows.first().map(content_from_row).transpose()
    }

    /// Records a content; when the hash is recorded already (another upload of the same
    /// bytes), the first record stays and is returned.
    #[instrument(skip_all, fields(hash = %content.hash))]
    pub async fn record_file_content(&self, content: StoredContent) -> Result<StoredContent> {
        let params = Params::new()
            .with("hash", content.hash)
            .with("size", content.size)
            .with("mime", content.mime)
            .with("text", content.text)
            .with("storage", content.storage.as_str())
            .with("blob", content.blob)
            .with("base", content.base)
            .with("chain", content.chain)
            .with("now", timestamp(now()));
        let _gate = self.write_lock.acquire().await?;
        let rows = self
            .executor
            .execute(&queries::FILE_CONTENT_CREATE, params)
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal("file/content_create returned no row".into()))?;
        content_from_row(row)
    }

    /// The current version of every path the experiment produced, deleted paths included
    /// (marked), by path.
    pub async fn current_files(&self, experiment: &ExperimentId) -> Result<Vec<FileVersion>> {
        let rows = self
            .executor
            .execute(
                &queries::FILE_CURRENT,
                Params::new().with("experiment_id", experiment.as_str()),
            )
            .await?;
        let mut files = rows.iter().map(version_from_row).collect::<Result<Vec<_>>>()?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// Every version of one path of the experiment, oldest first.
    pub async fn file_history(&self, experiment: &ExperimentId, path: &str) -> Result<Vec<FileVersion>> {
        let params = Params::new()
            .with("experiment_id", experiment.as_str())
            .with("path", path);
        let rows = self.executor.execute(&queries::FILE_HISTORY, params).await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Records new contents for paths and deletions of paths, atomically, and answers the
    /// experiment's files afterwards. A path whose content is unchanged gets no new version;
    /// deleting a path that is absent (or deleted already) changes nothing. Each content must
    /// be recorded already ([`Graph::record_file_content`]), else [`Error::Invalid`] on
    /// `files[i].hash`. A content is "introduced" by this experiment unless its primary parent
    /// holds the same content at the same path, in which case the parent's introducer is kept.
    #[instrument(skip_all, fields(experiment = %experiment.id, changes = changes.len()))]
    pub async fn commit_files(
        &self,
        experiment: &Experiment,
        changes: Vec<FileChange>,
        deleted: Vec<String>,
    ) -> Result<Vec<FileVersion>> {
        if changes.len() + deleted.len() > MAX_FILES_PER_COMMIT {
            return Err(Error::invalid(
                "files",
                format!("at most {MAX_FILES_PER_COMMIT} files may change in one commit"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (index, path) in changes
            .iter()
            .map(|change| &change.path)
            .chain(&deleted)
            .enumerate()
        {
            if !seen.insert(path.as_str()) {
                return Err(Error::invalid(
                    format!("files[{index}].path"),
                    format!("`{path}` appears twice in one commit"),
                ));
            }
        }
        let _gate = self.write_lock.acquire().await?;
        let current: BTreeMap<String, FileVersion> = self
            .current_files(&experiment.id)
            .await?
            .into_iter()
            .map(|file| (file.path.clone(), file))
            .collect();
        let unchanged = |change: &FileChange| {
            current
                .get(&change.path)
                .is_some_and(|file| !file.deleted && file.hash == change.hash)
        };
        // A path that keeps its content needs no check: its content is stored.
        let mut contents: BTreeMap<&str, StoredContent> = BTreeMap::new();
        for (index, change) in changes.iter().enumerate() {
            if unchanged(change) {
                continue;
            }
            let Some(content) = self.file_content(&change.hash).await? else {
                return Err(Error::invalid(
                    format!("files[{index}].hash"),
                    format!("no content {} is stored: upload it first", change.hash),
                ));
            };
            contents.insert(&change.path, content);
        }
        let inherited: BTreeMap<String, FileVersion> = match self.primary_parent(experiment).await? {
            Some(parent) if !contents.is_empty() => self
                .current_files(&parent.id)
                .await?
                .into_iter()
                .filter(|file| !file.deleted)
                .map(|file| (file.path.clone(), file))
                .collect(),
            _ => BTreeMap::new(),
        };
        let stamp = timestamp(now());
        let created_at = parse_timestamp("created_at", &stamp)?;
        let mut statements = Vec::new();
        // The experiment's files after the commit, answered without reading them again.
        let mut after = current.clone();
        let mut version = |file: FileVersion| {
            let previous = current.get(&file.path);
            let file = FileVersion {
                version: previous.map_or(1, |previous| previous.version + 1),
                created_at,
                ..file
            };
            if previous.is_some() {
                statements.push(Statement::new(
                    &queries::FILE_RETIRE,
                    Params::new()
                        .with("experiment_id", experiment.id.as_str())
                        .with("path", file.path.as_str()),
                ));
            }
            statements.push(Statement::new(
                &queries::FILE_PRODUCE,
                Params::new()
                    .with("experiment_id", experiment.id.as_str())
                    .with("hash", file.hash.as_str())
                    .with("path", file.path.as_str())
                    .with("version", file.version)
                    .with("deleted", file.deleted)
                    .with("introduced_by", file.introduced_by.as_str())
                    .with("now", stamp.clone()),
            ));
            after.insert(file.path.clone(), file);
        };
        for change in &changes {
            let Some(content) = contents.remove(change.path.as_str()) else {
                continue; // unchanged
            };
            let introduced_by = match inherited.get(&change.path) {
                Some(parent_file) if parent_file.hash == change.hash => parent_file.introduced_by.clone(),
                _ => experiment.id.clone(),
            };
            version(FileVersion {
                path: change.path.clone(),
                version: 0,
                deleted: false,
                introduced_by,
                created_at,
                hash: content.hash,
                size: content.size,
                mime: content.mime,
                text: content.text,
                storage: content.storage,
            });
        }
        for path in &deleted {
            if let Some(file) = current.get(path).filter(|file| !file.deleted) {
                version(FileVersion {
                    deleted: true,
                    introduced_by: experiment.id.clone(),
                    ..file.clone()
                });
            }
        }
        if !statements.is_empty() {
            self.executor.execute_atomic(statements).await?;
        }
        Ok(after.into_values().collect())
    }

    /// The named capture policies of a project, as `(name, policy JSON)`, by name.
    pub async fn capture_policies(&self, project: &str) -> Result<Vec<(String, String)>> {
        let project = self.project(project).await?;
        let rows = self
            .executor
            .execute(
                &queries::FILE_POLICY_LIST,
                Params::new().with("project_id", project.id.as_str()),
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.string("name")?, row.string("policy")?)))
            .collect()
    }

    /// Creates or replaces a named capture policy (validated by the caller, stored as JSON).
    #[instrument(skip_all, fields(project = %project, name = %name))]
    pub async fn set_capture_policy(&self, project: &str, name: &str, policy_json: String) -> Result<()> {
        let project = self.project(project).await?;
        let params = Params::new()
            .with("key", policy_key(project.id.as_str(), name))
            .with("project_id", project.id.as_str())
            .with("name", name)
            .with("policy", policy_json)
            .with("now", timestamp(now()));
        let _gate = self.write_lock.acquire().await?;
        self.executor.execute(&queries::FILE_POLICY_SET, params).await?;
        Ok(())
    }

    /// Removes a named capture policy; [`Error::NotFound`] when the project has none by that
    /// name.
    #[instrument(skip_all, fields(project = %project, name = %name))]
    pub async fn remove_capture_policy(&self, project: &str, name: &str) -> Result<()> {
        let project = self.project(project).await?;
        let params = Params::new().with("key", policy_key(project.id.as_str(), name));
        let _gate = self.write_lock.acquire().await?;
        let rows = self
            .executor
            .execute(&queries::FILE_POLICY_REMOVE, params)
            .await?;
        let removed = rows
            .first()
            .map(|row| row.int("removed"))
            .transpose()?
            .unwrap_or(0);
        if removed == 0 {
            return Err(Error::NotFound {
                entity: "capture policy",
                id: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Every stored content with how many file versions use it (garbage collection).
    pub async fn file_content_uses(&self) -> Result<Vec<ContentUse>> {
        let rows = self.executor.execute(&queries::FILE_USES, Params::new()).await?;
        rows.iter()
            .map(|row| {
                Ok(ContentUse {
                    hash: row.string("hash")?,
                    blob: row.string("blob")?,
                    base: row.opt_string("base")?,
                    created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
                    uses: row.int("uses")?,
                })
            })
            .collect()
    }

    /// Deletes the record of content `hash` unless a file version uses it or its hash is
    /// among `bases` (contents deltas still apply to); checked in the deleting statement.
    /// Whether it was deleted.
    #[instrument(skip_all, fields(hash = %hash))]
    pub async fn delete_file_content_if_unused(&self, hash: &str, bases: Vec<String>) -> Result<bool> {
        let params = Params::new().with("hash", hash).with("bases", bases);
        let _gate = self.write_lock.acquire().await?;
        let rows = self
            .executor
            .execute(&queries::FILE_CONTENT_DELETE, params)
            .await?;
        Ok(rows
            .first()
            .map(|row| row.int("deleted"))
            .transpose()?
            .unwrap_or(0)
            > 0)
    }
}
