//! The audit log: append-only records of who did what to what, from where.
//!
//! There is deliberately no method (and no query) that updates or deletes a record. An
//! actor is kept as the bare user id, so erasing the user turns it into a pseudonym.

use tracing::instrument;

use super::{now, parse_timestamp, timestamp, Graph};
use crate::error::{Error, Result};
use crate::executor::Statement;
use crate::ids::UserId;
use crate::model::{AuditEntry, AuditFilter, NewAuditEntry};
use crate::queries;
use crate::value::{Params, Row};

const MAX_ACTION_LENGTH: usize = 200;
const MAX_FIELD_LENGTH: usize = 10_000;

pub(super) fn audit_entry_from_row(row: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.string("id")?,
        actor: row.opt_string("actor")?.map(UserId),
        action: row.string("action")?,
        target: row.string("target")?,
        outcome: row.string("outcome")?,
        summary: row.string("summary")?,
        at: parse_timestamp("at", &row.string("at")?)?,
        request_id: row.string("request_id")?,
        client: row.string("client")?,
    })
}

fn validate_entry(entry: &NewAuditEntry) -> Result<()> {
    if entry.action.is_empty() || entry.action.len() > MAX_ACTION_LENGTH {
        return Err(Error::invalid(
            "action",
            format!("must be 1 to {MAX_ACTION_LENGTH} bytes"),
        ));
    }
    if !matches!(entry.outcome.as_str(), "ok" | "denied" | "error") {
        return Err(Error::invalid("outcome", "must be ok, denied or error"));
    }
    for (field, value) in [
        ("target", &entry.target),
        ("summary", &entry.summary),
        ("requestId", &entry.request_id),
        ("client", &entry.client),
    ] {
        if value.len() > MAX_FIELD_LENGTH {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_FIELD_LENGTH} bytes"),
            ));
        }
    }
    Ok(())
}

/// The statement that appends `entry`, stamped now, after validating it (also used by writes
/// that record their audit entry in their own batch).
pub(super) fn audit_statement(entry: NewAuditEntry) -> Result<Statement> {
    validate_entry(&entry)?;
    let params = Params::new()
        .with("id", uuid::Uuid::now_v7().to_string())
        .with("actor", entry.actor.map(|actor| actor.0))
        .with("action", entry.action)
        .with("target", entry.target)
        .with("outcome", entry.outcome)
        .with("summary", entry.summary)
        .with("at", timestamp(now()))
        .with("request_id", entry.request_id)
        .with("client", entry.client);
    Ok(Statement::new(&queries::AUDIT_APPEND, params))
}

impl Graph {
    /// Appends one audit record, stamped now.
    #[instrument(skip_all, fields(action = %entry.action, outcome = %entry.outcome))]
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        let statement = audit_statement(entry)?;
        let rows = self.executor.execute(statement.query, statement.params).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal("audit/append returned no row".into()))?;
        audit_entry_from_row(row)
    }

    /// Audit records matching `filter`, newest first, at most `filter.first` (1 to 1,000).
    pub async fn audit_log(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        super::check_page_size("first", filter.first)?;
        let params = Params::new()
            .with("action", filter.action)
            .with("since", filter.since.map(timestamp))
            .with("until", filter.until.map(timestamp))
            .with("first", filter.first);
        let rows = match filter.actor {
            // One actor's records come through the actor index, not a scan of the log.
            Some(actor) => {
                self.executor
                    .execute(&queries::AUDIT_BY_ACTOR, params.with("actor", actor.0))
                    .await?
            }
            None => self.executor.execute(&queries::AUDIT_LIST, params).await?,
        };
        rows.iter().map(audit_entry_from_row).collect()
    }

    /// How many audit records name `actor` (it stays the same when the user is erased).
    pub async fn count_audit_by_actor(&self, actor: &UserId) -> Result<i64> {
        let rows = self
            .executor
            .execute(
                &queries::AUDIT_COUNT_BY_ACTOR,
                Params::new().with("actor", actor.as_str()),
            )
            .await?;
        match rows.first() {
            Some(row) => row.int("count"),
            None => Ok(0),
        }
    }
}
