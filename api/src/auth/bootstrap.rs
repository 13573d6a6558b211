//! First start: a graph without users gets a site admin, whose one-time password is printed
//! once, and an API token written to the local SDK/CLI configuration file (mode 0600), so the
//! SDK and the CLI on this machine work with no set-up.

use std::path::Path;

use anyhow::Context as _;
use graph::model::{NewApiToken, NewUser, Role};
use graph::Graph;

use super::jwt::write_private;
use crate::config::Config;

/// Creates the first admin when the graph has no user. Returns the admin's password when
/// it did (the caller prints it once). Another replica doing the same at the same moment is
/// fine: the loser sees the email taken and does nothing.
pub async fn first_start(graph: &Graph, config: &Config, server_url: &str) -> anyhow::Result<Option<String>> {
    if graph.count_users().await? > 0 {
        return Ok(None);
    }
    let password = random_password()?;
    let admin = match graph
        .create_user(NewUser {
            email: config.admin_email.clone(),
            display_name: "Administrator".into(),
            password: password.clone(),
            site_admin: true,
        })
        .await
    {
        Ok(admin) => admin,
        Err(graph::Error::Conflict { .. }) => return Ok(None),
        Err(other) => return Err(other).context("cannot create the first administrator"),
    };
    let (_, token) = graph
        .create_api_token(NewApiToken {
            user_id: admin.id.clone(),
            name: "local sdk and cli".into(),
            role: Role::Admin,
            projects: None,
        })
        .await
        .context("cannot create the local API token")?;
    let path = config.client_config_path();
    write_client_config(&path, server_url, &token)?;
    tracing::info!(path = %path.display(), "wrote the local SDK/CLI configuration");
    Ok(Some(password))
}

/// `server` and `token` for the SDK and the CLI, readable by this user only.
fn write_client_config(path: &Path, server_url: &str, token: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let text = format!(
        "# Written by the first start of `rsdk serve`: the SDK and the CLI read it.\n\
         server = {server_url:?}\ntoken = {token:?}\n"
    );
    write_private(path, &text)
}

/// 24 random characters from an unambiguous alphabet (about 138 bits).
fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 24];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness for a password: {error}"))?;
    Ok(bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect())
}
