//! Users: sign-up, sign-in checks, passwords, disabling, site admins, and the GDPR export
//! and erasure of one user's data.
//!
//! Passwords are stored only as argon2id PHC strings in `User.password_hash`, which no query
//! returns except `auth/user_credentials` (sign-in). Hashing is slow on purpose, so it runs
//! on the blocking pool behind a process-wide semaphore: a burst of logins queues there
//! instead of starving the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Version};
use serde_json::json;
use tokio::sync::Semaphore;
use tracing::instrument;

use super::audit::audit_entry_from_row;
use super::tokens::random_bytes;
use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::UserId;
use crate::model::{NewUser, Role, User};
use crate::queries::{self, Query};
use crate::value::{Params, Row, Value};

const MAX_EMAIL_LENGTH: usize = 254;
const MAX_DISPLAY_NAME_LENGTH: usize = 100;
const MIN_PASSWORD_LENGTH: usize = 12;
const MAX_PASSWORD_LENGTH: usize = 1024;

/// argon2id cost, the OWASP minimum: 19 MiB of memory, two passes, one lane.
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_PARALLELISM: u32 = 1;

/// Hashes running at once, process-wide: each takes ~19 MiB and a core for tens of
/// milliseconds, so 200 parallel logins wait here instead of filling the blocking pool.
const CONCURRENT_HASHES: usize = 2;
static HASHING_PERMITS: Semaphore = Semaphore::const_new(CONCURRENT_HASHES);

/// A hash of a random password with the same algorithm and cost as real ones. Sign-in
/// verifies against it when the email is unknown (or the user erased), so that case costs
/// exactly what a wrong password costs and timing does not reveal which emails exist.
const DUMMY_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$cnNkay1kdW1teS1zYWx0IQ$jtOYftwp8vZLkzvQKYbikLOUfsEx+NBrJ06mx+4KhVw";

/// The role of a stored `role` column.
pub(super) fn role_column(row: &Row, column: &str) -> Result<Role> {
    Role::parse(column, &row.string(column)?)
        .map_err(|error| Error::Internal(format!("stored {column} is unreadable: {error}")))
}

/// A boolean column; null or absent reads as `false`.
pub(super) fn bool_column(row: &Row, column: &str) -> Result<bool> {
    match row.0.get(column) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(other) => Err(Error::Internal(format!(
            "query column `{column}` should be a boolean, found {other:?}"
        ))),
    }
}

/// A user from the columns every user query returns (never the password hash).
pub(super) fn user_from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: UserId(row.string("id")?),
        email: row.string("email")?,
        display_name: row.string("display_name")?,
        created_at: parse_timestamp("created_at", &row.string("created_at")?)?,
        disabled: bool_column(row, "disabled")?,
        site_admin: bool_column(row, "site_admin")?,
        token_version: row.int("token_version")?,
    })
}

/// Trimmed and lowercased: the form emails are stored and looked up in.
fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn validate_email(email: &str) -> Result<()> {
    if email.chars().count() > MAX_EMAIL_LENGTH {
        return Err(Error::invalid(
            "email",
            format!("must be at most {MAX_EMAIL_LENGTH} characters"),
        ));
    }
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if !well_formed {
        return Err(Error::invalid(
            "email",
            "must have exactly one `@` with text before and after it",
        ));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            "email",
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

fn validate_display_name(display_name: &str) -> Result<()> {
    let length = display_name.chars().count();
    if display_name.trim().is_empty() || length > MAX_DISPLAY_NAME_LENGTH {
        return Err(Error::invalid(
            "displayName",
            format!("must be 1 to {MAX_DISPLAY_NAME_LENGTH} characters and not blank"),
        ));
    }
    if display_name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "displayName",
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<()> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_LENGTH..=MAX_PASSWORD_LENGTH).contains(&length) {
        return Err(Error::invalid(
            "password",
            format!(
                "must be at least {MIN_PASSWORD_LENGTH} and at most {MAX_PASSWORD_LENGTH} characters long"
            ),
        ));
    }
    Ok(())
}

fn argon2id() -> Result<Argon2<'static>> {
    let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, None)
        .map_err(|error| Error::Internal(format!("argon2 parameters are invalid: {error}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` under a fresh random salt.
fn hash_password_blocking(password: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = random_bytes()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|error| Error::Internal(format!("password salt does not encode: {error}")))?;
    let hash = argon2id()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| Error::Internal(format!("password does not hash: {error}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (with the cost stored in it).
fn password_matches_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    match argon2id() {
        Ok(hasher) => hasher.verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Runs hashing work on the blocking pool, at most [`CONCURRENT_HASHES`] at a time. The
/// permit moves into the task, so a caller that gives up does not let more hashes run.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let permit = HASHING_PERMITS
        .acquire()
        .await
        .map_err(|error| Error::Internal(format!("password hashing is closed: {error}")))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|error| Error::Internal(format!("password hashing task failed: {error}")))
}

async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    off_runtime(move || hash_password_blocking(&password)).await?
}

fn first_user(rows: &[Row], query: &Query) -> Result<User> {
    let row = rows
        .first()
        .ok_or_else(|| Error::Internal(format!("{} returned no row", query.name)))?;
    user_from_row(row)
}

fn user_not_found(id: &UserId) -> Error {
    Error::NotFound {
        entity: "user",
        id: id.to_string(),
    }
}

impl Graph {
    /// How many users exist (erased ones included).
    pub async fn count_users(&self) -> Result<i64> {
        let rows = self
            .executor
            .execute(&queries::AUTH_USER_COUNT, Params::new())
            .await?;
        match rows.first() {
            Some(row) => row.int("count"),
            None => Ok(0),
        }
    }

    /// Creates a user: the email is normalised and must be free, the password long enough.
    #[instrument(skip_all)]
    pub async fn create_user(&self, new: NewUser) -> Result<User> {
        let email = normalise_email(&new.email);
        validate_email(&email)?;
        validate_display_name(&new.display_name)?;
        validate_password(&new.password)?;
        // Hash before taking the write lock: it is the slow part and reads nothing.
        let password_hash = hash_password(&new.password).await?;
        let _gate = self.write_lock.acquire().await?;
        if self.find_user_by_email(&email).await?.is_some() {
            return Err(Error::conflict("email", "a user with this email already exists"));
        }
        let params = Params::new()
            .with("id", UserId::generate().as_str())
            .with("email", email)
            .with("display_name", new.display_name)
            .with("password_hash", password_hash)
            .with("created_at", timestamp(now()))
            .with("site_admin", new.site_admin);
        let rows = self.executor.execute(&queries::AUTH_USER_CREATE, params).await?;
        first_user(&rows, &queries::AUTH_USER_CREATE)
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let rows = self
            .executor
            .execute(&queries::AUTH_USER_BY_EMAIL, Params::new().with("email", email))
            .await?;
        rows.first().map(user_from_row).transpose()
    }

    /// The user with this id (erased users too: their record stays, pseudonymous).
    pub async fn user(&self, id: &UserId) -> Result<User> {
        let rows = self
            .executor
            .execute(&queries::AUTH_USER_BY_ID, Params::new().with("id", id.as_str()))
            .await?;
        match rows.first() {
            Some(row) => user_from_row(row),
            None => Err(user_not_found(id)),
        }
    }

    /// Every user, by email.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = self
            .executor
            .execute(&queries::AUTH_USER_LIST, Params::new())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user when `password` is theirs and they may sign in; `None` for an unknown email,
    /// a wrong password, a disabled or an erased user. Every case runs one argon2id
    /// verification of the same cost, so their timing does not tell them apart.
    #[instrument(skip_all)]
    pub async fn verify_password(&self, email: &str, password: &str) -> Result<Option<User>> {
        let rows = self
            .executor
            .execute(
                &queries::AUTH_USER_CREDENTIALS,
                Params::new().with("email", normalise_email(email)),
            )
            .await?;
        let mut candidate = None;
        let mut stored_hash = None;
        if let Some(row) = rows.first() {
            let may_sign_in = !bool_column(row, "erased")? && !bool_column(row, "disabled")?;
            stored_hash = row.opt_string("password_hash")?.filter(|hash| !hash.is_empty());
            candidate = Some((user_from_row(row)?, may_sign_in));
        }
        let password = password.to_owned();
        let matches = off_runtime(move || match stored_hash {
            Some(stored) => password_matches_blocking(&password, &stored),
            None => {
                // The same work as a real check; its answer means nothing.
                password_matches_blocking(&password, DUMMY_PASSWORD_HASH);
                false
            }
        })
        .await?;
        Ok(match candidate {
            Some((user, true)) if matches => Some(user),
            _ => None,
        })
    }

    /// Sets a new password; every older access token and every refresh token stops working.
    #[instrument(skip_all, fields(user = %id))]
    pub async fn change_password(&self, id: &UserId, new_password: &str) -> Result<User> {
        validate_password(new_password)?;
        let password_hash = hash_password(new_password).await?;
        let statements = vec![
            Statement::new(
                &queries::AUTH_USER_SET_PASSWORD,
                Params::new()
                    .with("id", id.as_str())
                    .with("password_hash", password_hash),
            ),
            Statement::new(
                &queries::AUTH_REFRESH_REVOKE_USER,
                Params::new().with("user_id", id.as_str()),
            ),
        ];
        self.user_from_batch(id, statements).await
    }

    /// Disables or enables a user (an erased user stays disabled). Either way older access
    /// tokens stop working; disabling also ends every session (refresh token).
    #[instrument(skip_all, fields(user = %id, disabled))]
    pub async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> Result<User> {
        let mut statements = vec![Statement::new(
            &queries::AUTH_USER_SET_DISABLED,
            Params::new().with("id", id.as_str()).with("disabled", disabled),
        )];
        if disabled {
            statements.push(Statement::new(
                &queries::AUTH_REFRESH_REVOKE_USER,
                Params::new().with("user_id", id.as_str()),
            ));
        }
        self.user_from_batch(id, statements).await
    }

    /// Makes a user site admin or takes it away.
    #[instrument(skip_all, fields(user = %id, site_admin))]
    pub async fn set_site_admin(&self, id: &UserId, site_admin: bool) -> Result<User> {
        let rows = self
            .executor
            .execute(
                &queries::AUTH_USER_SET_SITE_ADMIN,
                Params::new()
                    .with("id", id.as_str())
                    .with("site_admin", site_admin),
            )
            .await?;
        match rows.first() {
            Some(row) => user_from_row(row),
            None => Err(user_not_found(id)),
        }
    }

    /// Runs `statements` atomically; the first one returns the user (none: not found).
    async fn user_from_batch(&self, id: &UserId, statements: Vec<Statement>) -> Result<User> {
        let results = self.executor.execute_atomic(statements).await?;
        match results.first().and_then(|rows| rows.first()) {
            Some(row) => user_from_row(row),
            None => Err(user_not_found(id)),
        }
    }

    /// Everything stored about one user (GDPR export): their own fields (not the password
    /// hash), team memberships, project role overrides, API tokens (no secrets) and the
    /// audit records they are the actor of. Nothing about anyone else.
    #[instrument(skip_all, fields(user = %id))]
    pub async fn export_user(&self, id: &UserId) -> Result<serde_json::Value> {
        let user = self.user(id).await?;
        let memberships = self.user_memberships(id).await?;
        let overrides = self
            .executor
            .execute(
                &queries::AUTH_USER_PROJECT_OVERRIDES,
                Params::new().with("user_id", id.as_str()),
            )
            .await?;
        let tokens = self.api_tokens(id).await?;
        let audit_rows = self
            .executor
            .execute(
                &queries::AUDIT_ALL_BY_ACTOR,
                Params::new().with("actor", id.as_str()),
            )
            .await?;

        let memberships: Vec<_> = memberships
            .iter()
            .map(|membership| json!({"team": membership.team.name, "role": membership.role.as_str()}))
            .collect();
        let project_roles = overrides
            .iter()
            .map(|row| Ok(json!({"project": row.string("project_name")?, "role": role_column(row, "role")?.as_str()})))
            .collect::<Result<Vec<_>>>()?;
        let api_tokens: Vec<_> = tokens
            .iter()
            .map(|token| {
                json!({
                    "id": token.id,
                    "name": token.name,
                    "role": token.role.as_str(),
                    "projects": token.projects.as_ref().map(|ids| ids.iter().map(|id| id.as_str()).collect::<Vec<_>>()),
                    "createdAt": timestamp(token.created_at),
                    "lastUsedAt": token.last_used_at.map(timestamp),
                    "revoked": token.revoked,
                })
            })
            .collect();
        let audit_entries = audit_rows
            .iter()
            .map(|row| {
                let entry = audit_entry_from_row(row)?;
                Ok(json!({
                    "id": entry.id,
                    "action": entry.action,
                    "target": entry.target,
                    "outcome": entry.outcome,
                    "summary": entry.summary,
                    "at": timestamp(entry.at),
                    "requestId": entry.request_id,
                    "client": entry.client,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(json!({
            "user": {
                "id": user.id.as_str(),
                "email": user.email,
                "displayName": user.display_name,
                "createdAt": timestamp(user.created_at),
                "disabled": user.disabled,
                "siteAdmin": user.site_admin,
            },
            "memberships": memberships,
            "projectRoles": project_roles,
            "apiTokens": api_tokens,
            "auditEntries": audit_entries,
        }))
    }

    /// Erases a user's personal data (GDPR): memberships, role overrides, API and refresh
    /// tokens go; email, name and password hash are replaced, and the record stays disabled
    /// and marked erased. Audit records keep the bare id, which is now a pseudonym.
    #[instrument(skip_all, fields(user = %id))]
    pub async fn erase_user(&self, id: &UserId) -> Result<()> {
        let by_id = Params::new().with("id", id.as_str());
        let by_user = Params::new().with("user_id", id.as_str());
        let statements = vec![
            Statement::new(
                &queries::AUTH_USER_ERASE,
                by_id.clone().with("email", format!("erased-{id}@erased.invalid")),
            ),
            Statement::new(&queries::AUTH_USER_DETACH, by_id),
            Statement::new(&queries::AUTH_API_TOKEN_DELETE_USER, by_user.clone()),
            Statement::new(&queries::AUTH_REFRESH_DELETE_USER, by_user),
        ];
        self.user_from_batch(id, statements).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_one_at_sign_with_text_on_both_sides() {
        assert!(validate_email("ada@example.org").is_ok());
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "a@b@c",
            "a da@example.org",
            &format!("{}@x.org", "a".repeat(250)),
        ] {
            let error = validate_email(bad).expect_err(bad);
            assert!(error.to_string().starts_with("email:"), "{error}");
        }
        assert_eq!(normalise_email("  Ada@Example.ORG "), "ada@example.org");
    }

    #[test]
    fn passwords_need_twelve_to_1024_characters() {
        assert!(validate_password("twelve chars").is_ok());
        assert!(validate_password(&"é".repeat(1024)).is_ok());
        for bad in ["short", "eleven char", &"x".repeat(1025)] {
            let error = validate_password(bad).expect_err(bad);
            assert!(error.to_string().contains("at least 12"), "{error}");
        }
    }

    #[test]
    fn display_names_are_short_printable_and_not_blank() {
        assert!(validate_display_name("Ada Lovelace").is_ok());
        for bad in ["", "   ", "a\u{7}b", &"a".repeat(101)] {
            let error = validate_display_name(bad).expect_err(bad);
            assert!(error.to_string().starts_with("displayName:"), "{error}");
        }
    }

    #[test]
    fn only_the_sign_in_queries_return_a_password_or_token_hash() {
        let readers: Vec<_> = queries::ALL
            .iter()
            .filter(|query| query.text.contains("password_hash AS") || query.text.contains("secret_hash AS"))
            .map(|query| query.name)
            .collect();
        assert_eq!(
            readers,
            [
                "auth/user_credentials",
                "auth/api_token_credentials",
                "auth/refresh_by_id"
            ]
        );
    }

    #[test]
    fn hashes_verify_and_the_dummy_hash_costs_what_real_ones_cost() {
        let hash = hash_password_blocking("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(password_matches_blocking("correct horse battery", &hash));
        assert!(!password_matches_blocking("wrong horse battery", &hash));
        let dummy = PasswordHash::new(DUMMY_PASSWORD_HASH).expect("the dummy hash parses");
        let real = PasswordHash::new(&hash).expect("a real hash parses");
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            dummy.hash.map(|output| output.len()),
            real.hash.map(|output| output.len())
        );
    }
}
