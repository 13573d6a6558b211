//! A full data disk: the server's data directory is a small tmpfs that a ballast file fills
//! during ingest. Writes are refused with 507 (STORAGE_FULL, Retry-After) and never
//! acknowledged without being stored; the server stays up, answers reads and reports degraded
//! readiness; once space returns, readiness recovers and the refused writes land on retry.
//!
//! It mounts a tmpfs, so it runs as root (as CI does on this machine).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::metrics::post_chunk;
use support::process::ServerProcess;
use support::{invariants, Endpoint};

/// A tmpfs mounted over a directory; unmounted (lazily) when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Self {
        std::fs::create_dir_all(dir).expect("a mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "this test mounts a tmpfs at {}: run it as root",
            dir.display()
        );
        Self(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes a file until the disk refuses more.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("a ballast file");
    let block = vec![0u8; 256 * 1024];
    loop {
        if let Err(error) = file.write_all(&block).and_then(|()| file.sync_all()) {
            assert_eq!(error.kind(), std::io::ErrorKind::StorageFull, "{error}");
            return;
        }
    }
}

fn chunk(chunk_id: &str, first_step: u64) -> Value {
    let points: Vec<Value> = (first_step..first_step + 2_000)
        .map(|step| json!({ "metric": "loss", "step": step, "value": 1.0 / (step + 1) as f64 }))
        .collect();
    json!({ "chunkId": chunk_id, "points": points })
}

async fn readyz(server: &ServerProcess) -> (u16, Value) {
    let response = reqwest::get(format!("{}/readyz", server.base_url()))
        .await
        .expect("the server answers");
    (response.status().as_u16(), response.json().await.expect("JSON"))
}

async fn graphql(server: &ServerProcess, query: &str) -> Value {
    server.try_graphql(query, json!({})).await.expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_and_degrades_readiness_until_space_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let server_env = [("RSDK_MIN_FREE_DISK_BYTES", "4194304")];
    let mount = Tmpfs::mount(&data, "48m");
    let server = ServerProcess::start_in(dir, &server_env).await;
    let created = graphql(
        &server,
        "mutation { createProject(input: {name: \"full\"}) { id }
                    createExperiment(input: {project: \"full\", name: \"1\"}) { id } }",
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let id = created["data"]["createExperiment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert!(post_chunk(&server, &id, &chunk("before", 0))
        .await
        .expect("the server answers")
        .status()
        .is_success());

    let ballast = data.join("ballast");
    fill(&ballast);
    let started = Instant::now();
    let refused = post_chunk(&server, &id, &chunk("during", 2_000))
        .await
        .expect("the server answers");
    let refused_in = started.elapsed();
    assert_eq!(refused.status(), 507);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .map(|value| value.to_str().expect("text")),
        Some("5")
    );
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["code"], "STORAGE_FULL", "{body}");
    assert!(
        !body["message"]
            .as_str()
            .expect("a message")
            .contains(&*data.to_string_lossy()),
        "no server path in the answer: {body}"
    );
    let creation = graphql(
        &server,
        "mutation { createExperiment(input: {project: \"full\", name: \"2\", features: \"lr: 0.1\"}) { id } }",
    )
    .await;
    assert_eq!(
        creation["errors"][0]["extensions"]["code"], "STORAGE_FULL",
        "{creation}"
    );

    let (status, readiness) = readyz(&server).await;
    assert_eq!(
        (status, readiness["status"].as_str()),
        (503, Some("degraded")),
        "{readiness}"
    );
    let health = reqwest::get(format!("{}/healthz", server.base_url()))
        .await
        .expect("up");
    assert_eq!(health.status(), 200);
    let read = graphql(
        &server,
        "{ experiment(project: \"full\", number: 1) { measured { count } } }",
    )
    .await;
    assert_eq!(
        read["data"]["experiment"]["measured"][0]["count"], 2_000,
        "reads still answer: {read}"
    );

    std::fs::remove_file(&ballast).expect("space returns");
    let freed = Instant::now();
    while readyz(&server).await.0 != 200 {
        assert!(
            freed.elapsed() < Duration::from_secs(5),
            "readiness did not recover"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovered_in = freed.elapsed();
    assert!(post_chunk(&server, &id, &chunk("during", 2_000))
        .await
        .expect("the server answers")
        .status()
        .is_success());
    let creation = graphql(
        &server,
        "mutation { createExperiment(input: {project: \"full\", name: \"2\", features: \"lr: 0.1\"}) { number } }",
    )
    .await;
    assert_eq!(creation["data"]["createExperiment"]["number"], 2, "{creation}");
    let checked = invariants::check(&server, "full").await;
    assert_eq!(
        checked.points, 4_000,
        "each acknowledged point once, none of the refused ones twice"
    );
    println!(
        "disk full: write refused with 507 in {:.1} ms, readiness degraded, ready again {:.0} ms \
         after space returned, {} points intact",
        refused_in.as_secs_f64() * 1000.0,
        recovered_in.as_secs_f64() * 1000.0,
        checked.points
    );
    drop(mount);
}
