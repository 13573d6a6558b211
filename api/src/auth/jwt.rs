//! Short-lived access tokens: JWTs signed with HS256 under the server's secret.
//!
//! Verification accepts HS256 alone (so `alg: none` and algorithm confusion fail), demands
//! `sub`, `iat` and `exp`, allows 30 s of clock leeway, refuses any key id (this server has
//! one key) and checks the user's `token_version` and the sign-in (`sid`) against the graph,
//! so a password change, disabling or erasure ends every older token, and logout ends the
//! tokens of its sign-in, at once.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use graph::ids::UserId;
use graph::model::User;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// Clock skew tolerated when checking `exp`.
const LEEWAY_SECONDS: u64 = 30;
/// The file the generated secret lives in, inside the data directory.
pub const SECRET_FILE: &str = "auth.secret";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id.
    sub: String,
    /// The user's token version when the token was issued.
    ver: i64,
    /// The sign-in (refresh-token family) it belongs to: logout ends it.
    sid: String,
    iat: i64,
    exp: i64,
}

/// Issues and checks access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// What a valid access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user: UserId,
    pub token_version: i64,
    /// The sign-in it belongs to.
    pub session: String,
}

impl AccessTokens {
    /// Keys from `auth_secret`, or from the secret file in the data directory (created with
    /// mode 0600 on first start).
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let secret = match &config.auth_secret {
            Some(secret) => secret.0.clone().into_bytes(),
            None => secret_from_file(&config.data_dir.join(SECRET_FILE))?,
        };
        Ok(Self::new(
            &secret,
            Duration::from_secs(config.access_token_seconds),
        ))
    }

    /// Keys from `secret`, issuing tokens that live `lifetime`.
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime,
        }
    }

    /// A token for `user` in sign-in `session`, and when it expires.
    pub fn issue(&self, user: &User, session: &str) -> graph::Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.lifetime).unwrap_or_default();
        let claims = Claims {
            sub: user.id.0.clone(),
            ver: user.token_version,
            sid: session.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| graph::Error::Internal(format!("cannot sign an access token: {error}")))?;
        Ok((token, expires_at))
    }

    /// The claims of a valid token; anything else is `Unauthenticated` (never why in detail:
    /// the reason goes to the log).
    pub fn verify(&self, token: &str) -> graph::Result<AccessClaims> {
        let refuse = |reason: String| {
            tracing::info!(%reason, "access token refused");
            graph::Error::Unauthenticated("the access token is invalid or expired; sign in again".into())
        };
        let header = jsonwebtoken::decode_header(token).map_err(|error| refuse(error.to_string()))?;
        if header.kid.is_some() {
            return Err(refuse("unknown key id".into()));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|error| refuse(error.to_string()))?;
        Ok(AccessClaims {
            user: UserId(data.claims.sub),
            token_version: data.claims.ver,
            session: data.claims.sid,
        })
    }
}

/// Reads the secret file, or creates it (32 random bytes, hex, mode 0600).
fn secret_from_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let secret = text.trim().to_owned();
        anyhow::ensure!(
            secret.len() >= 32,
            "{} holds a secret shorter than 32 characters",
            path.display()
        );
        return Ok(secret.into_bytes());
    }
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| anyhow::anyhow!("no randomness for the auth secret: {error}"))?;
    let secret = hex::encode(bytes);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    write_private(path, &secret)?;
    Ok(secret.into_bytes())
}

/// Writes `text` to a new file only its owner can read.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn user() -> User {
        User {
            id: UserId("u1".into()),
            email: "a@b.c".into(),
            display_name: "A".into(),
            created_at: Utc::now(),
            disabled: false,
            site_admin: false,
            token_version: 3,
        }
    }

    fn keys() -> AccessTokens {
        AccessTokens::new(&[7; 32], Duration::from_secs(900))
    }

    fn encode(header: &serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.{signature}",
            engine.encode(header.to_string()),
            engine.encode(claims.to_string())
        )
    }

    #[test]
    fn a_fresh_token_names_its_user_and_version() {
        let (token, _) = keys().issue(&user(), "s1").expect("issued");
        let claims = keys().verify(&token).expect("valid");
        assert_eq!(claims.user, UserId("u1".into()));
        assert_eq!(claims.token_version, 3);
        assert_eq!(claims.session, "s1");
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let (token, _) = keys().issue(&user(), "s1").expect("issued");
        let other = AccessTokens::new(&[8; 32], Duration::from_secs(900));
        assert!(other.verify(&token).is_err(), "another key");
        let mut tampered = token.clone();
        tampered.insert(token.find('.').expect("dot") + 2, 'x');
        assert!(keys().verify(&tampered).is_err(), "tampered payload");
        let now = Utc::now().timestamp();
        let claims = serde_json::json!({"sub": "u1", "ver": 3, "sid": "s1", "iat": now, "exp": now + 600});
        let none = encode(&serde_json::json!({"alg": "none", "typ": "JWT"}), &claims, "");
        assert!(keys().verify(&none).is_err(), "alg none");
        let rs256 = encode(
            &serde_json::json!({"alg": "RS256", "typ": "JWT"}),
            &claims,
            "c2ln",
        );
        assert!(keys().verify(&rs256).is_err(), "another algorithm");
        let expired = AccessTokens::new(&[7; 32], Duration::ZERO);
        let mut old = user();
        old.token_version = 1;
        let (token, _) = expired.issue(&old, "s1").expect("issued");
        assert!(keys().verify(&token).is_ok(), "within the leeway");
        let stale_claims =
            serde_json::json!({"sub": "u1", "ver": 3, "sid": "s1", "iat": now - 4000, "exp": now - 3600});
        let stale = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &stale_claims,
            &EncodingKey::from_secret(&[7; 32]),
        )
        .expect("signed");
        assert!(keys().verify(&stale).is_err(), "expired an hour ago");
        let no_exp = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "u1", "ver": 3, "sid": "s1", "iat": now}),
            &EncodingKey::from_secret(&[7; 32]),
        )
        .expect("signed");
        assert!(keys().verify(&no_exp).is_err(), "missing exp");
        let mut with_kid = Header::new(Algorithm::HS256);
        with_kid.kid = Some("other".into());
        let kid =
            jsonwebtoken::encode(&with_kid, &claims, &EncodingKey::from_secret(&[7; 32])).expect("signed");
        assert!(keys().verify(&kid).is_err(), "unknown key id");
    }
}
