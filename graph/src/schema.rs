//! Schema bootstrap and versioned migrations.
//!
//! The graph records the version it was migrated to in `(:Meta {key: 'schema'})`.
//! Each migration lists the indexes it needs (created through the engine's own
//! DDL, the only per-engine part) and the data statements it runs; opening a graph
//! applies every migration above the recorded version, in order, exactly once.

use tracing::info;

use crate::error::{Error, Result};
use crate::executor::{Executor, IndexSpec, Statement};
use crate::queries;
use crate::value::Params;

/// One step of the schema's history. Never edit a released step: add a new one.
#[derive(Debug)]
pub struct Migration {
    /// The version this step brings the graph to (1, 2, …, without gaps).
    pub version: i64,
    /// What it does, for the log.
    pub description: &'static str,
    /// Indexes it adds.
    pub indexes: &'static [IndexSpec],
    /// Data statements it runs, atomically with recording its version.
    pub statements: fn() -> Vec<Statement>,
}

const fn index(label: &'static str, property: &'static str) -> IndexSpec {
    IndexSpec {
        label,
        property,
        unique: false,
    }
}

/// An index whose values are unique (ids and keys): a constraint on server engines.
const fn unique(label: &'static str, property: &'static str) -> IndexSpec {
    IndexSpec {
        label,
        property,
        unique: true,
    }
}

/// The schema's history, oldest first.
pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "indexes for projects, experiments, features and schema metadata",
        indexes: &[
            unique("Meta", "key"),
            unique("Project", "id"),
            unique("Project", "name"),
            unique("Experiment", "id"),
            unique("Experiment", "key"),
            index("Experiment", "project_id"),
            unique("Feature", "key"),
        ],
        statements: Vec::new,
    },
    Migration {
        version: 2,
        description: "indexes for background job records",
        indexes: &[
            unique("Job", "id"),
            index("Job", "status"),
            index("Job", "dedupe_key"),
        ],
        statements: Vec::new,
    },
    Migration {
        version: 3,
        description: "indexes for users, teams, API and refresh tokens and the audit log",
        indexes: &[
            unique("User", "id"),
            unique("User", "email"),
            unique("Team", "id"),
            unique("Team", "name"),
            unique("ApiToken", "id"),
            index("ApiToken", "user_id"),
            unique("RefreshToken", "id"),
            index("RefreshToken", "family"),
            index("RefreshToken", "user_id"),
            unique("AuditEntry", "id"),
            index("AuditEntry", "actor"),
            index("AuditEntry", "at"),
        ],
        statements: Vec::new,
    },
    Migration {
        version: 4,
        description: "indexes for metric configuration and the metric chunk manifest",
        indexes: &[
            unique("Metric", "key"),
            index("Metric", "project_id"),
            unique("MetricChunk", "key"),
            index("MetricChunk", "experiment_id"),
        ],
        statements: Vec::new,
    },
    Migration {
        version: 5,
        description: "index for finding the chunks stored as a blob (blob garbage collection)",
        indexes: &[index("MetricChunk", "digest")],
        statements: Vec::new,
    },
    Migration {
        version: 6,
        description: "indexes for experiment files (contents by hash) and capture policies",
        indexes: &[
            unique("Artifact", "hash"),
            unique("CapturePolicy", "key"),
            index("CapturePolicy", "project_id"),
        ],
        statements: Vec::new,
    },
    Migration {
        version: 7,
        description: "index for code snapshots by experiment",
        indexes: &[unique("CodeSnapshot", "experiment_id")],
        statements: Vec::new,
    },
    Migration {
        version: 8,
        description: "indexes for hypotheses by id and by project",
        indexes: &[unique("Hypothesis", "id"), index("Hypothesis", "project_id")],
        statements: Vec::new,
    },
    Migration {
        version: 9,
        description: "linked experiment numbers cached on hypotheses (evidence reads them)",
        indexes: &[],
        statements: || {
            vec![Statement::new(
                &queries::HYPOTHESIS_BACKFILL_LINKED_NUMBERS,
                Params::new(),
            )]
        },
    },
    Migration {
        version: 10,
        description:
            "index for finding the chunks whose overview is stored as a blob (blob garbage collection)",
        indexes: &[index("MetricChunk", "overview_digest")],
        statements: Vec::new,
    },
    Migration {
        version: 11,
        description: "index for finding the contents stored as a blob (blob garbage collection)",
        indexes: &[index("Artifact", "blob")],
        statements: Vec::new,
    },
    Migration {
        version: 12,
        description: "index of the live chunks of each experiment (chunk lists skip compacted ones)",
        indexes: &[index("MetricChunk", "live_in")],
        statements: || vec![Statement::new(&queries::METRIC_BACKFILL_LIVE_IN, Params::new())],
    },
    Migration {
        version: 13,
        description: "chunk counters on each experiment (recording a chunk reads no other chunk)",
        indexes: &[],
        statements: || {
            vec![Statement::new(
                &queries::METRIC_BACKFILL_CHUNK_COUNTERS,
                Params::new(),
            )]
        },
    },
];

/// The version a fully migrated graph has.
pub fn current_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// Brings the graph up to [`current_version`]; refuses a graph newer than this build.
pub async fn migrate(executor: &dyn Executor) -> Result<()> {
    let rows = executor.execute(&queries::SCHEMA_VERSION, Params::new()).await?;
    let stored = match rows.first() {
        Some(row) => row.int("version")?,
        None => 0,
    };
    if stored > current_version() {
        return Err(Error::Unavailable(format!(
            "the graph was written by a newer rsdk (schema {stored}, this build knows {}); upgrade rsdk",
            current_version()
        )));
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > stored) {
        info!(
            version = migration.version,
            description = migration.description,
            "migrating graph schema"
        );
        for index in migration.indexes {
            executor.ensure_index(*index).await?;
        }
        let mut statements = (migration.statements)();
        statements.push(Statement::new(
            &queries::SET_SCHEMA_VERSION,
            Params::new().with("version", migration.version),
        ));
        executor.execute_atomic(statements).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_count_up_from_one_without_gaps() {
        for (position, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, position as i64 + 1);
        }
    }
}
