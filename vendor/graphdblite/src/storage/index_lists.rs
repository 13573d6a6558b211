//! rsdk patch: the index lists of the write path, kept per database between schema changes.
//!
//! Every node write looks its labels' btree and fulltext indexes up; upstream reads them from
//! `sqlite_master` each time (a scan of the schema table with `LIKE` patterns, about 6 % of an
//! rsdk experiment creation's CPU), and the planner does the same for every label of a query.
//! `execute_cypher` publishes its database's lists for the statement ([`IndexListScope`]) and
//! the lookups keep their answers while this key holds:
//! - the database's schema epoch, bumped by every DDL attempt through it (so a rolled-back
//!   index creation of this connection cannot leave a list behind under a cookie it reuses),
//! - SQLite's schema cookie (`PRAGMA schema_version`, changed by every schema change),
//! - `PRAGMA data_version` (changed by every commit of another connection, so another
//!   process's DDL is seen even where the cookies of two schemas would coincide).
//!
//! Lookups outside a published scope (the typed transaction API's own writes, unit tests) read
//! `sqlite_master` as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

use super::fts::FtsIndexInfo;
use super::index::IndexInfo;
use crate::types::Result;

/// One database's index lists and the schema state they were read at.
#[derive(Default)]
pub(crate) struct IndexLists {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    key: Option<(u64, i64, i64)>,
    btree: HashMap<String, Vec<IndexInfo>>,
    fulltext: Option<Vec<FtsIndexInfo>>,
}

thread_local! {
    static CURRENT: RefCell<Option<(Arc<IndexLists>, u64)>> = const { RefCell::new(None) };
}

/// Publishes a database's lists (at its current schema epoch) to the lookups of one statement
/// on this thread; restores what was published before on drop (nested statements).
#[must_use = "the lists are only published while the scope is alive"]
pub(crate) struct IndexListScope {
    previous: Option<(Arc<IndexLists>, u64)>,
}

impl IndexListScope {
    pub(crate) fn enter(lists: &Arc<IndexLists>, schema_epoch: u64) -> Self {
        let previous = CURRENT.with(|current| current.replace(Some((Arc::clone(lists), schema_epoch))));
        Self { previous }
    }
}

impl Drop for IndexListScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// The btree indexes of `label`: kept, or listed by `list` and kept.
pub(crate) fn btree(
    conn: &Connection,
    label: &str,
    list: impl FnOnce() -> Result<Vec<IndexInfo>>,
) -> Result<Vec<IndexInfo>> {
    with_state(conn, |state| match state {
        None => list(),
        Some(state) => {
            if let Some(kept) = state.btree.get(label) {
                return Ok(kept.clone());
            }
            let listed = list()?;
            state.btree.insert(label.to_owned(), listed.clone());
            Ok(listed)
        }
    })
}

/// Every fulltext index: kept, or listed by `list` and kept.
pub(crate) fn fulltext(
    conn: &Connection,
    list: impl FnOnce() -> Result<Vec<FtsIndexInfo>>,
) -> Result<Vec<FtsIndexInfo>> {
    with_state(conn, |state| match state {
        None => list(),
        Some(state) => {
            if let Some(kept) = &state.fulltext {
                return Ok(kept.clone());
            }
            let listed = list()?;
            state.fulltext = Some(listed.clone());
            Ok(listed)
        }
    })
}

/// Runs `use_state` with the published lists, emptied first when the key no longer holds, or
/// with `None` when no statement published any.
fn with_state<T>(conn: &Connection, use_state: impl FnOnce(Option<&mut State>) -> Result<T>) -> Result<T> {
    let Some((lists, schema_epoch)) = CURRENT.with(|current| current.borrow().clone()) else {
        return use_state(None);
    };
    let key = (schema_epoch, pragma(conn, "PRAGMA schema_version")?, pragma(conn, "PRAGMA data_version")?);
    let mut state = lists.state.lock().unwrap_or_else(PoisonError::into_inner);
    if state.key != Some(key) {
        *state = State {
            key: Some(key),
            ..State::default()
        };
    }
    use_state(Some(&mut state))
}

fn pragma(conn: &Connection, sql: &str) -> Result<i64> {
    Ok(conn.prepare_cached(sql)?.query_row([], |row| row.get(0))?)
}
