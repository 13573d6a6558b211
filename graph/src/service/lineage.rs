//! The experiment DAG: parents, children, ancestors, descendants, reparenting,
//! merge parents, and the whole-project views (DAG, Kanban). Every edge insert
//! is checked for cycles first.

use std::sync::Arc;

use tracing::instrument;

use super::evidence_snapshot::ValuesChange;
use super::features::FeatureChangeSet;
use super::{experiment_from_row, experiments_from_rows, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::{ExperimentId, ProjectId};
use crate::model::{Dag, DagEdge, DagNode, EdgeKind, Experiment, KanbanColumn, Project, Status};
use crate::queries::{self, Query};
use crate::value::{Params, Row};

/// Kanban reads a whole project; beyond this many experiments it shows the first ones.
const MAX_KANBAN_EXPERIMENTS: i64 = 50_000;

/// Each project's DAG by DAG version (`project/bump_dag_version`).
pub(crate) type DagCache = super::chunks::VersionedCache<i64, Dag>;

/// The statement that moves a project's DAG version, in the batch of a change to what
/// [`Graph::dag`] reads.
pub(super) fn bump_dag_version(project_id: &ProjectId) -> Statement {
    Statement::new(
        &queries::PROJECT_BUMP_DAG_VERSION,
        Params::new().with("project_id", project_id.as_str()),
    )
}

fn edge_params(child: &ExperimentId, parent: &ExperimentId) -> Params {
    Params::new()
        .with("child_id", child.as_str())
        .with("parent_id", parent.as_str())
}

impl Graph {
    pub(super) async fn experiment_by_id_in(
        &self,
        project: &Project,
        id: &ExperimentId,
    ) -> Result<Option<Experiment>> {
        let params = Params::new()
            .with("id", id.as_str())
            .with("project_id", project.id.as_str());
        let rows = self.executor.execute(&queries::EXPERIMENT_BY_ID, params).await?;
        rows.first().map(experiment_from_row).transpose()
    }

    /// Experiment `number` given as a parent: missing is a VALIDATION error on `parentNumber`.
    async fn parent_in(&self, project: &Project, number: i64) -> Result<Experiment> {
        self.find_experiment_in(project, number).await?.ok_or_else(|| {
            Error::invalid(
                "parentNumber",
                format!("no experiment #{number} in project {}", project.name),
            )
        })
    }

    async fn related(&self, query: &'static Query, experiment: &Experiment) -> Result<Vec<Experiment>> {
        let rows = self
            .executor
            .execute(query, Params::new().with("id", experiment.id.as_str()))
            .await?;
        experiments_from_rows(&rows)
    }

    /// Direct parents, the primary one first.
    pub async fn parents(&self, experiment: &Experiment) -> Result<Vec<Experiment>> {
        self.related(&queries::PARENTS, experiment).await
    }

    /// The experiment to compare `experiment` with: number `against` of `project` when given,
    /// else its primary parent (none for a root).
    pub async fn compared_with(
        &self,
        project: &str,
        experiment: &Experiment,
        against: Option<i64>,
    ) -> Result<Option<Experiment>> {
        match against {
            Some(number) => self.experiment(project, number).await.map(Some),
            None => self.primary_parent(experiment).await,
        }
    }

    /// The primary parent (`CHILD_OF`), if any.
    pub async fn primary_parent(&self, experiment: &Experiment) -> Result<Option<Experiment>> {
        let rows = self
            .executor
            .execute(
                &queries::PARENTS,
                Params::new().with("id", experiment.id.as_str()),
            )
            .await?;
        for row in &rows {
            if EdgeKind::parse(&row.string("kind")?)? == EdgeKind::ChildOf {
                return experiment_from_row(row).map(Some);
            }
        }
        Ok(None)
    }

    /// Direct children through either kind of edge.
    pub async fn children(&self, experiment: &Experiment) -> Result<Vec<Experiment>> {
        self.related(&queries::CHILDREN, experiment).await
    }

    /// Every ancestor, by number.
    pub async fn ancestors(&self, experiment: &Experiment) -> Result<Vec<Experiment>> {
        self.reachable(&queries::ANCESTORS, experiment).await
    }

    /// Every descendant, by number.
    pub async fn descendants(&self, experiment: &Experiment) -> Result<Vec<Experiment>> {
        self.reachable(&queries::DESCENDANTS, experiment).await
    }

    /// Experiments reached by a path query (a row per path), each once, by number.
    async fn reachable(&self, query: &'static Query, experiment: &Experiment) -> Result<Vec<Experiment>> {
        let mut experiments = self.related(query, experiment).await?;
        experiments.sort_by_key(|reached| reached.number);
        experiments.dedup_by(|later, earlier| later.id == earlier.id);
        Ok(experiments)
    }

    /// Refuses an edge `child -> parent` that would close a cycle, naming it.
    async fn check_acyclic(&self, child: &Experiment, parent: &Experiment) -> Result<()> {
        if child.id == parent.id {
            return Err(Error::Cycle {
                path: vec![child.number, child.number],
            });
        }
        let params = Params::new()
            .with("from_id", parent.id.as_str())
            .with("to_id", child.id.as_str());
        let rows = self.executor.execute(&queries::FIND_PATH, params).await?;
        let Some(row) = rows.first() else {
            return Ok(());
        };
        // parent -> … -> child already exists; the new edge child -> parent closes it.
        let mut path = vec![child.number];
        path.extend(row.ints("numbers")?);
        Err(Error::Cycle { path })
    }

    /// Makes `parent` (or nobody) the primary parent of experiment `number`. Its
    /// diff is recomputed so its own full features stay the same, and the cached
    /// full features of its descendants are refreshed, all in one transaction.
    #[instrument(skip_all, fields(project = %project, number, parent))]
    pub async fn reparent(&self, project: &str, number: i64, parent: Option<i64>) -> Result<Experiment> {
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let new_parent = match parent {
            Some(parent_number) => Some(self.parent_in(&project, parent_number).await?),
            None => None,
        };
        let current = self.primary_parent(&experiment).await?;
        if current.as_ref().map(|c| &c.id) == new_parent.as_ref().map(|p| &p.id) {
            return Ok(experiment);
        }
        if let Some(new_parent) = &new_parent {
            self.check_acyclic(&experiment, new_parent).await?;
        }

        let own = self.features_of(&experiment.id).await?;
        let parent_full = match &new_parent {
            Some(new_parent) => self.features_of(&new_parent.id).await?.full,
            None => serde_json::json!({}),
        };
        let changes = FeatureChangeSet::between(&project, &parent_full, &own.full)?;
        let id = experiment.id.as_str();
        let mut statements = vec![Statement::new(
            &queries::REMOVE_PRIMARY_PARENT,
            Params::new().with("child_id", id),
        )];
        if let Some(new_parent) = &new_parent {
            // A merge parent promoted to primary keeps a single edge.
            statements.push(Statement::new(
                &queries::REMOVE_MERGE_PARENT,
                edge_params(&experiment.id, &new_parent.id),
            ));
            statements.push(Statement::new(
                &queries::ADD_PRIMARY_PARENT,
                edge_params(&experiment.id, &new_parent.id),
            ));
        }
        statements.extend(changes.replace_statements(&experiment.id));
        // The experiment's own full features are unchanged, so this finds nothing to
        // write unless a cache had drifted; it keeps the invariant whatever happened before.
        statements.extend(
            self.refresh_descendant_features(&experiment.id, &own.full)
                .await?,
        );
        statements.push(bump_dag_version(&project.id));
        let change = ValuesChange::Parent(new_parent.as_ref().map(|parent| parent.number));
        self.execute_changing_values(statements, &project.id, experiment.number, change)
            .await?;
        Ok(experiment)
    }

    /// Adds `parent` as a further (merge) parent of experiment `number`.
    #[instrument(skip_all, fields(project = %project, number, parent))]
    pub async fn add_merge_parent(&self, project: &str, number: i64, parent: i64) -> Result<Experiment> {
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let parent = self.parent_in(&project, parent).await?;
        let existing = self.parents(&experiment).await?;
        if existing.iter().any(|p| p.id == parent.id) {
            return Err(Error::conflict(
                "parentNumber",
                format!("#{} is already a parent of #{}", parent.number, experiment.number),
            ));
        }
        self.check_acyclic(&experiment, &parent).await?;
        self.executor
            .execute_atomic(vec![
                Statement::new(
                    &queries::ADD_MERGE_PARENT,
                    edge_params(&experiment.id, &parent.id),
                ),
                bump_dag_version(&project.id),
            ])
            .await?;
        Ok(experiment)
    }

    /// Removes the merge edge from experiment `number` to `parent`.
    #[instrument(skip_all, fields(project = %project, number, parent))]
    pub async fn remove_merge_parent(&self, project: &str, number: i64, parent: i64) -> Result<Experiment> {
        let _gate = self.write_lock.acquire().await?;
        let project = self.project(project).await?;
        let experiment = self.experiment_in(&project, number).await?;
        let parent_experiment = self.experiment_in(&project, parent).await?;
        let results = self
            .executor
            .execute_atomic(vec![
                Statement::new(
                    &queries::REMOVE_MERGE_PARENT,
                    edge_params(&experiment.id, &parent_experiment.id),
                ),
                bump_dag_version(&project.id),
            ])
            .await?;
        let removed = results
            .first()
            .and_then(|rows| rows.first())
            .map(|row| row.int("removed"))
            .transpose()?
            .unwrap_or(0);
        if removed == 0 {
            return Err(Error::NotFound {
                entity: "merge parent",
                id: format!("#{parent} of #{number}"),
            });
        }
        Ok(experiment)
    }

    /// The whole lineage graph of a project, read in one query from the parent
    /// numbers each experiment caches alongside its edges, and kept by this process while
    /// the project's DAG version holds (every creation, status or progress change and
    /// parent edge moves it).
    pub async fn dag(&self, project: &str) -> Result<Dag> {
        let project = self.project(project).await?;
        let version = self.dag_version(&project.id).await?;
        if let Some(kept) = self.dags.current(&project.id, &version) {
            return Ok(Dag::clone(&kept));
        }
        // Read after the version: a change landing meanwhile makes the version newer, so the
        // next call reads again.
        let params = Params::new().with("project_id", project.id.as_str());
        let rows = self.executor.execute(&queries::DAG_NODES, params).await?;
        self.keep_dag(&project.id, version, &rows)
    }

    /// The project's DAG version (`project/bump_dag_version`).
    pub(super) async fn dag_version(&self, project_id: &ProjectId) -> Result<i64> {
        self.project_version(&queries::DAG_VERSION, project_id).await
    }

    /// The DAG of `rows` (one per experiment, with the columns of `lineage/dag_nodes`), kept
    /// for DAG version `version`.
    pub(super) fn keep_dag(&self, project_id: &ProjectId, version: i64, rows: &[Row]) -> Result<Dag> {
        let mut dag = Dag::default();
        for row in rows {
            let number = row.int("number")?;
            if let Some(parent) = row.opt_int("parent_number")? {
                dag.edges.push(DagEdge {
                    from: parent,
                    to: number,
                    kind: EdgeKind::ChildOf,
                });
            }
            for merge_parent in row.ints("merge_parent_numbers")? {
                dag.edges.push(DagEdge {
                    from: merge_parent,
                    to: number,
                    kind: EdgeKind::MergedFrom,
                });
            }
            dag.nodes.push(DagNode {
                number,
                name: row.string("name")?,
                status: Status::parse(&row.string("status")?)?,
                progress: row.int("progress")?,
            });
        }
        dag.nodes.sort_by_key(|node| node.number);
        dag.edges.sort_by_key(|edge| (edge.to, edge.from));
        self.dags.keep(project_id, version, Arc::new(dag.clone()));
        Ok(dag)
    }

    /// A project's experiments in one column per status.
    pub async fn kanban(&self, project: &str) -> Result<Vec<KanbanColumn>> {
        let project = self.project(project).await?;
        let experiments = self
            .list_experiments(&project, None, MAX_KANBAN_EXPERIMENTS, 0)
            .await?;
        Ok(Status::ALL
            .into_iter()
            .map(|status| KanbanColumn {
                status,
                experiments: experiments
                    .iter()
                    .filter(|e| e.status == status)
                    .cloned()
                    .collect(),
            })
            .collect())
    }
}
