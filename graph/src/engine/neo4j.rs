//! The Neo4j engine: named Cypher over Bolt (neo4rs), the production scale-out engine.
//!
//! A [`Neo4jEngine`] owns neo4rs's connection pool. Every call runs in an explicit
//! transaction (`BEGIN` … `COMMIT`), so `execute` and `execute_atomic` share one path.
//! Transient failures (`Neo.TransientError.*`, a dropped or refused connection) are retried
//! with bounded exponential backoff ([`RetryPolicy`]); a write whose `COMMIT` was cut off is
//! never retried, because it may have landed. neo4rs's own retrying `Graph::execute` is not
//! used: it retries for up to a minute, which would make a dead server look like a hang.
//!
//! The url is `neo4j://USER:PASSWORD@HOST[:PORT][/DATABASE][?pool_size=N]` (or `bolt://`,
//! and `+s`/`+ssc` for TLS). The connection is direct to one server: neo4rs's cluster routing
//! is still experimental, so `neo4j://` is treated like `bolt://`. The password never appears
//! in `Debug`, in `Display` or in an error message.

mod url;
mod values;

pub use url::Neo4jUrl;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use async_trait::async_trait;
use neo4rs::{BoltMap, Neo4jClientErrorKind, Neo4jErrorKind};
use tracing::warn;

use crate::error::{Error, Result};
use crate::executor::{Executor, IndexSpec, Statement};
use crate::queries::Query;
use crate::value::{Params, Row};
use url::FIELD;
use values::{from_bolt_row, to_bolt_params};

/// Neo4j's code for a violated uniqueness or existence constraint.
const CONSTRAINT_VIOLATION: &str = "Neo.ClientError.Schema.ConstraintValidationFailed";

/// How transient failures are retried: attempt `n` (from 0) waits about
/// `initial_delay * 2^n`, capped at `max_delay`, with jitter so replicas spread out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second try.
    pub initial_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Five tries over roughly 0.75 s: enough for a deadlock or a leader switch, short
    /// enough that a request against a dead server fails while the caller still waits.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (0-based): between half and all of the capped
    /// exponential delay.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.max_delay);
        let half = exponential / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = match spread {
            0 => 0,
            spread => random_u64() % spread,
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number from the standard library's per-process hash keys: enough for jitter.
fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// Tunables of [`Neo4jEngine::connect_with`]; [`Default`] suits one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neo4jOptions {
    /// Most time the start-up check may take before the server counts as unreachable.
    pub connect_timeout: Duration,
    /// Most time to wait for any one server response (neo4rs applies it to connecting and to
    /// every read, so a long traversal must answer within it).
    pub response_timeout: Duration,
    /// Retry of transient failures.
    pub retry: RetryPolicy,
}

impl Default for Neo4jOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
        }
    }
}

/// Neo4j over Bolt, with a connection pool and retry of transient failures.
pub struct Neo4jEngine {
    graph: neo4rs::Graph,
    url: Neo4jUrl,
    options: Neo4jOptions,
}

impl std::fmt::Debug for Neo4jEngine {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Neo4jEngine")
            .field("url", &self.url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Neo4jEngine {
    /// Parses `url` (see [`Neo4jUrl::parse`]) and connects with default options.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(Neo4jUrl::parse(url)?, Neo4jOptions::default()).await
    }

    /// Builds the pool and checks the server answers (`RETURN 1`), so a wrong address or
    /// password fails start-up with [`Error::Unavailable`] naming the url, never the password.
    pub async fn connect_with(url: Neo4jUrl, options: Neo4jOptions) -> Result<Self> {
        let mut config = neo4rs::ConfigBuilder::new()
            .uri(url.driver_uri())
            .user(url.user.clone())
            .password(url.password())
            .max_connections(url.pool_size)
            .connection_timeout(options.response_timeout);
        if let Some(database) = &url.database {
            config = config.db(database.as_str());
        }
        let config = config
            .build()
            .map_err(|error| Error::invalid(FIELD, format!("neo4j at {url}: {error}")))?;
        let graph = neo4rs::Graph::connect(config)
            .map_err(|error| Error::Unavailable(format!("cannot set up neo4j at {url}: {error}")))?;
        let engine = Self { graph, url, options };
        engine.check_reachable().await?;
        Ok(engine)
    }

    /// The server this engine talks to (without the password).
    pub fn url(&self) -> &Neo4jUrl {
        &self.url
    }

    async fn check_reachable(&self) -> Result<()> {
        let probe = async {
            let mut transaction = self.graph.start_txn().await?;
            let mut stream = transaction.execute(neo4rs::query("RETURN 1 AS ok")).await?;
            while stream.next(transaction.handle()).await?.is_some() {}
            transaction.commit().await
        };
        let unreachable =
            |reason: String| Error::Unavailable(format!("cannot reach neo4j at {}: {reason}", self.url));
        match tokio::time::timeout(self.options.connect_timeout, probe).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(unreachable(describe(&error))),
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                self.options.connect_timeout.as_secs_f32()
            ))),
        }
    }

    /// Runs `statements` in one transaction, retrying the whole transaction on transient
    /// failures; `writes` says whether a commit cut off mid-way may have changed data.
    async fn run_transaction(
        &self,
        statements: Vec<PreparedStatement>,
        writes: bool,
    ) -> Result<Vec<Vec<Row>>> {
        let max_attempts = self.options.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            let (phase, error) = match self.try_transaction(&statements).await {
                Ok(results) => return Ok(results),
                Err(Failure::Domain(error)) => return Err(error),
                Err(Failure::Engine { phase, error }) => (phase, error),
            };
            let class = classify(&error);
            let outcome_unknown = writes && phase == Phase::Commit && class == ErrorClass::Connection;
            let retryable =
                matches!(class, ErrorClass::Transient | ErrorClass::Connection) && !outcome_unknown;
            if !retryable || attempt + 1 >= max_attempts {
                return Err(self.to_error(class, phase, &statements, &error, outcome_unknown, attempt + 1));
            }
            let delay = self.options.retry.delay(attempt);
            warn!(
                engine = "neo4j",
                query = phase.query_name(&statements),
                attempt = attempt + 1,
                delay_ms = delay.as_millis() as u64,
                error = %describe(&error),
                "transient neo4j failure, retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn try_transaction(&self, statements: &[PreparedStatement]) -> Result<Vec<Vec<Row>>, Failure> {
        let begin_failed = |error| Failure::Engine {
            phase: Phase::Begin,
            error,
        };
        let mut transaction = self.graph.start_txn().await.map_err(begin_failed)?;
        let mut results = Vec::with_capacity(statements.len());
        for (index, statement) in statements.iter().enumerate() {
            match run_statement(&mut transaction, index, statement).await {
                Ok(rows) => results.push(rows),
                Err(failure) => {
                    // A failed statement has already ended the transaction on the server; the
                    // explicit rollback covers a conversion error (the pool resets it anyway).
                    let _ = transaction.rollback().await;
                    return Err(failure);
                }
            }
        }
        transaction.commit().await.map_err(|error| Failure::Engine {
            phase: Phase::Commit,
            error,
        })?;
        Ok(results)
    }

    fn to_error(
        &self,
        class: ErrorClass,
        phase: Phase,
        statements: &[PreparedStatement],
        error: &neo4rs::Error,
        outcome_unknown: bool,
        attempts: u32,
    ) -> Error {
        let query = phase.query_name(statements);
        let url = &self.url;
        let reason = describe(error);
        match class {
            _ if outcome_unknown => Error::Unavailable(format!(
                "lost the connection to neo4j at {url} while committing {query}; the write may or may not have landed: {reason}"
            )),
            ErrorClass::Transient => Error::Unavailable(format!(
                "neo4j at {url} is busy running {query} (gave up after {attempts} attempts): {reason}"
            )),
            ErrorClass::Connection => Error::Unavailable(format!(
                "cannot reach neo4j at {url} running {query} (gave up after {attempts} attempts): {reason}"
            )),
            ErrorClass::Refused => {
                Error::Unavailable(format!("neo4j at {url} refused user `{}`: {reason}", url.user))
            }
            ErrorClass::Constraint => constraint_conflict(error),
            ErrorClass::Other => Error::Internal(format!("query {query} failed on neo4j: {reason}")),
        }
    }
}

/// A statement with its parameters already in Bolt form (converted once, reused by retries).
struct PreparedStatement {
    query: &'static Query,
    params: BoltMap,
}

impl PreparedStatement {
    fn new(query: &'static Query, params: Params) -> Self {
        Self {
            query,
            params: to_bolt_params(params),
        }
    }
}

async fn run_statement(
    transaction: &mut neo4rs::Txn,
    index: usize,
    statement: &PreparedStatement,
) -> Result<Vec<Row>, Failure> {
    let engine_failed = |error| Failure::Engine {
        phase: Phase::Statement(index),
        error,
    };
    let query = neo4rs::Query::new(statement.query.text.to_owned()).with_params(statement.params.clone());
    let mut stream = transaction.execute(query).await.map_err(engine_failed)?;
    let mut rows = Vec::new();
    while let Some(row) = stream.next(transaction.handle()).await.map_err(engine_failed)? {
        rows.push(from_bolt_row(&row).map_err(Failure::Domain)?);
    }
    Ok(rows)
}

/// Where in a transaction a driver error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Begin,
    /// The statement at this index of the batch.
    Statement(usize),
    Commit,
}

impl Phase {
    fn query_name(self, statements: &[PreparedStatement]) -> &'static str {
        let index = match self {
            Phase::Statement(index) => index,
            Phase::Begin | Phase::Commit => 0,
        };
        statements
            .get(index)
            .map_or("an empty batch", |statement| statement.query.name)
    }
}

enum Failure {
    /// The driver or the server failed.
    Engine { phase: Phase, error: neo4rs::Error },
    /// A result could not be converted: not retryable.
    Domain(Error),
}

/// What a caller can do about a driver error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorClass {
    /// Neo4j said try again (deadlock, leader switch, memory pressure); nothing was committed.
    Transient,
    /// The connection was refused, dropped or timed out.
    Connection,
    /// The credentials or the permissions were refused.
    Refused,
    /// A uniqueness or existence constraint was violated.
    Constraint,
    /// A Cypher error or a bug: retrying cannot help.
    Other,
}

fn classify(error: &neo4rs::Error) -> ErrorClass {
    match error {
        neo4rs::Error::Neo4j(server) => match server.kind() {
            Neo4jErrorKind::Transient | Neo4jErrorKind::Client(Neo4jClientErrorKind::SessionExpired) => {
                ErrorClass::Transient
            }
            Neo4jErrorKind::Client(Neo4jClientErrorKind::Security(_)) => ErrorClass::Refused,
            _ if server.code() == CONSTRAINT_VIOLATION => ErrorClass::Constraint,
            _ => ErrorClass::Other,
        },
        neo4rs::Error::IOError { .. }
        | neo4rs::Error::ConnectionError
        | neo4rs::Error::ConnectionTimedOut
        | neo4rs::Error::IncompleteBoltExchange
        | neo4rs::Error::RequestIgnoredError
        | neo4rs::Error::ServerUnavailableError(_) => ErrorClass::Connection,
        neo4rs::Error::AuthenticationError(_) => ErrorClass::Refused,
        _ => ErrorClass::Other,
    }
}

/// A driver error in words, with the server's code when it sent one.
fn describe(error: &neo4rs::Error) -> String {
    match error {
        neo4rs::Error::Neo4j(server) => format!("{}: {}", server.code(), server.message()),
        neo4rs::Error::IOError { detail } => format!("i/o error: {detail}"),
        other => other.to_string(),
    }
}

/// Neo4j says e.g. "Node(7) already exists with label `Project` and property `name` = 'a'":
/// the property is the field the caller got wrong.
fn constraint_conflict(error: &neo4rs::Error) -> Error {
    let message = match error {
        neo4rs::Error::Neo4j(server) => server.message().to_owned(),
        other => other.to_string(),
    };
    let quoted_after = |marker: &str| {
        let start = message.find(marker)? + marker.len();
        let end = message[start..].find('`')? + start;
        Some(message[start..end].to_owned())
    };
    match (quoted_after("label `"), quoted_after("property `")) {
        (Some(label), Some(property)) => Error::conflict(
            property.clone(),
            format!("a {label} with this {property} already exists"),
        ),
        _ => Error::conflict(FIELD, message),
    }
}

/// Only identifiers reach the schema statement; they come from the static
/// [`IndexSpec`]s of [`crate::schema`], never from users, and are checked anyway.
fn checked_identifier(name: &str) -> Result<&str> {
    let mut characters = name.chars();
    let valid_start = characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    if valid_start && characters.all(|rest| rest.is_ascii_alphanumeric() || rest == '_') {
        Ok(name)
    } else {
        Err(Error::Internal(format!(
            "`{name}` is not a plain identifier for a neo4j index"
        )))
    }
}

/// `CREATE INDEX … IF NOT EXISTS`: Neo4j 5 syntax, named `rsdk_<label>_<property>`.
fn index_statement(index: IndexSpec) -> Result<String> {
    let label = checked_identifier(index.label)?;
    let property = checked_identifier(index.property)?;
    // A uniqueness constraint brings its own index (Neo4j refuses both on one property).
    Ok(if index.unique {
        format!(
            "CREATE CONSTRAINT rsdk_{label}_{property}_unique IF NOT EXISTS \
             FOR (n:`{label}`) REQUIRE n.`{property}` IS UNIQUE"
        )
    } else {
        format!("CREATE INDEX rsdk_{label}_{property} IF NOT EXISTS FOR (n:`{label}`) ON (n.`{property}`)")
    })
}

#[async_trait]
impl Executor for Neo4jEngine {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        let statements = vec![PreparedStatement::new(query, params)];
        let mut results = self.run_transaction(statements, query.writes).await?;
        Ok(results.pop().unwrap_or_default())
    }

    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>> {
        // A READ access-mode query: the server refuses any write in it.
        let refused = |error: neo4rs::Error| {
            Error::invalid("cypher", format!("the engine refused the statement: {error}"))
        };
        let query = neo4rs::Query::new(text.to_owned()).with_params(to_bolt_params(params));
        let mut stream = self.graph.execute_read(query).await.map_err(refused)?;
        let mut rows = Vec::new();
        while let Some(row) = stream.next().await.map_err(refused)? {
            rows.push(from_bolt_row(&row)?);
        }
        Ok(rows)
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let writes = statements.iter().any(|statement| statement.query.writes);
        let prepared = statements
            .into_iter()
            .map(|statement| PreparedStatement::new(statement.query, statement.params))
            .collect();
        self.run_transaction(prepared, writes).await
    }

    /// The per-engine schema statement: `CREATE INDEX … IF NOT EXISTS` (see `index_statement`;
    /// label and property come from the static [`IndexSpec`]s, never from users). Replicas that
    /// start together may race on it, so transient failures are retried like queries.
    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        let text = index_statement(index)?;
        let max_attempts = self.options.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            let run = async {
                let mut transaction = self.graph.start_txn().await?;
                transaction.run(neo4rs::query(&text)).await?;
                transaction.commit().await
            };
            let error = match run.await {
                Ok(()) => return Ok(()),
                Err(error) => error,
            };
            let retryable = matches!(classify(&error), ErrorClass::Transient | ErrorClass::Connection);
            if !retryable || attempt + 1 >= max_attempts {
                return Err(Error::Unavailable(format!(
                    "cannot create the neo4j index on {}.{} at {}: {}",
                    index.label,
                    index.property,
                    self.url,
                    describe(&error)
                )));
            }
            tokio::time::sleep(self.options.retry.delay(attempt)).await;
            attempt += 1;
        }
    }

    fn engine_name(&self) -> &'static str {
        "neo4j"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn index_statement_is_neo4j_5_ddl_from_the_static_spec() {
        let statement = index_statement(IndexSpec {
            label: "Experiment",
            property: "project_id",
            unique: false,
        })
        .expect("plain identifiers");
        assert_eq!(
            statement,
            "CREATE INDEX rsdk_Experiment_project_id IF NOT EXISTS FOR (n:`Experiment`) ON (n.`project_id`)"
        );
        let constraint = index_statement(IndexSpec {
            label: "Experiment",
            property: "key",
            unique: true,
        })
        .expect("plain identifiers");
        assert_eq!(
            constraint,
            "CREATE CONSTRAINT rsdk_Experiment_key_unique IF NOT EXISTS FOR (n:`Experiment`) REQUIRE n.`key` IS UNIQUE"
        );
        let refused = index_statement(IndexSpec {
            label: "Experiment`) DETACH DELETE n //",
            property: "id",
            unique: false,
        });
        assert!(refused.is_err());
    }

    #[test]
    fn every_schema_index_makes_a_valid_statement() {
        for migration in crate::schema::MIGRATIONS {
            for index in migration.indexes {
                index_statement(*index).expect("schema indexes use plain identifiers");
            }
        }
    }

    #[test]
    fn io_errors_and_transient_codes_are_retried_syntax_errors_are_not() {
        let refused = neo4rs::Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(classify(&refused), ErrorClass::Connection);
        assert_eq!(
            classify(&neo4rs::Error::ConnectionTimedOut),
            ErrorClass::Connection
        );
        assert_eq!(
            classify(&neo4rs::Error::AuthenticationError("no".into())),
            ErrorClass::Refused
        );
        assert_eq!(classify(&neo4rs::Error::ConversionError), ErrorClass::Other);
    }

    #[test]
    fn a_constraint_message_names_the_property_as_the_conflicting_field() {
        let error = neo4rs::Error::UnexpectedMessage(
            "Node(7) already exists with label `Project` and property `name` = 'vision'".into(),
        );
        match constraint_conflict(&error) {
            Error::Conflict { field, reason } => {
                assert_eq!(field, "name");
                assert_eq!(reason, "a Project with this name already exists");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        match constraint_conflict(&neo4rs::Error::UnexpectedMessage("something else".into())) {
            Error::Conflict { field, .. } => assert_eq!(field, "graph"),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    proptest! {
        #[test]
        fn retry_delays_stay_within_half_and_all_of_the_capped_exponential(
            attempt in 0u32..200,
            initial_ms in 1u64..1_000,
            max_ms in 1u64..60_000,
        ) {
            let policy = RetryPolicy {
                max_attempts: 5,
                initial_delay: Duration::from_millis(initial_ms),
                max_delay: Duration::from_millis(max_ms),
            };
            let capped = Duration::from_millis(initial_ms)
                .saturating_mul(2u32.saturating_pow(attempt.min(31)))
                .min(Duration::from_millis(max_ms));
            let delay = policy.delay(attempt);
            prop_assert!(delay <= capped, "{delay:?} > {capped:?}");
            prop_assert!(delay >= capped / 2, "{delay:?} < half of {capped:?}");
        }

    }

    #[test]
    fn the_default_retry_policy_gives_up_within_about_a_second() {
        let policy = RetryPolicy::default();
        let worst: Duration = (0..policy.max_attempts - 1)
            .map(|attempt| (policy.initial_delay * 2u32.pow(attempt)).min(policy.max_delay))
            .sum();
        assert!(worst <= Duration::from_secs(1), "{worst:?}");
    }

    #[tokio::test]
    async fn a_closed_port_fails_fast_with_an_unavailable_error_naming_the_url_not_the_password() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound address").port();
        drop(listener);
        let started = std::time::Instant::now();
        let error = Neo4jEngine::connect(&format!("neo4j://neo4j:hunter2@127.0.0.1:{port}"))
            .await
            .expect_err("nothing listens there");
        let message = error.to_string();
        assert_eq!(error.code(), "UNAVAILABLE", "{message}");
        assert!(
            message.contains(&format!("neo4j at neo4j://neo4j@127.0.0.1:{port}")),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    mod live {
        //! Runs against a real server when `RSDK_TEST_NEO4J` holds its url, e.g.
        //! `RSDK_TEST_NEO4J=neo4j://neo4j:password@127.0.0.1:7687 cargo test -p graph neo4j`.
        //! Each test works on its own label, so runs do not see each other.

        use std::collections::BTreeMap;

        use super::*;
        use crate::engine::neo4j::values::tests::all_plain_values;

        static ECHO: Query = Query {
            name: "test/echo",
            text: "RETURN $value AS value",
            writes: false,
        };
        static CREATE: Query = Query {
            name: "test/create",
            text: "CREATE (n:RsdkNeo4jTest {run: $run, id: $id}) RETURN n.id AS id",
            writes: true,
        };
        static COUNT: Query = Query {
            name: "test/count",
            text: "MATCH (n:RsdkNeo4jTest {run: $run}) RETURN count(n) AS count",
            writes: false,
        };
        static FAIL: Query = Query {
            name: "test/fail",
            text: "RETURN 1 / $zero AS boom",
            writes: true,
        };
        static CLEAN: Query = Query {
            name: "test/clean",
            text: "MATCH (n:RsdkNeo4jTest {run: $run}) DELETE n",
            writes: true,
        };

        async fn live_engine() -> Option<Neo4jEngine> {
            let Ok(url) = std::env::var("RSDK_TEST_NEO4J") else {
                eprintln!("skipped: RSDK_TEST_NEO4J is not set");
                return None;
            };
            Some(
                Neo4jEngine::connect(&url)
                    .await
                    .expect("RSDK_TEST_NEO4J is reachable"),
            )
        }

        #[tokio::test]
        async fn values_round_trip_through_a_live_server() {
            let Some(engine) = live_engine().await else { return };
            assert_eq!(engine.engine_name(), "neo4j");
            for value in all_plain_values() {
                let rows = engine
                    .execute(&ECHO, Params::new().with("value", value.clone()))
                    .await
                    .expect("echo runs");
                assert_eq!(rows, vec![Row(BTreeMap::from([("value".to_owned(), value)]))]);
            }
        }

        #[tokio::test]
        async fn a_failing_statement_rolls_back_the_whole_batch() {
            let Some(engine) = live_engine().await else { return };
            let run = uuid::Uuid::now_v7().to_string();
            let batch = vec![
                Statement::new(&CREATE, Params::new().with("run", run.as_str()).with("id", "a")),
                Statement::new(&FAIL, Params::new().with("zero", 0i64)),
            ];
            let error = engine.execute_atomic(batch).await.expect_err("division by zero");
            assert_eq!(error.code(), "INTERNAL", "{error}");
            assert!(error.to_string().contains("test/fail"), "{error}");
            let rows = engine
                .execute(&COUNT, Params::new().with("run", run.as_str()))
                .await
                .expect("count runs");
            assert_eq!(rows[0].int("count").expect("a count"), 0);

            let batch = vec![
                Statement::new(&CREATE, Params::new().with("run", run.as_str()).with("id", "a")),
                Statement::new(&CREATE, Params::new().with("run", run.as_str()).with("id", "b")),
            ];
            let results = engine.execute_atomic(batch).await.expect("both land");
            assert_eq!(results.len(), 2);
            let rows = engine
                .execute(&COUNT, Params::new().with("run", run.as_str()))
                .await
                .expect("count runs");
            assert_eq!(rows[0].int("count").expect("a count"), 2);
            engine
                .execute(&CLEAN, Params::new().with("run", run.as_str()))
                .await
                .expect("clean up");
        }

        #[tokio::test]
        async fn ensure_index_is_idempotent() {
            let Some(engine) = live_engine().await else { return };
            let index = IndexSpec {
                label: "RsdkNeo4jTest",
                property: "id",
                unique: true,
            };
            engine.ensure_index(index).await.expect("creates");
            engine.ensure_index(index).await.expect("already exists is fine");
        }

        #[tokio::test]
        async fn a_wrong_password_is_unavailable_without_echoing_it() {
            let Ok(url) = std::env::var("RSDK_TEST_NEO4J") else {
                return;
            };
            // Display leaves the password out: put a wrong one back in.
            let shown = Neo4jUrl::parse(&url).expect("a valid test url").to_string();
            let wrong = shown.replacen('@', ":definitely-not-it@", 1);
            let error = Neo4jEngine::connect(&wrong).await.expect_err("bad credentials");
            assert_eq!(error.code(), "UNAVAILABLE", "{error}");
            assert!(!error.to_string().contains("definitely-not-it"), "{error}");
        }
    }
}
