//! The event bus, in-process and on a real private Redis (testkit), across restarts.

use std::time::{Duration, Instant};

use futures::StreamExt;
use graph::ids::ExperimentId;
use ingest::events::{self, Event, EventBus, EventStream, LocalEventBus, RedisEventBus};

const PATIENCE: Duration = Duration::from_secs(5);

fn created(number: i64) -> Event {
    Event::ExperimentCreated {
        project: "vit".into(),
        experiment_id: ExperimentId(format!("e{number}")),
        number,
    }
}

/// The next event that is not a `Missed` marker.
async fn next_event(stream: &mut EventStream) -> Event {
    loop {
        let event = tokio::time::timeout(PATIENCE, stream.next())
            .await
            .expect("an event arrives in time")
            .expect("the stream stays open");
        if !matches!(event, Event::Missed { .. }) {
            return event;
        }
    }
}

#[tokio::test]
async fn the_local_bus_delivers_every_event_to_every_subscriber() {
    let bus = events::open(None).await.expect("opens");
    let mut first = bus.subscribe();
    let mut second = bus.subscribe();
    for number in 1..=3 {
        bus.publish(created(number)).await.expect("published");
    }
    for stream in [&mut first, &mut second] {
        for number in 1..=3 {
            assert_eq!(next_event(stream).await, created(number));
        }
    }
}

#[tokio::test]
async fn a_lagging_local_subscriber_is_told_what_it_missed_and_never_blocks_publishers() {
    let bus = LocalEventBus::new(4);
    let mut slow = bus.subscribe();
    let started = Instant::now();
    for number in 1..=10 {
        bus.publish(created(number))
            .await
            .expect("published without waiting");
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    let marker = tokio::time::timeout(PATIENCE, slow.next())
        .await
        .expect("in time");
    assert_eq!(marker, Some(Event::Missed { count: Some(6) }));
    for number in 7..=10 {
        assert_eq!(next_event(&mut slow).await, created(number));
    }
}

#[tokio::test]
async fn publishing_a_missed_marker_is_refused() {
    let bus = LocalEventBus::default();
    let error = bus
        .publish(Event::Missed { count: None })
        .await
        .expect_err("refused");
    assert_eq!(error.code(), "VALIDATION");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_redis_see_each_others_events() {
    let redis = testkit::redis();
    let url = redis.redis_url();
    let replica_a = events::open(Some(&url)).await.expect("replica a opens");
    let replica_b = events::open_with_prefix(Some(&url), "rsdk")
        .await
        .expect("replica b opens");
    let mut streams = [
        replica_a.subscribe(),
        replica_a.subscribe(),
        replica_b.subscribe(),
    ];

    replica_a.publish(created(1)).await.expect("published on a");
    replica_b
        .publish(Event::ArtifactStored {
            project: "vit".into(),
            experiment_id: ExperimentId("e1".into()),
            path: "model.pt".into(),
            digest: "sha256:00".into(),
        })
        .await
        .expect("published on b");
    for stream in &mut streams {
        assert_eq!(next_event(stream).await, created(1));
        assert!(matches!(next_event(stream).await, Event::ArtifactStored { .. }));
    }

    let other_deployment = events::open_with_prefix(Some(&url), "other")
        .await
        .expect("opens");
    let mut isolated = other_deployment.subscribe();
    replica_a.publish(created(2)).await.expect("published");
    other_deployment.publish(created(3)).await.expect("published");
    assert_eq!(
        next_event(&mut isolated).await,
        created(3),
        "prefixes keep deployments apart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_recovers_within_two_seconds_of_redis_returning() {
    let mut redis = testkit::redis();
    let bus = RedisEventBus::connect(&redis.redis_url(), "rsdk")
        .await
        .expect("opens");
    let mut stream = bus.subscribe();
    bus.publish(created(1)).await.expect("published");
    assert_eq!(next_event(&mut stream).await, created(1));

    redis.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.restart();
    let back = Instant::now();

    // Probe until an event gets through: both the publisher and the subscription reconnect.
    let mut probe = 100;
    let received = loop {
        assert!(
            back.elapsed() < Duration::from_secs(2),
            "no event within 2 s of redis returning"
        );
        probe += 1;
        let _ = bus.publish(created(probe)).await;
        match tokio::time::timeout(Duration::from_millis(100), stream.next()).await {
            Ok(Some(Event::Missed { .. })) | Err(_) => continue,
            Ok(Some(event)) => break event,
            Ok(None) => panic!("the stream ended"),
        }
    };
    assert!(matches!(received, Event::ExperimentCreated { .. }));
    bus.publish(created(1_000))
        .await
        .expect("published after the restart");
    loop {
        if next_event(&mut stream).await == created(1_000) {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_while_redis_is_down_fails_fast_as_unavailable() {
    let mut redis = testkit::redis();
    let bus = events::open(Some(&redis.redis_url())).await.expect("opens");
    bus.publish(created(1)).await.expect("published while up");
    redis.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let error = bus.publish(created(2)).await.expect_err("redis is down");
        assert_eq!(error.code(), "UNAVAILABLE");
        assert!(error.to_string().starts_with("redis unavailable"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }
    redis.restart();
    let deadline = Instant::now() + PATIENCE;
    while bus.publish(created(3)).await.is_err() {
        assert!(Instant::now() < deadline, "publishing never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_bad_redis_url_names_the_setting() {
    let error = events::open(Some("not a url")).await.expect_err("refused");
    assert!(error.to_string().starts_with("redis:"), "{error}");
}
