//! Experiment files through the REST protocol the SDK speaks: plan, upload what the server
//! lacks, commit.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Endpoint;

pub fn sha(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

pub fn entry(path: &str, content: &[u8], mime: &str) -> Value {
    json!({ "path": path, "size": content.len(), "hash": sha(content), "mime": mime })
}

pub async fn post(
    server: &impl Endpoint,
    run: &(impl AsRef<str> + ?Sized),
    step: &str,
    body: &Value,
) -> (u16, Value) {
    let response = server
        .http()
        .post(format!(
            "{}/api/v1/experiments/{}/files/{step}",
            server.base_url(),
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
    server: &impl Endpoint,
    run: &(impl AsRef<str> + ?Sized),
    path: &str,
    content: &[u8],
    hash: &str,
) -> (u16, Value) {
    let response = server
        .http()
        .put(format!(
            "{}/api/v1/experiments/{}/files/content",
            server.base_url(),
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
    server: &impl Endpoint,
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

/// The same protocol failing softly (`Err` with the reason instead of a panic), for clients
/// that retry against a server that may die mid-request.
pub async fn try_upload(server: &impl Endpoint, run: &str, files: &[(&str, &[u8])]) -> Result<(), String> {
    let manifest = json!({ "files": files.iter().map(|(path, content)| entry(path, content, "application/octet-stream")).collect::<Vec<_>>() });
    let url = format!("{}/api/v1/experiments/{run}/files", server.base_url());
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request
            .timeout(std::time::Duration::from_secs(20))
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|error| error.to_string())?;
        match status.is_success() {
            true => Ok(body),
            false => Err(format!("{status}: {body}")),
        }
    };
    let plan = send(server.http().post(format!("{url}/plan")).json(&manifest)).await?;
    for path in plan["lacking"].as_array().ok_or("a plan without `lacking`")? {
        let path = path.as_str().ok_or("a lacking path")?;
        let content = files
            .iter()
            .find(|(name, _)| *name == path)
            .ok_or("an unknown path")?
            .1;
        send(
            server
                .http()
                .put(format!("{url}/content"))
                .query(&[("path", path)])
                .header("x-rsdk-sha256", sha(content))
                .header("content-type", "application/octet-stream")
                .body(content.to_vec()),
        )
        .await?;
    }
    send(server.http().post(format!("{url}/commit")).json(&manifest)).await?;
    Ok(())
}
