//! Failpoints: named places on the write paths (every blob write, fsync, rename and delete,
//! every graph commit) where a test can make the server die, so that "a write lands whole or
//! not at all, wherever the process dies" is tested at each of them rather than at random
//! moments.
//!
//! A point is hit as `point` with a detail (the named query a commit writes, for example), and
//! is named `point:detail` (or `point` when the detail is empty). Two settings, for tests only
//! (`RSDK_FAILPOINT_TRACE` and `RSDK_CRASH_AT`, read into the server's config and installed
//! once at start):
//! - the trace appends every hit's name to a file, one per line, so a test learns which points
//!   an operation passes;
//! - `crash_at` (`name#k`) aborts the process at the k-th hit of `name` — a crash at exactly
//!   that point: no destructor, no flush, like SIGKILL.
//!
//! With neither set (production), a hit costs one atomic load.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// A blob's temporary file is fully written, not yet synced.
pub const BLOB_WRITTEN: &str = "blob.written";
/// A blob's temporary file is synced, not yet renamed into place.
pub const BLOB_SYNCED: &str = "blob.synced";
/// A blob is renamed into place, its directory not yet synced.
pub const BLOB_RENAMED: &str = "blob.renamed";
/// A blob is removed (its directory not synced).
pub const BLOB_DELETED: &str = "blob.deleted";
/// A graph write is about to commit (detail: the named query).
pub const GRAPH_COMMIT: &str = "graph.commit";
/// A graph write has committed, the caller not yet told (detail: the named query).
pub const GRAPH_COMMITTED: &str = "graph.committed";

/// Every point, for tests that check a sweep covers them all.
pub const POINTS: &[&str] = &[
    BLOB_WRITTEN,
    BLOB_SYNCED,
    BLOB_RENAMED,
    BLOB_DELETED,
    GRAPH_COMMIT,
    GRAPH_COMMITTED,
];

/// What the failpoints do in this process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// File that every hit's name is appended to.
    pub trace: Option<std::path::PathBuf>,
    /// `name#k`: abort at the k-th hit of `name` (`name` alone means the first).
    pub crash_at: Option<String>,
}

struct Armed {
    trace: Option<Mutex<File>>,
    crash: Option<(String, u64)>,
    hits: AtomicU64,
}

static ARMED: OnceLock<Armed> = OnceLock::new();

/// Arms the failpoints of this process (once; later calls change nothing). Nothing to arm is
/// a no-op, so hits stay a single load.
pub fn install(settings: &Settings) -> std::io::Result<()> {
    if settings.trace.is_none() && settings.crash_at.is_none() {
        return Ok(());
    }
    let trace = settings.trace.as_deref().map(open_trace).transpose()?;
    let crash = settings.crash_at.as_deref().map(parse_crash).transpose()?;
    let _ = ARMED.set(Armed {
        trace: trace.map(Mutex::new),
        crash,
        hits: AtomicU64::new(0),
    });
    Ok(())
}

fn open_trace(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn parse_crash(spec: &str) -> std::io::Result<(String, u64)> {
    let invalid = |reason: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("RSDK_CRASH_AT {spec:?}: {reason}; expected NAME or NAME#K, e.g. blob.synced#2"),
        )
    };
    let (name, count) = match spec.rsplit_once('#') {
        Some((name, count)) => (
            name,
            count.parse::<u64>().map_err(|_| invalid("K is not a number"))?,
        ),
        None => (spec, 1),
    };
    let point = name.split(':').next().unwrap_or_default();
    if !POINTS.contains(&point) {
        return Err(invalid(&format!(
            "unknown point {point:?} (known: {})",
            POINTS.join(", ")
        )));
    }
    if count == 0 {
        return Err(invalid("K counts from 1"));
    }
    Ok((name.to_owned(), count))
}

/// Passes the point `point` with `detail`: traced and, when it is the armed one, the process
/// aborts here.
pub fn hit(point: &'static str, detail: &str) {
    let Some(armed) = ARMED.get() else { return };
    let name = if detail.is_empty() {
        point.to_owned()
    } else {
        format!("{point}:{detail}")
    };
    if let Some(trace) = &armed.trace {
        let mut file = trace.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writeln!(file, "{name}");
    }
    if let Some((crash, at)) = &armed.crash {
        if *crash == name && armed.hits.fetch_add(1, Ordering::SeqCst) + 1 == *at {
            eprintln!("failpoint: crashing at {name}#{at}");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_spec_names_a_known_point_and_a_positive_count() {
        assert_eq!(
            parse_crash("blob.synced").expect("known"),
            ("blob.synced".to_owned(), 1)
        );
        assert_eq!(
            parse_crash("graph.commit:experiment/create#3").expect("known"),
            ("graph.commit:experiment/create".to_owned(), 3)
        );
        let unknown = parse_crash("disk.melted").expect_err("unknown").to_string();
        assert!(unknown.contains("unknown point \"disk.melted\""), "{unknown}");
        assert!(parse_crash("blob.synced#0")
            .expect_err("refused")
            .to_string()
            .contains("counts from 1"));
        assert!(parse_crash("blob.synced#x")
            .expect_err("refused")
            .to_string()
            .contains("not a number"));
    }
}
