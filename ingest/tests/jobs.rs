//! The job queue on the embedded graph, in-process and on a real private Redis (testkit).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use graph::engine::EmbeddedEngine;
use graph::Graph;
use ingest::jobs::{Backoff, Handlers, Job, JobId, JobQueue, JobStatus, NewJob, WorkerConfig};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(15);

async fn test_graph() -> (Graph, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = EmbeddedEngine::open(dir.path().join("graph.db"))
        .await
        .expect("engine opens");
    let graph = Graph::open(Arc::new(engine)).await.expect("schema migrates");
    (graph, dir)
}

fn fast_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        concurrency: 2,
        lease: Duration::from_secs(3),
        sweep_interval: Duration::from_millis(50),
        poll_wait: Duration::from_millis(100),
        backoff: Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(400),
        },
        name: name.into(),
    }
}

async fn wait_for_status(queue: &JobQueue, id: &JobId, status: JobStatus) -> Job {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let job = queue.job(id).await.expect("job record reads");
        if job.status == status {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job stayed {:?}, expected {status:?}: {job:?}",
            job.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A handler that counts its runs per job id.
fn counting(runs: Arc<Mutex<HashMap<String, usize>>>) -> Handlers {
    Handlers::new().on_fn("count", move |job: Job| {
        let runs = runs.clone();
        async move {
            *runs.lock().expect("lock").entry(job.id.to_string()).or_default() += 1;
            Ok(())
        }
    })
}

async fn runs_once_on(queue: JobQueue) {
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers = queue.start(counting(runs.clone()), fast_config("solo"));
    let id = queue.enqueue("count", json!({"n": 1})).await.expect("enqueued");
    let done = wait_for_status(&queue, &id, JobStatus::Succeeded).await;
    assert_eq!(done.attempts, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs.lock().expect("lock").get(id.as_str()), Some(&1));
    assert!(workers.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_process_job_runs_once() {
    let (graph, _dir) = test_graph().await;
    runs_once_on(JobQueue::open(graph, None, "rsdk").expect("opens")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_dispatched_job_runs_once() {
    let redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    runs_once_on(JobQueue::open(graph, Some(&redis.redis_url()), "rsdk").expect("opens")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_retried_with_backoff_then_succeeds() {
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::in_process(graph);
    let attempts_at = Arc::new(Mutex::new(Vec::new()));
    let recorded = attempts_at.clone();
    let handlers = Handlers::new().on_fn("flaky", move |job: Job| {
        let recorded = recorded.clone();
        async move {
            recorded.lock().expect("lock").push(Instant::now());
            if job.attempts < 3 {
                return Err(format!("transient failure {}", job.attempts).into());
            }
            Ok(())
        }
    });
    let config = fast_config("retrier");
    let backoff = config.backoff;
    let workers = queue.start(handlers, config);
    let id = queue.enqueue("flaky", json!({})).await.expect("enqueued");
    let done = wait_for_status(&queue, &id, JobStatus::Succeeded).await;
    assert_eq!(done.attempts, 3);
    assert_eq!(done.last_error.as_deref(), Some("transient failure 2"));
    let times = attempts_at.lock().expect("lock").clone();
    assert_eq!(times.len(), 3);
    for (failed_attempt, pair) in times.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        let least = backoff.ceiling(failed_attempt as i64 + 1) / 2;
        assert!(
            gap >= least,
            "retry {failed_attempt} came after {gap:?}, before {least:?}"
        );
    }
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_every_attempt_is_dead_lettered_with_its_error_and_can_be_retried() {
    let redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::redis(graph, &redis.redis_url(), "rsdk").expect("opens");
    let healed = Arc::new(AtomicUsize::new(0));
    let healed_in_handler = healed.clone();
    let handlers = Handlers::new().on_fn("doomed", move |_job: Job| {
        let healed = healed_in_handler.clone();
        async move {
            if healed.load(Ordering::SeqCst) == 0 {
                return Err("the disk is full".into());
            }
            Ok(())
        }
    });
    let workers = queue.start(handlers, fast_config("doomed"));
    let job = queue
        .enqueue_job(NewJob::new("doomed", json!({})).max_attempts(3))
        .await
        .expect("enqueued");
    let dead = wait_for_status(&queue, &job.id, JobStatus::Dead).await;
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("the disk is full"));
    let dead_letters = queue.dead_jobs(10).await.expect("dead list");
    assert_eq!(
        dead_letters.iter().map(|j| &j.id).collect::<Vec<_>>(),
        vec![&job.id]
    );

    healed.store(1, Ordering::SeqCst);
    queue.retry_dead(&job.id).await.expect("retried");
    let done = wait_for_status(&queue, &job.id, JobStatus::Succeeded).await;
    assert_eq!(done.attempts, 1, "a retried dead job starts its attempts afresh");
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_without_a_handler_or_with_a_panicking_one_fails_naming_why() {
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::in_process(graph);
    let handlers = Handlers::new().on_fn("panics", |_job: Job| async move {
        if true {
            panic!("handler bug");
        }
        Ok(())
    });
    let workers = queue.start(handlers, fast_config("strict"));
    let orphan = queue
        .enqueue_job(NewJob::new("unknown_kind", json!({})).max_attempts(1))
        .await
        .expect("enqueued");
    let panicking = queue
        .enqueue_job(NewJob::new("panics", json!({})).max_attempts(1))
        .await
        .expect("enqueued");
    let orphan = wait_for_status(&queue, &orphan.id, JobStatus::Dead).await;
    assert!(orphan.last_error.expect("error").contains("`unknown_kind`"));
    let panicking = wait_for_status(&queue, &panicking.id, JobStatus::Dead).await;
    assert!(panicking.last_error.expect("error").contains("handler bug"));
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_died_is_run_by_another_worker_after_its_lease() {
    let redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::redis(graph.clone(), &redis.redis_url(), "rsdk").expect("opens");
    let id = queue.enqueue("count", json!({})).await.expect("enqueued");
    // A worker claims it and dies without a word.
    graph
        .claim_job(&id, "crashed-worker", Duration::from_millis(400))
        .await
        .expect("claim runs")
        .expect("claimed");
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers = queue.start(counting(runs.clone()), fast_config("survivor"));
    let done = wait_for_status(&queue, &id, JobStatus::Succeeded).await;
    assert_eq!(done.attempts, 2, "the lost attempt counts");
    assert!(done.last_error.expect("kept").contains("crashed-worker"));
    assert_eq!(runs.lock().expect("lock").get(id.as_str()), Some(&1));
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_never_run_one_job_twice_or_at_the_same_time() {
    let redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    let replica_a = JobQueue::redis(graph.clone(), &redis.redis_url(), "rsdk").expect("opens");
    let replica_b = JobQueue::redis(graph, &redis.redis_url(), "rsdk").expect("opens");
    let running = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let runs = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let handlers = {
        let (running, runs, overlaps) = (running.clone(), runs.clone(), overlaps.clone());
        Handlers::new().on_fn("exclusive", move |job: Job| {
            let (running, runs, overlaps) = (running.clone(), runs.clone(), overlaps.clone());
            async move {
                let key = job.id.to_string();
                {
                    let mut running = running.lock().expect("lock");
                    let count = running.entry(key.clone()).or_default();
                    *count += 1;
                    if *count > 1 {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
                *running.lock().expect("lock").entry(key.clone()).or_default() -= 1;
                *runs.lock().expect("lock").entry(key).or_default() += 1;
                Ok(())
            }
        })
    };
    let workers_a = replica_a.start(
        handlers.clone(),
        WorkerConfig {
            concurrency: 3,
            ..fast_config("a")
        },
    );
    let workers_b = replica_b.start(
        handlers,
        WorkerConfig {
            concurrency: 3,
            ..fast_config("b")
        },
    );
    let mut ids = Vec::new();
    for n in 0..30 {
        let queue = if n % 2 == 0 { &replica_a } else { &replica_b };
        ids.push(
            queue
                .enqueue("exclusive", json!({ "n": n }))
                .await
                .expect("enqueued"),
        );
    }
    for id in &ids {
        wait_for_status(&replica_a, id, JobStatus::Succeeded).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "a job ran twice at once");
    let runs = runs.lock().expect("lock").clone();
    for id in &ids {
        assert_eq!(
            runs.get(id.as_str()),
            Some(&1),
            "job {id} ran {:?} times",
            runs.get(id.as_str())
        );
    }
    workers_a.shutdown(Duration::from_secs(5)).await;
    workers_b.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_loses_no_enqueued_job() {
    let mut redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::redis(graph, &redis.redis_url(), "rsdk").expect("opens");
    // Dispatched into the list, which the restart (no persistence) empties.
    let before_restart = queue.enqueue("count", json!({})).await.expect("enqueued");
    redis.restart();
    // Accepted while Redis is down: recorded in the graph, dispatched later by the sweep.
    redis.stop();
    let during_outage = queue
        .enqueue("count", json!({}))
        .await
        .expect("accepted while redis is down");
    redis.restart();

    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers = queue.start(counting(runs.clone()), fast_config("after-restart"));
    for id in [&before_restart, &during_outage] {
        wait_for_status(&queue, id, JobStatus::Succeeded).await;
    }
    let runs = runs.lock().expect("lock").clone();
    assert_eq!(runs.get(before_restart.as_str()), Some(&1));
    assert_eq!(runs.get(during_outage.as_str()), Some(&1));
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_keep_running_through_a_redis_outage() {
    let mut redis = testkit::redis();
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::redis(graph, &redis.redis_url(), "rsdk").expect("opens");
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers = queue.start(counting(runs.clone()), fast_config("steady"));
    redis.stop();
    let id = queue.enqueue("count", json!({})).await.expect("accepted");
    tokio::time::sleep(Duration::from_millis(500)).await;
    redis.restart();
    wait_for_status(&queue, &id, JobStatus::Succeeded).await;
    assert!(workers.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_running_job_finish() {
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::in_process(graph);
    let handlers = Handlers::new().on_fn("slow", |_job: Job| async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    });
    let workers = queue.start(handlers, fast_config("graceful"));
    let id = queue.enqueue("slow", json!({})).await.expect("enqueued");
    wait_for_status(&queue, &id, JobStatus::Running).await;
    assert!(
        workers.shutdown(Duration::from_secs(5)).await,
        "finished within the grace"
    );
    assert_eq!(queue.job(&id).await.expect("reads").status, JobStatus::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_due_later_waits_for_its_time() {
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::in_process(graph);
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers = queue.start(counting(runs.clone()), fast_config("patient"));
    let later = chrono::Utc::now() + chrono::Duration::milliseconds(400);
    let job = queue
        .enqueue_job(NewJob::new("count", json!({})).run_after(later))
        .await
        .expect("enqueued");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(queue.job(&job.id).await.expect("reads").status, JobStatus::Queued);
    let done = wait_for_status(&queue, &job.id, JobStatus::Succeeded).await;
    assert!(done.finished_at.expect("finished") >= later);
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_longer_than_its_lease_keeps_it_by_renewal_and_runs_once() {
    let (graph, _dir) = test_graph().await;
    let queue = JobQueue::in_process(graph);
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let handlers = Handlers::new().on_fn("long", move |_job: Job| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1_200)).await;
            Ok(())
        }
    });
    let config = WorkerConfig {
        lease: Duration::from_millis(300),
        ..fast_config("renewing")
    };
    let workers = queue.start(handlers, config);
    let id = queue.enqueue("long", json!({})).await.expect("enqueued");
    let done = wait_for_status(&queue, &id, JobStatus::Succeeded).await;
    assert_eq!(done.attempts, 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    workers.shutdown(Duration::from_secs(5)).await;
}
