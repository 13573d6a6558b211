//! Slow clients: connections that never finish their request headers are closed after the
//! header timeout, and while hundreds of them hang on, everyone else is served.

mod support;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SLOW: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_finish_their_headers_are_cut_off_and_starve_no_one() {
    let server = support::start_with(|config| config.header_timeout_seconds = 1).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut hanging = Vec::new();
    for _ in 0..SLOW {
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connects");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: rsdk\r\nX-Slow: ")
            .await
            .expect("a partial request");
        hanging.push(stream);
    }
    let opened = Instant::now();
    let health = server
        .anonymous
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("answered");
    let served_in = opened.elapsed();
    assert_eq!(health.status(), 200, "others are served while the slow ones hang");
    let projects = server.ok("{ projects { name } }", serde_json::json!({})).await;
    assert!(projects["projects"].is_array());

    // Every slow connection is closed by the server (an EOF, after a 408 or without one).
    let mut closed = 0;
    for stream in &mut hanging {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        if matches!(read, Ok(Ok(_)) | Ok(Err(_))) {
            closed += 1;
        }
    }
    let cut_off_after = opened.elapsed();
    assert_eq!(closed, SLOW, "every slow connection is closed");
    println!(
        "slow clients: {SLOW} connections that never finished their headers all closed within {:.1} s \
         (header timeout 1 s); /healthz answered in {:.1} ms meanwhile",
        cut_off_after.as_secs_f64(),
        served_in.as_secs_f64() * 1000.0
    );
}
