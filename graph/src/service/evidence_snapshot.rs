//! What the evidence of a project reads about every one of its experiments — status, primary
//! parent, rerun original, captured environment and code, restore check, seed group (its features without
//! seeds), cached summaries and recent values — kept in memory between recomputations, and
//! the units each hypothesis stored last.
//!
//! Reading and parsing them for 10,000 experiments takes about 90 ms on graphdblite, and every
//! recomputation needs them (the scales, the `best` and `root` baselines, the seed siblings,
//! the replicates' values). So a process keeps one snapshot per project, valid for one
//! **version**: the project's `values_version`, which every batch that changes one of those
//! values increments in the same transaction (`project/bump_values_version`: a chunk's
//! summaries, a compaction, a status, a reparent, a features correction, a recorded
//! environment, code snapshot or restore check). A recomputation
//! reads the version (one indexed read) and uses the snapshot only while it matches, so a
//! change another replica made is never missed: the snapshot is read again. This process
//! patches its own snapshot after each such batch (a features correction, which may touch a
//! whole subtree, drops it instead), so a new chunk does not cost a reload.
//!
//! Creating an experiment does not change the version: a new experiment has no summaries
//! until its first chunk, and until then it is no baseline with a value, no replicate with a
//! value and no part of a scale. A snapshot therefore lacks the experiments created after it
//! was read; the batch of an experiment's chunk brings it in (the chunk reads its status,
//! parent and features anyway), a recomputation whose linked experiments are not all in the
//! snapshot reads those in (one indexed read each; the whole project past 64 of them), and
//! a status or parent change about an experiment (or onto a parent) the snapshot lacks
//! drops it. The linked experiments' ancestors are then always in
//! it: an experiment is created after its parent, and a reparent onto a newer one drops it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use super::chunks::{cached_recent, cached_summaries};
use super::evidence_inputs::seed_group;
use super::{experiment_key, Graph};
use crate::error::{Error, Result};
use crate::evidence::RestoreCheck;
use crate::executor::Statement;
use crate::ids::{HypothesisId, ProjectId};
use crate::model::{MeasuredSummary, Status, StoredUnit};
use crate::queries;
use crate::value::{Params, Row};

/// The most projects whose snapshots one process keeps (one is dropped to make room).
pub(super) const MAX_PROJECTS: usize = 16;

/// The most experiments missing from a current snapshot (created since it was read) that are
/// read one by one into it; more, and the whole project is read again.
const MAX_FETCHED: usize = 64;

/// One experiment's values.
#[derive(Debug, Clone)]
pub(super) struct ExperimentValues {
    pub status: Status,
    /// The primary parent's number.
    pub parent: Option<i64>,
    /// The number of the experiment it reruns (`RERUN_OF`, fixed at creation).
    pub rerun_of: Option<i64>,
    /// Whether its environment was recorded.
    pub environment_captured: bool,
    /// Whether a code snapshot was recorded.
    pub code_captured: bool,
    /// How restoring it went.
    pub restore: RestoreCheck,
    /// Its full features without seeds, as a digest ([`seed_group`]): seed siblings share it.
    pub seed_group: Option<u128>,
    /// Every cached summary, by metric name (read the recent values from `recent`).
    pub summaries: Arc<[MeasuredSummary]>,
    /// The recent values of each metric, parsed when a recomputation first needs them (only
    /// linked runs' are, so a snapshot of 10,000 runs does not parse 10,000 texts).
    pub recent: Arc<RecentValues>,
}

/// An experiment's recent values per metric: the cached text, parsed once on demand.
#[derive(Debug, Default)]
pub(super) struct RecentValues {
    text: Option<String>,
    parsed: OnceLock<BTreeMap<String, Vec<f64>>>,
}

impl RecentValues {
    fn parsed(values: BTreeMap<String, Vec<f64>>) -> RecentValues {
        RecentValues {
            text: None,
            parsed: OnceLock::from(values),
        }
    }

    /// The recent values of `metric` (empty when the experiment has none).
    pub fn of(&self, metric: &str) -> Result<&[f64]> {
        let parsed = match self.parsed.get() {
            Some(parsed) => parsed,
            None => {
                let values = match &self.text {
                    Some(text) => cached_recent(text)?,
                    None => BTreeMap::new(),
                };
                self.parsed.get_or_init(|| values)
            }
        };
        Ok(parsed.get(metric).map_or(&[], Vec::as_slice))
    }
}

/// Every experiment of a project, by number, as of one version.
#[derive(Debug, Clone, Default)]
pub(super) struct ProjectSnapshot {
    pub version: i64,
    pub experiments: HashMap<i64, ExperimentValues>,
}

/// An experiment's values besides its summaries, as a read that names the columns of
/// `evidence/project_values` returns them (`metric/chunk_context` does too).
#[derive(Debug, Clone)]
pub(super) struct ExperimentFacts {
    status: Status,
    parent: Option<i64>,
    rerun_of: Option<i64>,
    environment_captured: bool,
    code_captured: bool,
    restore: RestoreCheck,
    features_full: Option<String>,
}

impl ExperimentFacts {
    pub fn from_row(row: &Row) -> Result<ExperimentFacts> {
        Ok(ExperimentFacts {
            status: Status::parse(&row.string("status")?)?,
            parent: row.opt_int("parent_number")?,
            rerun_of: row.opt_int("rerun_of")?,
            environment_captured: row.bool("environment_captured")?,
            code_captured: row.opt_string("code_created_at")?.is_some(),
            restore: stored_restore_check(row.opt_string("restore_check")?.as_deref())?,
            features_full: row.opt_string("features_full")?,
        })
    }

    fn into_values(self, summaries: Arc<[MeasuredSummary]>, recent: Arc<RecentValues>) -> ExperimentValues {
        ExperimentValues {
            status: self.status,
            parent: self.parent,
            rerun_of: self.rerun_of,
            environment_captured: self.environment_captured,
            code_captured: self.code_captured,
            restore: self.restore,
            seed_group: seed_group(self.features_full.as_deref()),
            summaries,
            recent,
        }
    }
}

/// What one committed batch changed about one experiment.
#[derive(Debug, Clone)]
pub(super) enum ValuesChange {
    /// Its summaries, all of them, with what else the batch read of it (to take in an
    /// experiment the snapshot does not know yet).
    Summaries {
        summaries: Vec<MeasuredSummary>,
        facts: ExperimentFacts,
    },
    Status(Status),
    /// Its primary parent's number.
    Parent(Option<i64>),
    /// Its features, and maybe its descendants' (the snapshot is read again).
    Features,
    /// Its environment was recorded.
    EnvironmentCaptured,
    /// Its code snapshot was recorded.
    CodeCaptured,
    /// It was restored, with this outcome.
    Restored(RestoreCheck),
}

/// The snapshots of this process, by project.
#[derive(Debug, Default)]
pub(crate) struct SnapshotCache {
    projects: Mutex<HashMap<ProjectId, Arc<ProjectSnapshot>>>,
}

impl SnapshotCache {
    fn projects(&self) -> MutexGuard<'_, HashMap<ProjectId, Arc<ProjectSnapshot>>> {
        self.projects.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn current(&self, project: &ProjectId, version: i64) -> Option<Arc<ProjectSnapshot>> {
        self.projects()
            .get(project)
            .filter(|snapshot| snapshot.version == version)
            .cloned()
    }

    /// Keeps `snapshot` unless a newer one is kept already.
    fn keep(&self, project: &ProjectId, snapshot: Arc<ProjectSnapshot>) {
        let mut projects = self.projects();
        if projects
            .get(project)
            .is_some_and(|kept| kept.version > snapshot.version)
        {
            return;
        }
        if projects.len() >= MAX_PROJECTS && !projects.contains_key(project) {
            if let Some(other) = projects.keys().next().cloned() {
                projects.remove(&other);
            }
        }
        projects.insert(project.clone(), snapshot);
    }

    /// Applies `change` to experiment `number`, committed as `version`: only to a snapshot of
    /// the version just before that knows the experiment (or learns it from the change) and
    /// its parent; any other snapshot of the project is dropped.
    fn patch(&self, project: &ProjectId, version: i64, number: i64, change: ValuesChange) {
        let mut projects = self.projects();
        let Some(snapshot) = projects.get_mut(project) else {
            return;
        };
        let knows = |number: &i64| snapshot.experiments.contains_key(number);
        let applies = snapshot.version == version - 1
            && match &change {
                ValuesChange::Summaries { facts, .. } => facts.parent.as_ref().is_none_or(knows),
                ValuesChange::Status(_)
                | ValuesChange::EnvironmentCaptured
                | ValuesChange::CodeCaptured
                | ValuesChange::Restored(_) => knows(&number),
                ValuesChange::Parent(parent) => knows(&number) && parent.as_ref().is_none_or(knows),
                ValuesChange::Features => false,
            };
        if !applies {
            projects.remove(project);
            return;
        }
        let snapshot = Arc::make_mut(snapshot);
        snapshot.version = version;
        match change {
            ValuesChange::Summaries { summaries, facts } => {
                let recent = Arc::new(RecentValues::parsed(
                    summaries
                        .iter()
                        .map(|summary| (summary.metric.clone(), summary.recent.clone()))
                        .collect(),
                ));
                let summaries: Arc<[MeasuredSummary]> = summaries.into();
                match snapshot.experiments.get_mut(&number) {
                    Some(experiment) => {
                        experiment.summaries = summaries;
                        experiment.recent = recent;
                    }
                    None => {
                        snapshot
                            .experiments
                            .insert(number, facts.into_values(summaries, recent));
                    }
                }
            }
            ValuesChange::Features => {}
            change => {
                if let Some(experiment) = snapshot.experiments.get_mut(&number) {
                    match change {
                        ValuesChange::Status(status) => experiment.status = status,
                        ValuesChange::Parent(parent) => experiment.parent = parent,
                        ValuesChange::EnvironmentCaptured => experiment.environment_captured = true,
                        ValuesChange::CodeCaptured => experiment.code_captured = true,
                        ValuesChange::Restored(check) => experiment.restore = check,
                        ValuesChange::Summaries { .. } | ValuesChange::Features => {}
                    }
                }
            }
        }
    }
}

/// The most hypotheses whose last stored units one process keeps (one is dropped to make room).
const MAX_HYPOTHESES: usize = 1_024;

/// The units each hypothesis stored last, under the `computed_at` text of that computation: a
/// recomputation that finds the hypothesis still computed at that time compares its new units
/// with these instead of reading every `EVIDENCE` edge back (a computation by another process
/// changes the time, and the edges are read).
#[derive(Debug, Default)]
pub(crate) struct UnitsCache {
    hypotheses: Mutex<HashMap<HypothesisId, KeptUnits>>,
}

/// A computation's `computed_at` text and the units it stored.
type KeptUnits = (String, Arc<Vec<StoredUnit>>);

impl UnitsCache {
    fn hypotheses(&self) -> MutexGuard<'_, HashMap<HypothesisId, KeptUnits>> {
        self.hypotheses.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The units `hypothesis` stored in its computation at `computed_at`, when kept.
    pub(super) fn get(&self, hypothesis: &HypothesisId, computed_at: &str) -> Option<Arc<Vec<StoredUnit>>> {
        self.hypotheses()
            .get(hypothesis)
            .filter(|(at, _)| at == computed_at)
            .map(|(_, units)| Arc::clone(units))
    }

    /// Keeps the units `hypothesis` stored in its computation at `computed_at`.
    pub(super) fn keep(&self, hypothesis: &HypothesisId, computed_at: String, units: Arc<Vec<StoredUnit>>) {
        let mut hypotheses = self.hypotheses();
        if hypotheses.len() >= MAX_HYPOTHESES && !hypotheses.contains_key(hypothesis) {
            if let Some(other) = hypotheses.keys().next().cloned() {
                hypotheses.remove(&other);
            }
        }
        hypotheses.insert(hypothesis.clone(), (computed_at, units));
    }
}

/// A stored restore check (`e.restore_check`): none is a run never restored.
pub(super) fn stored_restore_check(text: Option<&str>) -> Result<RestoreCheck> {
    match text {
        None => Ok(RestoreCheck::NotAttempted),
        Some(text) => RestoreCheck::parse(text)
            .ok_or_else(|| Error::Internal(format!("stored restore check `{text}` is unknown"))),
    }
}

/// An experiment's values from a row of `evidence/project_values` (or
/// `evidence/experiment_values`), by number.
fn values_from_row(row: &Row) -> Result<(i64, ExperimentValues)> {
    let summaries = match row.opt_string("measured")? {
        Some(measured) => cached_summaries(&measured)?,
        None => Vec::new(),
    };
    let recent = Arc::new(RecentValues {
        text: row.opt_string("recent")?,
        parsed: OnceLock::new(),
    });
    let values = ExperimentFacts::from_row(row)?.into_values(summaries.into(), recent);
    Ok((row.int("number")?, values))
}

/// The statement that moves the values version of `project_id`: the last of a batch that
/// changes a value the snapshots hold (its rows go to [`Graph::patch_values`]).
pub(super) fn bump_values_version(project_id: &ProjectId) -> Statement {
    Statement::new(
        &queries::PROJECT_BUMP_VALUES_VERSION,
        Params::new().with("project_id", project_id.as_str()),
    )
}

impl Graph {
    /// Sends `statements` as one atomic batch together with the increment of the values
    /// version of `project_id` (`project/bump_values_version`), for a batch that changes a
    /// value the snapshots hold; then patches this process' snapshot with `change` to
    /// experiment `number`.
    pub(super) async fn execute_changing_values(
        &self,
        mut statements: Vec<Statement>,
        project_id: &ProjectId,
        number: i64,
        change: ValuesChange,
    ) -> Result<()> {
        statements.push(bump_values_version(project_id));
        let results = self.executor.execute_atomic(statements).await?;
        let bumped = results.last().map_or(&[][..], Vec::as_slice);
        self.patch_values(project_id, number, bumped, change);
        Ok(())
    }

    /// Patches this process' snapshot of `project_id` with `change` to experiment `number`,
    /// given the rows `bumped` that the batch's [`bump_values_version`] answered. No version
    /// (the project is gone) drops the snapshot: nothing to patch, nor to read later.
    pub(super) fn patch_values(
        &self,
        project_id: &ProjectId,
        number: i64,
        bumped: &[Row],
        change: ValuesChange,
    ) {
        match bumped
            .first()
            .and_then(|row| row.opt_int("version").ok().flatten())
        {
            Some(version) => self.snapshots.patch(project_id, version, number, change),
            None => {
                self.snapshots.projects().remove(project_id);
            }
        }
    }

    /// The project's values version (`project/bump_values_version`; 0 before any change).
    pub(super) async fn values_version(&self, project_id: &ProjectId) -> Result<i64> {
        self.project_version(&queries::EVIDENCE_VALUES_VERSION, project_id)
            .await
    }

    /// The project's snapshot at its current version, holding at least the experiments
    /// numbered `needed` when they exist (read again when the kept one is older or lacks one).
    pub(super) async fn project_snapshot(
        &self,
        project_id: &ProjectId,
        needed: &[i64],
    ) -> Result<Arc<ProjectSnapshot>> {
        let version = self.values_version(project_id).await?;
        if let Some(snapshot) = self.snapshots.current(project_id, version) {
            let missing: Vec<i64> = needed
                .iter()
                .filter(|number| !snapshot.experiments.contains_key(number))
                .copied()
                .collect();
            if missing.is_empty() {
                return Ok(snapshot);
            }
            if missing.len() <= MAX_FETCHED {
                return self.extended(project_id, &snapshot, &missing).await;
            }
        }
        // Read after the version: a change landing meanwhile is in the values and makes the
        // version newer, so the next recomputation reads again.
        let params = Params::new().with("project_id", project_id.as_str());
        let rows = self
            .executor
            .execute(&queries::EVIDENCE_PROJECT_VALUES, params)
            .await?;
        let experiments = rows.iter().map(values_from_row).collect::<Result<_>>()?;
        let snapshot = Arc::new(ProjectSnapshot { version, experiments });
        self.snapshots.keep(project_id, Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// `snapshot` with the experiments numbered `missing` read in: created since it was read
    /// and unchanged since (a change would have moved the version, or brought them in), so
    /// their values as stored now belong to its version. One that changes meanwhile moves the
    /// version, and the next recomputation reads the project again.
    async fn extended(
        &self,
        project_id: &ProjectId,
        snapshot: &ProjectSnapshot,
        missing: &[i64],
    ) -> Result<Arc<ProjectSnapshot>> {
        let mut extended = snapshot.clone();
        for number in missing {
            let rows = self
                .executor
                .execute(
                    &queries::EVIDENCE_EXPERIMENT_VALUES,
                    Params::new().with("key", experiment_key(project_id, *number)),
                )
                .await?;
            for row in &rows {
                let (number, values) = values_from_row(row)?;
                extended.experiments.insert(number, values);
            }
        }
        let extended = Arc::new(extended);
        self.snapshots.keep(project_id, Arc::clone(&extended));
        Ok(extended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(parent: Option<i64>) -> ExperimentFacts {
        ExperimentFacts {
            status: Status::Running,
            parent,
            rerun_of: None,
            environment_captured: false,
            code_captured: false,
            restore: RestoreCheck::NotAttempted,
            features_full: Some(r#"{"lr": 0.1, "seed": 3}"#.into()),
        }
    }

    fn snapshot(version: i64, numbers: &[i64]) -> Arc<ProjectSnapshot> {
        let experiments = numbers
            .iter()
            .map(|number| {
                let values = facts(None).into_values(Vec::new().into(), Arc::default());
                (*number, values)
            })
            .collect();
        Arc::new(ProjectSnapshot { version, experiments })
    }

    #[test]
    fn a_patch_applies_to_the_version_just_before_and_drops_anything_else() {
        let cache = SnapshotCache::default();
        let project = ProjectId("p".into());
        cache.keep(&project, snapshot(4, &[1, 2]));
        cache.patch(&project, 5, 2, ValuesChange::Status(Status::Complete));
        let patched = cache.current(&project, 5).expect("patched to version 5");
        assert_eq!(patched.experiments[&2].status, Status::Complete);
        assert!(cache.current(&project, 4).is_none());

        // A version skipped (another replica wrote 6): the snapshot cannot be trusted.
        cache.patch(&project, 7, 1, ValuesChange::Parent(Some(2)));
        assert!(cache.current(&project, 7).is_none() && cache.current(&project, 5).is_none());

        // A status or a new parent about what the snapshot lacks drops it, and so does a
        // features correction.
        cache.keep(&project, snapshot(8, &[1, 2]));
        cache.patch(&project, 9, 1, ValuesChange::Parent(Some(3)));
        assert!(cache.current(&project, 9).is_none());
        cache.keep(&project, snapshot(9, &[1, 2]));
        cache.patch(&project, 10, 3, ValuesChange::Status(Status::Running));
        assert!(cache.current(&project, 10).is_none());
        cache.keep(&project, snapshot(10, &[1, 2]));
        cache.patch(&project, 11, 1, ValuesChange::Features);
        assert!(cache.current(&project, 11).is_none());

        // A chunk's batch brings in an experiment created since the snapshot was read.
        cache.keep(&project, snapshot(11, &[1, 2]));
        let change = ValuesChange::Summaries {
            summaries: Vec::new(),
            facts: facts(Some(2)),
        };
        cache.patch(&project, 12, 3, change);
        cache.patch(&project, 13, 3, ValuesChange::CodeCaptured);
        let patched = cache.current(&project, 13).expect("patched to version 13");
        let three = &patched.experiments[&3];
        assert_eq!((three.status, three.parent), (Status::Running, Some(2)));
        assert_eq!(three.seed_group, seed_group(Some(r#"{"seed": 4, "lr": 0.1}"#)));
        assert!(three.code_captured && !three.environment_captured);
    }

    #[test]
    fn an_older_snapshot_never_replaces_a_newer_one() {
        let cache = SnapshotCache::default();
        let project = ProjectId("p".into());
        cache.keep(&project, snapshot(3, &[1]));
        cache.keep(&project, snapshot(2, &[1, 2]));
        assert!(cache.current(&project, 3).is_some());
        for index in 0..(MAX_PROJECTS as i64 + 4) {
            cache.keep(&ProjectId(format!("other-{index}")), snapshot(1, &[1]));
        }
        assert!(cache.projects().len() <= MAX_PROJECTS);
    }
}
