//! Runs every job method once, so the every-query-runs test covers `cypher/job/`.

use std::time::Duration;

use graph::model::{JobStatus, NewJob};

/// Enqueues, claims, renews, fails, buries, retries, requeues after a lost lease and
/// completes jobs: every job query runs at least once. Panics when a step misbehaves.
pub async fn exercise_job_queries(graph: &graph::Graph) {
    let payload = serde_json::json!({"experiment": 1});
    let once = graph
        .enqueue_job(NewJob::new("exercise", payload.clone()).max_attempts(1))
        .await
        .expect("enqueued");
    let deduplicated = graph
        .enqueue_job(NewJob::new("exercise", payload.clone()).dedupe_key("exercise:1"))
        .await
        .expect("enqueued with a dedupe key");
    graph.job(&once.id).await.expect("read back");
    graph.due_jobs(10).await.expect("due list");

    graph
        .claim_job(&once.id, "exerciser", Duration::from_secs(60))
        .await
        .expect("claim runs")
        .expect("claimed");
    graph
        .renew_job_lease(&once.id, "exerciser", Duration::from_secs(60))
        .await
        .expect("renewed");
    let dead = graph
        .fail_job(&once.id, "exerciser", "exercise failure", chrono::Utc::now())
        .await
        .expect("failed");
    assert_eq!(dead.status, JobStatus::Dead);
    graph.dead_jobs(10).await.expect("dead list");
    graph.retry_dead_job(&once.id).await.expect("retried");
    graph
        .claim_job(&once.id, "exerciser", Duration::from_secs(60))
        .await
        .expect("claim runs")
        .expect("claimed again");
    graph
        .complete_job(&once.id, "exerciser")
        .await
        .expect("completed");

    graph
        .claim_job(&deduplicated.id, "crashing", Duration::from_millis(1))
        .await
        .expect("claim runs")
        .expect("claimed");
    tokio::time::sleep(Duration::from_millis(20)).await;
    graph.expired_jobs(10).await.expect("expired list");
    graph
        .requeue_expired_job(&deduplicated.id)
        .await
        .expect("requeue runs")
        .expect("requeued");
}
