use rusqlite::params;

use crate::types::Result;

/// Table names used in the KV schema.
pub const TABLE_NODES: &str = "nodes";
pub const TABLE_ADJ_OUT: &str = "adj_out";
pub const TABLE_ADJ_IN: &str = "adj_in";
pub const TABLE_EDGE_PROPS: &str = "edge_props";

/// Defense-in-depth check on the `table` argument before it is interpolated
/// into SQL and used as a `prepare_cached` key. All current callers pass
/// either one of the constants above or a name produced by
/// `index::index_table_name` / `index::composite_index_table_name` (which
/// already validate their components), so this is a belt-and-suspenders guard.
/// It (a) rejects unsafe identifiers if a future caller forgets to validate,
/// and (b) bounds the prepared-statement cache by the set of valid table names
/// instead of by ad-hoc inputs.
///
/// Index tables use `$` as a component separator and `^` to escape
/// uppercase letters (`node_idx$^label$prop1$prop2`, see `storage::naming`),
/// so both are explicitly allowed here in addition to the `[A-Za-z0-9_]` set
/// accepted by `validate_name`.
fn check_table(table: &str) -> Result<()> {
    if table.is_empty()
        || !table
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'^')
    {
        return Err(crate::types::GraphError::InvalidName {
            name: table.to_string(),
            hint: None,
        });
    }
    Ok(())
}

/// rsdk patch: the `get` and `put` SQL of the four fixed tables as constants, so that looking
/// up their prepared statements formats nothing (index tables, whose names vary, still do).
fn fixed_table_sql(table: &str) -> Option<[&'static str; 2]> {
    macro_rules! sql {
        ($table:literal) => {
            [
                concat!("SELECT value FROM \"", $table, "\" WHERE key = ?1"),
                concat!(
                    "INSERT OR REPLACE INTO \"",
                    $table,
                    "\" (key, value) VALUES (?1, ?2)"
                ),
            ]
        };
    }
    match table {
        TABLE_NODES => Some(sql!("nodes")),
        TABLE_ADJ_OUT => Some(sql!("adj_out")),
        TABLE_ADJ_IN => Some(sql!("adj_in")),
        TABLE_EDGE_PROPS => Some(sql!("edge_props")),
        _ => None,
    }
}

/// Get a value by key from a KV table. Returns None if not found.
pub fn get(conn: &rusqlite::Connection, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
    let result =
        select_statement(conn, table)?.query_row(params![key], |row| row.get::<_, Vec<u8>>(0));
    match result {
        Ok(value) => Ok(Some(value)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `read` of the value of `key` in a KV table, borrowed from SQLite's row rather than copied
/// out first (rsdk patch: a reader decoding a part of each of many node records copied every
/// record whole). `None` if not found.
pub fn read_with<T>(
    conn: &rusqlite::Connection,
    table: &str,
    key: &[u8],
    read: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<Option<T>> {
    let mut stmt = select_statement(conn, table)?;
    let mut rows = stmt.query(params![key])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let value = row.get_ref(0)?.as_blob().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(error))
    })?;
    read(value).map(Some)
}

/// The prepared `SELECT` of a value by key in `table`.
fn select_statement<'c>(
    conn: &'c rusqlite::Connection,
    table: &str,
) -> Result<rusqlite::CachedStatement<'c>> {
    Ok(match fixed_table_sql(table) {
        Some([select, _]) => conn.prepare_cached(select)?,
        None => {
            check_table(table)?;
            conn.prepare_cached(&format!("SELECT value FROM \"{table}\" WHERE key = ?1"))?
        }
    })
}

/// Put a key-value pair into a KV table (insert or replace).
pub fn put(conn: &rusqlite::Connection, table: &str, key: &[u8], value: &[u8]) -> Result<()> {
    let mut stmt = match fixed_table_sql(table) {
        Some([_, insert]) => conn.prepare_cached(insert)?,
        None => {
            check_table(table)?;
            let sql = format!("INSERT OR REPLACE INTO \"{table}\" (key, value) VALUES (?1, ?2)");
            conn.prepare_cached(&sql)?
        }
    };
    stmt.execute(params![key, value])?;
    Ok(())
}

/// Delete a key from a KV table. Returns true if a row was deleted.
pub fn delete(conn: &rusqlite::Connection, table: &str, key: &[u8]) -> Result<bool> {
    check_table(table)?;
    let sql = format!("DELETE FROM \"{table}\" WHERE key = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let count = stmt.execute(params![key])?;
    Ok(count > 0)
}

/// Scan all keys with a given prefix from a KV table.
/// Returns (key, value) pairs in key order.
pub fn scan_prefix(
    conn: &rusqlite::Connection,
    table: &str,
    prefix: &[u8],
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    check_table(table)?;
    // Prefix scan: key >= prefix AND key < prefix_upper_bound
    // Upper bound is prefix with last byte incremented (or extended with 0xFF).
    let upper = prefix_upper_bound(prefix);
    let sql = match &upper {
        Some(_) => {
            format!("SELECT key, value FROM \"{table}\" WHERE key >= ?1 AND key < ?2 ORDER BY key")
        }
        None => format!("SELECT key, value FROM \"{table}\" WHERE key >= ?1 ORDER BY key"),
    };

    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = match &upper {
        Some(ub) => {
            let mapped = stmt.query_map(params![prefix, ub], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
            })?;
            mapped.collect::<std::result::Result<Vec<_>, _>>()?
        }
        None => {
            let mapped = stmt.query_map(params![prefix], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
            })?;
            mapped.collect::<std::result::Result<Vec<_>, _>>()?
        }
    };
    Ok(rows)
}

/// Compute the exclusive upper bound for a prefix scan.
/// Increments the last non-0xFF byte. Returns None if prefix is all 0xFF.
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut upper = prefix.to_vec();
    while let Some(last) = upper.last_mut() {
        if *last < 0xFF {
            *last += 1;
            return Some(upper);
        }
        upper.pop();
    }
    None // prefix is all 0xFF or empty — scan to end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_tables_use_the_sql_other_tables_get_formatted() {
        for table in [TABLE_NODES, TABLE_ADJ_OUT, TABLE_ADJ_IN, TABLE_EDGE_PROPS] {
            let [select, insert] = fixed_table_sql(table).expect("a fixed table");
            assert_eq!(
                select,
                format!("SELECT value FROM \"{table}\" WHERE key = ?1")
            );
            assert_eq!(
                insert,
                format!("INSERT OR REPLACE INTO \"{table}\" (key, value) VALUES (?1, ?2)")
            );
        }
        assert_eq!(fixed_table_sql("node_idx$^person$name"), None);
    }

    #[test]
    fn test_prefix_upper_bound() {
        assert_eq!(prefix_upper_bound(b"\x00\x01"), Some(b"\x00\x02".to_vec()));
        assert_eq!(prefix_upper_bound(b"\xFF"), None);
        assert_eq!(prefix_upper_bound(b"\xFF\xFF"), None);
        assert_eq!(prefix_upper_bound(b"abc"), Some(b"abd".to_vec()));
        assert_eq!(prefix_upper_bound(b""), None);
    }
}
