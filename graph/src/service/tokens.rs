//! API tokens and refresh tokens: created with secrets from the OS RNG, stored only as the
//! SHA-256 of the secret, compared in constant time.
//!
//! Both kinds read `<prefix><id>_<secret>`: the id (16 hex digits) finds the record through
//! its index, the secret (64 hex digits, 32 random bytes) proves possession. A refresh token
//! is single-use: redeeming it spends it and issues the next one of its family; presenting
//! a spent one again means it was copied, so the whole family (the sign-in) is revoked.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::instrument;

use super::users::{bool_column, role_column};
use super::{now, optional_timestamp, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::ids::{ProjectId, UserId};
use crate::model::{ApiToken, NewApiToken, RefreshGrant, User};
use crate::queries;
use crate::value::{Params, Row};

const API_TOKEN_PREFIX: &str = "rsdk_";
const REFRESH_TOKEN_PREFIX: &str = "rsdk_refresh_";
const TOKEN_ID_BYTES: usize = 8;
const TOKEN_SECRET_BYTES: usize = 32;
const MAX_TOKEN_NAME_LENGTH: usize = 100;
/// `last_used_at` is written at most this often per token, so a busy token does not turn
/// every read request into a write.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// `N` bytes from the operating system's RNG.
pub(super) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Unavailable(format!("the system random number generator failed: {error}")))?;
    Ok(bytes)
}

/// A fresh token id and secret, as lowercase hex.
fn new_id_and_secret() -> Result<(String, String)> {
    let id: [u8; TOKEN_ID_BYTES] = random_bytes()?;
    let secret: [u8; TOKEN_SECRET_BYTES] = random_bytes()?;
    Ok((hex::encode(id), hex::encode(secret)))
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `stored`, in time independent of where they differ.
fn secret_matches(secret: &str, stored: &str) -> bool {
    secret_hash(secret).as_bytes().ct_eq(stored.as_bytes()).into()
}

/// The id and secret of `<prefix><id>_<secret>`; `None` when the text is not of that form.
fn parse_token<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let is_lower_hex = |part: &str, bytes: usize| {
        part.len() == bytes * 2
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let (id, secret) = text.strip_prefix(prefix)?.split_once('_')?;
    (is_lower_hex(id, TOKEN_ID_BYTES) && is_lower_hex(secret, TOKEN_SECRET_BYTES)).then_some((id, secret))
}

fn validate_token_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if name.trim().is_empty() || length > MAX_TOKEN_NAME_LENGTH {
        return Err(Error::invalid(
            "name",
            format!("must be 1 to {MAX_TOKEN_NAME_LENGTH} characters and not blank"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must not contain control characters"));
    }
    Ok(())
}

/// `at + lifetime`, refusing a lifetime too long to add.
fn expiry(at: DateTime<Utc>, lifetime: Duration) -> Result<DateTime<Utc>> {
    chrono::Duration::from_std(lifetime)
        .ok()
        .and_then(|lifetime| at.checked_add_signed(lifetime))
        .ok_or_else(|| Error::invalid("lifetime", "is too long"))
}

pub(super) fn api_token_from_row(row: &Row) -> Result<ApiToken> {
    let projects = if bool_column(row, "scoped")? {
        Some(row.strings("projects")?.into_iter().map(ProjectId).collect())
    } else {
        None
    };
    Ok(ApiToken {
        id: row.string("id")?,
        user_id: UserId(row.string("user_id")?),
        name: row.string("name")?,
        role: role_column(row, "role")?,
        projects,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        last_used_at: optional_timestamp(row, "last_used_at")?,
        revoked: bool_column(row, "revoked")?,
    })
}

/// A stored refresh token, as redemption needs it.
struct StoredRefreshToken {
    family: String,
    user_id: UserId,
    secret_hash: String,
    expires_at: DateTime<Utc>,
    used: bool,
    revoked: bool,
}

fn refresh_token_from_row(row: &Row) -> Result<StoredRefreshToken> {
    Ok(StoredRefreshToken {
        family: row.string("family")?,
        user_id: UserId(row.string("user_id")?),
        secret_hash: row.string("secret_hash")?,
        expires_at: parse_timestamp("expires_at", &row.string("expires_at")?)?,
        used: bool_column(row, "used")?,
        revoked: bool_column(row, "revoked")?,
    })
}

impl Graph {
    /// Creates an API token for a user: the record, and the token text (shown once; only a
    /// hash of its secret is stored). Project names must exist.
    #[instrument(skip_all, fields(user = %new.user_id))]
    pub async fn create_api_token(&self, new: NewApiToken) -> Result<(ApiToken, String)> {
        validate_token_name(&new.name)?;
        let projects = match &new.projects {
            None => None,
            Some(names) if names.is_empty() => {
                return Err(Error::invalid(
                    "projects",
                    "must name at least one project, or be left out for all of the user's projects",
                ))
            }
            Some(names) => {
                let mut ids = Vec::with_capacity(names.len());
                for name in names {
                    let id = self.project(name).await?.id;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Some(ids)
            }
        };
        self.user(&new.user_id).await?;
        let (id, secret) = new_id_and_secret()?;
        let project_ids: Option<Vec<String>> = projects
            .as_ref()
            .map(|ids| ids.iter().map(|id| id.as_str().to_owned()).collect());
        let params = Params::new()
            .with("id", id.as_str())
            .with("user_id", new.user_id.as_str())
            .with("name", new.name.as_str())
            .with("role", new.role.as_str())
            .with("scoped", projects.is_some())
            .with("projects", project_ids)
            .with("secret_hash", secret_hash(&secret))
            .with("created_at", timestamp(now()));
        let rows = self
            .executor
            .execute(&queries::AUTH_API_TOKEN_CREATE, params)
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal("auth/api_token_create returned no row".into()))?;
        Ok((
            api_token_from_row(row)?,
            format!("{API_TOKEN_PREFIX}{id}_{secret}"),
        ))
    }

    /// The token and its user when `text` is a live API token of an enabled user; `None`
    /// when it is malformed, unknown, has the wrong secret, is revoked or its user is
    /// disabled. Records the use (at most once a minute).
    pub async fn authenticate_api_token(&self, text: &str) -> Result<Option<(ApiToken, User)>> {
        let Some((id, secret)) = parse_token(text, API_TOKEN_PREFIX) else {
            return Ok(None);
        };
        let rows = self
            .executor
            .execute(&queries::AUTH_API_TOKEN_CREDENTIALS, Params::new().with("id", id))
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        if !secret_matches(secret, &row.string("secret_hash")?) {
            return Ok(None);
        }
        let mut token = api_token_from_row(row)?;
        if token.revoked {
            return Ok(None);
        }
        let user = match self.user(&token.user_id).await {
            Ok(user) => user,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        if user.disabled {
            return Ok(None);
        }
        let used_at = now();
        let stale = token
            .last_used_at
            .is_none_or(|last| used_at - last >= LAST_USED_RESOLUTION);
        if stale {
            let params = Params::new().with("id", id).with("now", timestamp(used_at));
            self.executor
                .execute(&queries::AUTH_API_TOKEN_TOUCH, params)
                .await?;
            token.last_used_at = Some(used_at);
        }
        Ok(Some((token, user)))
    }

    /// A user's API tokens (revoked ones too), oldest first; never their secrets.
    pub async fn api_tokens(&self, user: &UserId) -> Result<Vec<ApiToken>> {
        let rows = self
            .executor
            .execute(
                &queries::AUTH_API_TOKEN_LIST,
                Params::new().with("user_id", user.as_str()),
            )
            .await?;
        rows.iter().map(api_token_from_row).collect()
    }

    /// Revokes one of `user`'s API tokens; another user's token is [`Error::NotFound`].
    #[instrument(skip_all, fields(user = %user, token = %id))]
    pub async fn revoke_api_token(&self, user: &UserId, id: &str) -> Result<ApiToken> {
        let rows = self
            .executor
            .execute(
                &queries::AUTH_API_TOKEN_REVOKE,
                Params::new().with("id", id).with("user_id", user.as_str()),
            )
            .await?;
        match rows.first() {
            Some(row) => api_token_from_row(row),
            None => Err(Error::NotFound {
                entity: "api token",
                id: id.to_owned(),
            }),
        }
    }

    /// Starts a session: the first refresh token of a new family, valid for `lifetime`.
    #[instrument(skip_all, fields(user = %user))]
    pub async fn issue_refresh_token(&self, user: &UserId, lifetime: Duration) -> Result<RefreshGrant> {
        let user = self.user(user).await?;
        if user.disabled {
            return Err(Error::invalid("user", "is disabled and cannot sign in"));
        }
        let issued_at = now();
        let expires_at = expiry(issued_at, lifetime)?;
        let family = uuid::Uuid::now_v7().to_string();
        let (id, secret) = new_id_and_secret()?;
        let params = Params::new()
            .with("id", id.as_str())
            .with("family", family.as_str())
            .with("user_id", user.id.as_str())
            .with("secret_hash", secret_hash(&secret))
            .with("now", timestamp(issued_at))
            .with("expires_at", timestamp(expires_at));
        self.executor
            .execute(&queries::AUTH_REFRESH_CREATE, params)
            .await?;
        Ok(RefreshGrant {
            user,
            refresh_token: format!("{REFRESH_TOKEN_PREFIX}{id}_{secret}"),
            family,
            expires_at,
        })
    }

    /// Spends a refresh token and issues the next of its family, valid for `lifetime`.
    /// `None` when it is malformed, unknown, has the wrong secret, is expired or revoked, or
    /// its user is disabled. A token that was already spent revokes its whole family.
    pub async fn redeem_refresh_token(&self, text: &str, lifetime: Duration) -> Result<Option<RefreshGrant>> {
        let Some((id, secret)) = parse_token(text, REFRESH_TOKEN_PREFIX) else {
            return Ok(None);
        };
        let Some(stored) = self.stored_refresh_token(id, secret).await? else {
            return Ok(None);
        };
        if stored.revoked {
            return Ok(None);
        }
        if stored.used {
            tracing::warn!(family = %stored.family, "a spent refresh token was presented again: revoking its family");
            self.revoke_refresh_family(&stored.family).await?;
            return Ok(None);
        }
        let redeemed_at = now();
        if stored.expires_at <= redeemed_at {
            return Ok(None);
        }
        let user = match self.user(&stored.user_id).await {
            Ok(user) => user,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        if user.disabled {
            return Ok(None);
        }
        let expires_at = expiry(redeemed_at, lifetime)?;
        let (next_id, next_secret) = new_id_and_secret()?;
        let params = Params::new()
            .with("id", id)
            .with("now", timestamp(redeemed_at))
            .with("next_id", next_id.as_str())
            .with("next_secret_hash", secret_hash(&next_secret))
            .with("expires_at", timestamp(expires_at));
        let rows = self
            .executor
            .execute(&queries::AUTH_REFRESH_ROTATE, params)
            .await?;
        if rows.is_empty() {
            // Spent, revoked or expired since it was read: a concurrent redemption of the
            // same token is a reuse too, so the family goes either way.
            self.revoke_refresh_family(&stored.family).await?;
            return Ok(None);
        }
        Ok(Some(RefreshGrant {
            user,
            refresh_token: format!("{REFRESH_TOKEN_PREFIX}{next_id}_{next_secret}"),
            family: stored.family,
            expires_at,
        }))
    }

    /// Whether the sign-in `family` still stands (access tokens carry it, so logout ends
    /// them too): false once it was revoked (logout, reuse) or its tokens were removed.
    pub async fn session_active(&self, family: &str) -> Result<bool> {
        let rows = self
            .executor
            .execute(&queries::AUTH_SESSION_STATE, Params::new().with("family", family))
            .await?;
        let mut active = !rows.is_empty();
        for row in &rows {
            active &= !bool_column(row, "revoked")?;
        }
        Ok(active)
    }

    /// Ends the session of a refresh token (logout): its whole family is revoked. An unknown
    /// or malformed token is not an error (there is nothing to end).
    pub async fn revoke_refresh_token(&self, text: &str) -> Result<()> {
        let Some((id, secret)) = parse_token(text, REFRESH_TOKEN_PREFIX) else {
            return Ok(());
        };
        if let Some(stored) = self.stored_refresh_token(id, secret).await? {
            self.revoke_refresh_family(&stored.family).await?;
        }
        Ok(())
    }

    /// The refresh token `id` when `secret` is its secret.
    async fn stored_refresh_token(&self, id: &str, secret: &str) -> Result<Option<StoredRefreshToken>> {
        let rows = self
            .executor
            .execute(&queries::AUTH_REFRESH_BY_ID, Params::new().with("id", id))
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let stored = refresh_token_from_row(row)?;
        Ok(secret_matches(secret, &stored.secret_hash).then_some(stored))
    }

    async fn revoke_refresh_family(&self, family: &str) -> Result<()> {
        self.executor
            .execute(
                &queries::AUTH_REFRESH_REVOKE_FAMILY,
                Params::new().with("family", family),
            )
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_text_is_prefix_id_and_secret_in_lowercase_hex() {
        let id = "0123456789abcdef";
        let secret = "ab".repeat(32);
        let text = format!("rsdk_{id}_{secret}");
        assert_eq!(parse_token(&text, API_TOKEN_PREFIX), Some((id, secret.as_str())));
        let refresh = format!("rsdk_refresh_{id}_{secret}");
        assert_eq!(
            parse_token(&refresh, API_TOKEN_PREFIX),
            None,
            "a refresh token is not an api token"
        );
        assert_eq!(
            parse_token(&refresh, REFRESH_TOKEN_PREFIX),
            Some((id, secret.as_str()))
        );
        for bad in [
            String::new(),
            format!("rsdk_{id}"),
            format!("rsdk_{id}_{}", "AB".repeat(32)),
            format!("rsdk_{id}_{secret}0"),
            format!("rsdk_{}_{secret}", &id[1..]),
            format!("xsdk_{id}_{secret}"),
        ] {
            assert_eq!(parse_token(&bad, API_TOKEN_PREFIX), None, "{bad}");
        }
    }

    #[test]
    fn secrets_are_compared_by_hash() {
        let stored = secret_hash("secret");
        assert!(secret_matches("secret", &stored));
        assert!(!secret_matches("secreT", &stored));
        assert!(!secret_matches("secret", ""));
    }
}
