//! Evidence recomputation as background jobs: what triggers one, and what one does.
//!
//! A [`RECOMPUTE_JOB`] recomputes one hypothesis with [`Graph::recompute_evidence`], which
//! reads everything it needs from the graph (the recent values of each series that the
//! stability factor of confidence looks at are kept with the metric summaries, see
//! [`ingest::metrics::RECENT_POINTS`]) and stores the evidence (units, contributions, score,
//! status, when and from what) in place of the previous one. The job is idempotent: it
//! recomputes from whatever is stored when it runs, so running it twice stores the same
//! result, and a job for a hypothesis that no longer exists finishes without doing anything.
//!
//! **Triggers** ([`schedule_recomputation`] and friends), each enqueueing one job per affected
//! hypothesis under the dedupe key `recompute_evidence:{hypothesis}` (so a burst of triggers
//! leaves one queued job per hypothesis):
//!
//! | change | hypotheses recomputed |
//! |---|---|
//! | a stored metric chunk (new summaries) | [`Graph::hypotheses_affected_by`] the experiment, at most once a [`CHUNK_COALESCE`] per experiment |
//! | an experiment's status, features or merge parents, a recorded environment or code snapshot | those affected by the experiment |
//! | a reparent (baselines "parent" and "root" move for the whole subtree) | every hypothesis of the project |
//! | a metric's direction or aggregation (`setMetricConfig`) | every hypothesis of the project |
//! | a project's evidence thresholds (`updateProject`) | every hypothesis of the project |
//! | link or unlink, a hypothesis' targets or baseline, an override set or cleared | that hypothesis |
//! | `recomputeEvidence(id)` | that hypothesis, synchronously |
//!
//! A trigger that cannot enqueue logs a warning and lets the write that caused it succeed: the
//! next trigger (or `recomputeEvidence`) catches up.
//!
//! A trigger that arrives while the hypothesis' job is already *running* would be absorbed by
//! that job (the dedupe key matches queued and running jobs), although the running job may
//! have read its inputs before the change. So it enqueues a follow-up job under
//! `recompute_evidence:{hypothesis}:after:{running job}` instead, and when that follow-up is
//! running too, one after it, and so on until a job is queued: at most one follow-up per
//! running job, and the last change is always seen by some job that starts after it. (A crash
//! can leave a job and its follow-up both `running` until their leases run out: the next
//! trigger queues a third instead of waiting for them.)

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graph::ids::{ExperimentId, HypothesisId};
use graph::model::{JobStatus, NewJob};
use graph::Graph;
use ingest::jobs::JobQueue;

use crate::events::Announcer;

/// The job kind that recomputes one hypothesis' evidence (payload `{"hypothesis": id}`).
pub const RECOMPUTE_JOB: &str = "recompute_evidence";

/// Chunks of one experiment arriving within this long trigger one look-up of the affected
/// hypotheses (a run logging every second must not cost a graph query per chunk).
pub const CHUNK_COALESCE: Duration = Duration::from_secs(1);

/// Enqueues the recomputation of `hypothesis` (once: see the module docs on dedupe keys). A
/// failure is logged, not returned: the write that asked has landed.
pub async fn schedule_recomputation(jobs: &JobQueue, hypothesis: &HypothesisId) {
    let mut key = format!("{RECOMPUTE_JOB}:{hypothesis}");
    loop {
        let pending = match jobs.enqueue_job(recompute_job(hypothesis, key)).await {
            Ok(job) => job,
            Err(error) => {
                tracing::warn!(%error, %hypothesis, "evidence recomputation not scheduled");
                return;
            }
        };
        if pending.status != JobStatus::Running {
            return;
        }
        // The pending job started before this change and may not see it: queue one after it.
        key = format!("{RECOMPUTE_JOB}:{hypothesis}:after:{}", pending.id);
    }
}

fn recompute_job(hypothesis: &HypothesisId, dedupe_key: String) -> NewJob {
    NewJob::new(
        RECOMPUTE_JOB,
        serde_json::json!({ "hypothesis": hypothesis.to_string() }),
    )
    .dedupe_key(dedupe_key)
}

/// Enqueues the recomputation of every hypothesis whose evidence `experiment` enters.
pub async fn schedule_for_experiment(graph: &Graph, jobs: &JobQueue, experiment: &ExperimentId) {
    match graph.hypotheses_affected_by(experiment).await {
        Ok(hypotheses) => schedule_all(jobs, &hypotheses).await,
        Err(error) => {
            tracing::warn!(%error, %experiment, "evidence recomputation not scheduled");
        }
    }
}

/// Enqueues the recomputation of every hypothesis of `project`.
pub async fn schedule_for_project(graph: &Graph, jobs: &JobQueue, project: &str) {
    match graph.project_hypotheses(project).await {
        Ok(hypotheses) => schedule_all(jobs, &hypotheses).await,
        Err(error) => {
            tracing::warn!(%error, project, "evidence recomputation not scheduled");
        }
    }
}

async fn schedule_all(jobs: &JobQueue, hypotheses: &[HypothesisId]) {
    for hypothesis in hypotheses {
        schedule_recomputation(jobs, hypothesis).await;
    }
}

/// Turns stored metric chunks into recomputations, coalescing the chunks of one experiment
/// that arrive within [`CHUNK_COALESCE`] into one look-up, off the request that stored them.
#[derive(Debug, Clone, Default)]
pub struct ChunkTriggers {
    /// Experiments with a look-up already waiting.
    waiting: Arc<Mutex<HashSet<ExperimentId>>>,
}

impl ChunkTriggers {
    /// Schedules the recomputations `experiment`'s new chunk calls for, in the background.
    pub fn chunk_stored(&self, graph: &Graph, jobs: &JobQueue, experiment: &ExperimentId) {
        let newly_waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(experiment.clone());
        if !newly_waiting {
            return;
        }
        let (waiting, graph, jobs, experiment) = (
            Arc::clone(&self.waiting),
            graph.clone(),
            jobs.clone(),
            experiment.clone(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(CHUNK_COALESCE).await;
            // Leave the set before the look-up: a chunk stored during it waits its own turn.
            waiting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&experiment);
            schedule_for_experiment(&graph, &jobs, &experiment).await;
        });
    }
}

/// Runs one [`RECOMPUTE_JOB`] from its payload: a hypothesis that no longer exists is nothing
/// to do.
pub async fn run_recomputation(
    graph: &Graph,
    announcer: &Announcer,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let hypothesis = payload["hypothesis"]
        .as_str()
        .ok_or("the job names no hypothesis")?;
    let hypothesis = HypothesisId(hypothesis.to_owned());
    match graph.recompute_evidence(&hypothesis).await {
        Ok(evidence) => {
            tracing::debug!(%hypothesis, score = evidence.score, "evidence recomputed");
            // Live views and the search index (which keeps the status) hear of the new verdict.
            if let Ok((project, _)) = graph.hypothesis_by_id(&hypothesis).await {
                announcer.hypothesis(&project.name, &hypothesis);
            }
            Ok(())
        }
        Err(graph::Error::NotFound {
            entity: "hypothesis", ..
        }) => {
            tracing::debug!(%hypothesis, "the hypothesis is gone: no evidence to recompute");
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::services::Services;

    async fn services(dir: &std::path::Path) -> Services {
        let config = Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        };
        Services::open(&config).await.expect("the services open")
    }

    #[tokio::test]
    async fn a_change_while_every_pending_job_runs_queues_one_more() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let services = services(dir.path()).await;
        let hypothesis = HypothesisId("0190f0f0-0000-7000-8000-000000000001".to_owned());
        let lease = Duration::from_secs(30);
        let mut running = Vec::new();
        for round in 0..3 {
            schedule_recomputation(&services.jobs, &hypothesis).await;
            // Asked again before it starts, the queued job absorbs the change.
            schedule_recomputation(&services.jobs, &hypothesis).await;
            let queued: Vec<_> = services
                .graph
                .due_jobs(100)
                .await
                .expect("the due jobs")
                .into_iter()
                .filter(|job| !running.contains(&job.id))
                .collect();
            assert_eq!(queued.len(), 1, "round {round}: one job queued, not {queued:?}");
            // It starts (or a crash leaves it `running` until its lease runs out).
            let claimed = services
                .graph
                .claim_job(&queued[0].id, "worker", lease)
                .await
                .expect("a claim")
                .expect("claimable");
            running.push(claimed.id);
        }
        let keys: Vec<_> = futures::future::join_all(running.iter().map(|id| services.jobs.job(id)))
            .await
            .into_iter()
            .map(|job| job.expect("the job").dedupe_key.expect("a dedupe key"))
            .collect();
        let first = format!("{RECOMPUTE_JOB}:{hypothesis}");
        assert_eq!(
            keys,
            [
                first.clone(),
                format!("{first}:after:{}", running[0]),
                format!("{first}:after:{}", running[1]),
            ]
        );
    }

    #[tokio::test]
    async fn a_job_for_a_hypothesis_that_no_longer_exists_finishes_quietly() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let services = services(dir.path()).await;
        let payload = serde_json::json!({ "hypothesis": "0190f0f0-0000-7000-8000-000000000000" });
        run_recomputation(&services.graph, &services.announcer, &payload)
            .await
            .expect("nothing to do is success");
        let error = run_recomputation(&services.graph, &services.announcer, &serde_json::json!({}))
            .await
            .expect_err("a payload without a hypothesis is a failed attempt");
        assert_eq!(error, "the job names no hypothesis");
    }
}
