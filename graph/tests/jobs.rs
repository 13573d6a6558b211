//! Job records on a real graphdblite database: claiming, leases, retries, dead letters.

mod support;

use std::time::Duration;

use chrono::Utc;
use graph::model::{JobId, JobStatus, NewJob};
use graph::queries;
use serde_json::json;
use support::test_graph;

const LEASE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_enqueued_job_is_queued_due_and_claimed_once() {
    let t = test_graph().await;
    let job = t
        .graph
        .enqueue_job(NewJob::new("reindex", json!({"experiment": "e1", "n": [1, 2]})))
        .await
        .expect("enqueued");
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.attempts, 0);
    assert_eq!(t.graph.job(&job.id).await.expect("read back"), job);
    let due = t.graph.due_jobs(10).await.expect("due");
    assert_eq!(due.iter().map(|j| &j.id).collect::<Vec<_>>(), vec![&job.id]);

    let claimed = t
        .graph
        .claim_job(&job.id, "worker-a", LEASE)
        .await
        .expect("claim runs")
        .expect("claimed");
    assert_eq!(claimed.status, JobStatus::Running);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.claimed_by.as_deref(), Some("worker-a"));
    assert_eq!(claimed.payload, json!({"experiment": "e1", "n": [1, 2]}));
    assert!(claimed.lease_until.expect("leased") > Utc::now());
    let again = t
        .graph
        .claim_job(&job.id, "worker-b", LEASE)
        .await
        .expect("claim runs");
    assert!(again.is_none(), "a running job is not claimed twice");
    assert!(t.graph.due_jobs(10).await.expect("due").is_empty());

    let done = t
        .graph
        .complete_job(&job.id, "worker-a")
        .await
        .expect("completed");
    assert_eq!(done.status, JobStatus::Succeeded);
    assert!(done.finished_at.is_some());
    assert!(done.claimed_by.is_none() && done.lease_until.is_none());
}

#[tokio::test]
async fn racing_workers_never_both_claim_a_job() {
    let t = test_graph().await;
    for _ in 0..5 {
        let job = t
            .graph
            .enqueue_job(NewJob::new("race", json!(null)))
            .await
            .expect("enqueued");
        let claims: Vec<_> = (0..12)
            .map(|worker| {
                let graph = t.graph.clone();
                let id = job.id.clone();
                tokio::spawn(async move { graph.claim_job(&id, &format!("worker-{worker}"), LEASE).await })
            })
            .collect();
        let mut winners = 0;
        for claim in claims {
            if claim.await.expect("joins").expect("claim runs").is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
        assert_eq!(t.graph.job(&job.id).await.expect("read").attempts, 1);
    }
}

#[tokio::test]
async fn a_job_is_not_claimed_before_its_run_after() {
    let t = test_graph().await;
    let later = Utc::now() + chrono::Duration::hours(1);
    let job = t
        .graph
        .enqueue_job(NewJob::new("later", json!({})).run_after(later))
        .await
        .expect("enqueued");
    assert!(t
        .graph
        .claim_job(&job.id, "w", LEASE)
        .await
        .expect("claim runs")
        .is_none());
    assert!(t.graph.due_jobs(10).await.expect("due").is_empty());
}

#[tokio::test]
async fn a_failed_job_is_retried_later_then_dead_lettered_with_its_error() {
    let t = test_graph().await;
    let job = t
        .graph
        .enqueue_job(NewJob::new("flaky", json!({})).max_attempts(2))
        .await
        .expect("enqueued");
    t.graph
        .claim_job(&job.id, "w", LEASE)
        .await
        .expect("claim runs")
        .expect("claimed");
    let retry_at = Utc::now() + chrono::Duration::milliseconds(150);
    let retried = t
        .graph
        .fail_job(&job.id, "w", "disk full", retry_at)
        .await
        .expect("failed");
    assert_eq!(retried.status, JobStatus::Queued);
    assert_eq!(retried.last_error.as_deref(), Some("disk full"));
    assert!(retried.run_after > Utc::now());
    assert!(
        t.graph
            .claim_job(&job.id, "w", LEASE)
            .await
            .expect("claim runs")
            .is_none(),
        "not before the backoff has passed"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    t.graph
        .claim_job(&job.id, "w", LEASE)
        .await
        .expect("claim runs")
        .expect("claimed after backoff");
    let dead = t
        .graph
        .fail_job(&job.id, "w", "disk still full", Utc::now())
        .await
        .expect("failed");
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.attempts, 2);
    assert_eq!(dead.last_error.as_deref(), Some("disk still full"));
    assert!(
        t.graph.due_jobs(10).await.expect("due").is_empty(),
        "a dead job is not due"
    );

    let dead_letters = t.graph.dead_jobs(10).await.expect("dead list");
    assert_eq!(
        dead_letters.iter().map(|j| &j.id).collect::<Vec<_>>(),
        vec![&job.id]
    );

    let revived = t.graph.retry_dead_job(&job.id).await.expect("retried");
    assert_eq!(revived.status, JobStatus::Queued);
    assert_eq!(revived.attempts, 0);
    assert_eq!(revived.last_error.as_deref(), Some("disk still full"));
    assert!(t.graph.dead_jobs(10).await.expect("dead list").is_empty());
    let error = t
        .graph
        .retry_dead_job(&job.id)
        .await
        .expect_err("not dead any more");
    assert_eq!(error.code(), "CONFLICT");
    let missing = t
        .graph
        .retry_dead_job(&JobId("no-such-job".into()))
        .await
        .expect_err("unknown");
    assert_eq!(missing.code(), "NOT_FOUND");
}

#[tokio::test]
async fn an_expired_lease_is_taken_back_and_the_late_worker_cannot_finish() {
    let t = test_graph().await;
    let job = t
        .graph
        .enqueue_job(NewJob::new("slow", json!({})))
        .await
        .expect("enqueued");
    t.graph
        .claim_job(&job.id, "crashed", Duration::from_millis(50))
        .await
        .expect("claim runs")
        .expect("claimed");
    assert!(
        t.graph
            .requeue_expired_job(&job.id)
            .await
            .expect("runs")
            .is_none(),
        "a valid lease is not taken back"
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    let expired = t.graph.expired_jobs(10).await.expect("expired list");
    assert_eq!(expired.iter().map(|j| &j.id).collect::<Vec<_>>(), vec![&job.id]);
    let requeued = t
        .graph
        .requeue_expired_job(&job.id)
        .await
        .expect("runs")
        .expect("requeued");
    assert_eq!(requeued.status, JobStatus::Queued);
    assert!(requeued.last_error.expect("error kept").contains("crashed"));

    let second = t
        .graph
        .claim_job(&job.id, "healthy", LEASE)
        .await
        .expect("claim runs")
        .expect("claimed by another worker");
    assert_eq!(second.attempts, 2);
    let late = t.graph.complete_job(&job.id, "crashed").await.expect_err("lost");
    assert_eq!(late.code(), "CONFLICT");
    let renew = t
        .graph
        .renew_job_lease(&job.id, "crashed", LEASE)
        .await
        .expect_err("lost");
    assert_eq!(renew.code(), "CONFLICT");
    t.graph
        .renew_job_lease(&job.id, "healthy", LEASE)
        .await
        .expect("renewed");
    t.graph.complete_job(&job.id, "healthy").await.expect("completed");
}

#[tokio::test]
async fn an_expired_job_out_of_attempts_is_dead_lettered() {
    let t = test_graph().await;
    let job = t
        .graph
        .enqueue_job(NewJob::new("oom", json!({})).max_attempts(1))
        .await
        .expect("enqueued");
    t.graph
        .claim_job(&job.id, "crashed", Duration::from_millis(10))
        .await
        .expect("claim runs")
        .expect("claimed");
    tokio::time::sleep(Duration::from_millis(30)).await;
    let dead = t
        .graph
        .requeue_expired_job(&job.id)
        .await
        .expect("runs")
        .expect("taken back");
    assert_eq!(dead.status, JobStatus::Dead);
    assert!(dead.last_error.expect("error").contains("lease expired"));
}

#[tokio::test]
async fn a_dedupe_key_returns_the_pending_job_until_it_finishes() {
    let t = test_graph().await;
    let first = t
        .graph
        .enqueue_job(NewJob::new("reindex", json!(1)).dedupe_key("reindex:e1"))
        .await
        .expect("enqueued");
    let second = t
        .graph
        .enqueue_job(NewJob::new("reindex", json!(2)).dedupe_key("reindex:e1"))
        .await
        .expect("enqueued");
    assert_eq!(second.id, first.id);
    t.graph
        .claim_job(&first.id, "w", LEASE)
        .await
        .expect("claim runs")
        .expect("claimed");
    t.graph.complete_job(&first.id, "w").await.expect("completed");
    let third = t
        .graph
        .enqueue_job(NewJob::new("reindex", json!(3)).dedupe_key("reindex:e1"))
        .await
        .expect("enqueued");
    assert_ne!(third.id, first.id, "a finished job does not absorb new work");
}

#[tokio::test]
async fn bad_job_input_is_refused_naming_the_field() {
    let t = test_graph().await;
    let cases = [
        (NewJob::new("Bad Kind", json!({})), "kind:"),
        (NewJob::new("ok", json!({})).max_attempts(0), "max_attempts:"),
        (NewJob::new("ok", json!({})).dedupe_key(""), "dedupe_key:"),
        (NewJob::new("ok", json!("x".repeat(1024 * 1024 + 1))), "payload:"),
    ];
    for (input, field) in cases {
        let error = t.graph.enqueue_job(input).await.expect_err("refused");
        assert_eq!(error.code(), "VALIDATION");
        assert!(error.to_string().starts_with(field), "{error}");
    }
    let error = t.graph.due_jobs(0).await.expect_err("bad limit");
    assert!(error.to_string().starts_with("limit:"), "{error}");
    assert!(
        t.graph.due_jobs(10).await.expect("due").is_empty(),
        "nothing was stored"
    );
}

#[tokio::test]
async fn every_job_query_runs_on_the_embedded_engine() {
    let t = test_graph().await;
    support::jobs::exercise_job_queries(&t.graph).await;
    let ran = t.recorder.ran.lock().expect("lock").clone();
    let never_ran: Vec<_> = queries::ALL
        .iter()
        .map(|q| q.name)
        .filter(|name| name.starts_with("job/") && !ran.contains(name))
        .collect();
    assert!(never_ran.is_empty(), "job queries never run: {never_ran:?}");
}
