//! Server-side outbound requests (SSRF): every outbound url setting — the language model
//! endpoint and a custom S3 endpoint — refuses loopback, private, link-local and disguised
//! addresses before connecting, unless the operator lists them in `outbound_allow`. The corpus
//! of disguises is in `graph::outbound`'s tests; these prove each setting goes through it.

mod support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;

const ASK: &str =
    "query($q: String!) { ask(project: \"vision\", question: $q) { answered interpretation { notes } } }";

/// A loopback listener that counts the connections it accepts.
async fn listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((_connection, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_model_on_a_loopback_address_is_never_connected_to() {
    let (port, accepted) = listener().await;
    for url in [
        format!("http://127.0.0.1:{port}/v1"),
        format!("http://2130706433:{port}/v1"),
        format!("http://0x7f.0.0.1:{port}/v1"),
        format!("http://[::ffff:127.0.0.1]:{port}/v1"),
        format!("http://localhost.:{port}/v1"),
    ] {
        let server = support::start_with(|config| {
            config.ask_model_url = Some(url.clone());
            config.ask_model_timeout_seconds = 2;
        })
        .await;
        server.create_project("vision").await;
        let answer = server.ok(ASK, json!({"q": "what is the meaning of life"})).await["ask"].clone();
        assert_eq!(answer["answered"], false, "{url}: {answer}");
        let notes = answer["interpretation"]["notes"].to_string();
        assert!(
            notes.contains("refused") && notes.contains("loopback") && notes.contains("RSDK_OUTBOUND_ALLOW"),
            "{url}: {notes}"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
}

#[test]
fn a_custom_s3_endpoint_on_a_private_address_stops_start_up_unless_allowed() {
    let data = tempfile::tempdir().expect("temp dir");
    for endpoint in [
        "http://169.254.169.254/",
        "http://0x7f000001:9/",
        "http://[fd00::1]:9000/",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_rsdk"))
            .arg("serve")
            .env("RSDK_BIND", "127.0.0.1:0")
            .env("RSDK_DATA_DIR", data.path())
            .env("RSDK_CLIENT_CONFIG", data.path().join("client.toml"))
            .env("RSDK_BLOBS", "s3://rsdk/blobs")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "key")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .stdin(Stdio::null())
            .output()
            .expect("rsdk serve runs");
        assert!(!output.status.success(), "{endpoint}: start-up refused");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains("S3 endpoint (AWS_ENDPOINT_URL)") && said.contains("RSDK_OUTBOUND_ALLOW"),
            "{endpoint}: {said}"
        );
    }
}
