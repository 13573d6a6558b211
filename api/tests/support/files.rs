//! Experiment files through the REST protocol the SDK speaks: plan, upload what the server
//! lacks, commit.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::TestServer;

pub fn sha(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

pub fn entry(path: &str, content: &[u8], mime: &str) -> Value {
    json!({ "path": path, "size": content.len(), "hash": sha(content), "mime": mime })
}

pub async fn post(
    server: &TestServer,
    run: &(impl AsRef<str> + ?Sized),
    step: &str,
    body: &Value,
) -> (u16, Value) {
    let response = server
        .client
        .post(format!(
            "{}/api/v1/experiments/{}/files/{step}",
            server.url,
            run.as_ref()
        ))
        .json(body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn put(
    server: &TestServer,
    run: &(impl AsRef<str> + ?Sized),
    path: &str,
    content: &[u8],
    hash: &str,
) -> (u16, Value) {
    let response = server
        .client
        .put(format!(
            "{}/api/v1/experiments/{}/files/content",
            server.url,
            run.as_ref()
        ))
        .query(&[("path", path)])
        .header("x-rsdk-sha256", hash)
        .header("content-type", "application/octet-stream")
        .body(content.to_vec())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Plans, uploads what the server lacks and commits; answers the paths it lacked and how
/// each uploaded content was stored.
pub async fn upload(
    server: &TestServer,
    run: &(impl AsRef<str> + ?Sized),
    files: &[(&str, &[u8])],
) -> (Vec<String>, Vec<String>) {
    let manifest = json!({ "files": files.iter().map(|(path, content)| entry(path, content, "text/plain")).collect::<Vec<_>>() });
    let (status, plan) = post(server, run, "plan", &manifest).await;
    assert_eq!(status, 200, "{plan}");
    let lacking: Vec<String> = plan["lacking"]
        .as_array()
        .expect("lacking")
        .iter()
        .map(|path| path.as_str().expect("a path").to_owned())
        .collect();
    let mut storages = Vec::new();
    for path in &lacking {
        let content = files.iter().find(|(p, _)| p == path).expect("a lacking file").1;
        let (status, stored) = put(server, run, path, content, &sha(content)).await;
        assert_eq!(status, 201, "{stored}");
        storages.push(stored["storage"].as_str().expect("a storage").to_owned());
    }
    let (status, committed) = post(server, run, "commit", &manifest).await;
    assert_eq!(status, 200, "{committed}");
    (lacking, storages)
}
