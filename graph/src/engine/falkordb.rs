//! The FalkorDB engine: the same named Cypher over the Redis protocol (`GRAPH.QUERY`).
//!
//! FalkorDB takes parameters as a `CYPHER name=value …` prefix of the query text, so
//! [`render_params`] writes every value as a Cypher literal with exact escaping: a user
//! value can never end its literal early and change what the query means. Results are read
//! in the compact format (typed scalars). Reads go to `GRAPH.RO_QUERY`, which FalkorDB
//! refuses to run if a statement writes.
//!
//! An atomic batch runs inside `MULTI`/`EXEC`: FalkorDB executes the statements one after
//! another with nothing interleaved, so readers and other writers see all or none of it.
//! FalkorDB has no rollback: a statement that fails *inside* the batch leaves the earlier
//! ones applied. The domain validates every input before it builds a batch, so such a
//! failure is an engine fault; it is reported as an internal error and logged.
//!
//! Known engine limits (see `cypher/README.md`): FalkorDB prints doubles with 15
//! significant digits, so a float returned from FalkorDB is exact to 15 digits only; NaN
//! and infinities have no Cypher literal and cannot be passed as parameters; strings are
//! C strings inside FalkorDB, so a NUL character cannot be stored.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value as Reply;
use tracing::error;

use crate::error::{Error, Result};
use crate::executor::{Executor, IndexSpec, Statement};
use crate::lock::is_connection_error;
use crate::queries::Query;
use crate::value::{Params, Row, Value};

/// How long to wait for a connection before calling FalkorDB unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one command may take (a large subtree refresh is one command per row).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a FalkorDB graph lives, parsed from `falkordb://[user:password@]host:port/graph`.
#[derive(Clone, PartialEq, Eq)]
pub struct FalkorUrl {
    /// `redis://…` for the Redis client.
    redis_url: String,
    /// The printable address (no password).
    address: String,
    /// The graph key.
    graph: String,
}

impl std::fmt::Debug for FalkorUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "falkordb://{}/{}", self.address, self.graph)
    }
}

impl FalkorUrl {
    /// Parses the text after `falkordb://`; the graph name defaults to `rsdk`.
    pub fn parse(rest: &str) -> Result<Self> {
        let (authority, graph) = rest.split_once('/').unwrap_or((rest, ""));
        let graph = if graph.is_empty() { "rsdk" } else { graph };
        if !graph
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':')
        {
            return Err(Error::invalid(
                "graph",
                format!("graph name `{graph}` may hold letters, digits, `_`, `-` and `:` only"),
            ));
        }
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((credentials, host_port)) => (Some(credentials), host_port),
            None => (None, authority),
        };
        if host_port.is_empty() {
            return Err(Error::invalid(
                "graph",
                "`falkordb://` needs a host, e.g. `falkordb://127.0.0.1:6379/rsdk`",
            ));
        }
        let host_port = if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:6379")
        };
        let redis_url = match credentials {
            Some(credentials) => format!("redis://{credentials}@{host_port}"),
            None => format!("redis://{host_port}"),
        };
        Ok(Self {
            redis_url,
            address: host_port,
            graph: graph.to_owned(),
        })
    }

    /// The graph key inside FalkorDB.
    pub fn graph(&self) -> &str {
        &self.graph
    }

    /// The Redis URL of the server (for coordination that lives beside the graph).
    pub fn redis_url(&self) -> &str {
        &self.redis_url
    }
}

/// A graph in a FalkorDB server.
#[derive(Clone)]
pub struct FalkorEngine {
    url: FalkorUrl,
    connection: ConnectionManager,
}

impl std::fmt::Debug for FalkorEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FalkorEngine").field("url", &self.url).finish()
    }
}

impl FalkorEngine {
    /// Connects, failing fast with an error naming the server when it does not answer.
    pub async fn connect(url: FalkorUrl) -> Result<Self> {
        let unavailable = |reason: String| {
            Error::Unavailable(format!("falkordb at {} ({}): {reason}", url.address, url.graph))
        };
        let client = redis::Client::open(url.redis_url.as_str()).map_err(|e| unavailable(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2);
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let engine = Self { url, connection };
        // A server without the module answers with an unknown-command error. A write command
        // also creates the graph's key, so that reads of a still empty graph find it.
        engine.run("GRAPH.QUERY", "RETURN 1 AS ok".to_owned()).await?;
        Ok(engine)
    }

    /// The graph key this engine works on.
    pub fn url(&self) -> &FalkorUrl {
        &self.url
    }

    async fn run(&self, command: &str, text: String) -> Result<Vec<Row>> {
        let mut connection = self.connection.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply: redis::RedisResult<Reply> = redis::cmd(command)
                .arg(&self.url.graph)
                .arg(&text)
                .arg("--compact")
                .query_async(&mut connection)
                .await;
            match reply {
                Ok(reply) => return parse_result_set(reply),
                // A read is safe to repeat once the manager has reconnected (after a
                // FalkorDB restart); a write is not, as it may have landed.
                Err(error) if attempt == 1 && command == "GRAPH.RO_QUERY" && is_connection_error(&error) => {}
                Err(error) => return Err(self.map_error(&error)),
            }
        }
    }

    fn map_error(&self, error: &redis::RedisError) -> Error {
        if is_connection_error(error) {
            return Error::Unavailable(format!(
                "falkordb at {} is unreachable: {error}",
                self.url.address
            ));
        }
        if error.to_string().contains("constraint violation") {
            return Error::Conflict {
                field: "id".into(),
                reason: format!("already stored ({error})"),
            };
        }
        error!(error = %error, graph = %self.url.graph, "falkordb refused a statement");
        Error::Internal(format!("falkordb: {error}"))
    }
}

/// The statement text with its parameters in FalkorDB's `CYPHER …` prefix.
fn statement_text(query: &Query, params: &Params) -> Result<String> {
    with_params(query.text, params)
}

fn with_params(statement: &str, params: &Params) -> Result<String> {
    let mut text = render_params(params)?;
    text.push_str(statement);
    Ok(text)
}

#[async_trait]
impl Executor for FalkorEngine {
    async fn execute(&self, query: &'static Query, params: Params) -> Result<Vec<Row>> {
        let command = if query.writes {
            "GRAPH.QUERY"
        } else {
            "GRAPH.RO_QUERY"
        };
        self.run(command, statement_text(query, &params)?).await
    }

    async fn execute_generated(&self, text: &str, params: Params) -> Result<Vec<Row>> {
        // GRAPH.RO_QUERY: the server refuses any write in it.
        self.run("GRAPH.RO_QUERY", with_params(text, &params)?)
            .await
            .map_err(|error| match error {
                Error::Internal(reason) => {
                    Error::invalid("cypher", format!("the engine refused the statement: {reason}"))
                }
                other => other,
            })
    }

    async fn execute_atomic(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>> {
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        for statement in &statements {
            pipeline
                .cmd("GRAPH.QUERY")
                .arg(&self.url.graph)
                .arg(statement_text(statement.query, &statement.params)?)
                .arg("--compact");
        }
        let mut connection = self.connection.clone();
        let replies: Vec<Reply> = pipeline
            .query_async(&mut connection)
            .await
            .map_err(|e| self.map_error(&e))?;
        replies.into_iter().map(parse_result_set).collect()
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<()> {
        // Label and property come from the static schema, never from users.
        let text = format!("CREATE INDEX FOR (n:{}) ON (n.{})", index.label, index.property);
        match self.run("GRAPH.QUERY", text).await {
            Ok(_) => {}
            Err(Error::Internal(message)) if message.contains("already indexed") => {}
            Err(other) => return Err(other),
        }
        if !index.unique {
            return Ok(());
        }
        // FalkorDB checks existing nodes in the background, then enforces the constraint.
        let mut connection = self.connection.clone();
        let created: redis::RedisResult<Reply> = redis::cmd("GRAPH.CONSTRAINT")
            .arg("CREATE")
            .arg(&self.url.graph)
            .arg("UNIQUE")
            .arg("NODE")
            .arg(index.label)
            .arg("PROPERTIES")
            .arg(1)
            .arg(index.property)
            .query_async(&mut connection)
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(error) if error.to_string().contains("already exists") => Ok(()),
            Err(error) => Err(self.map_error(&error)),
        }
    }

    fn engine_name(&self) -> &'static str {
        "falkordb"
    }
}

/// `CYPHER a=1 b="x" ` for FalkorDB; empty when there are no parameters.
pub fn render_params(params: &Params) -> Result<String> {
    let mut text = String::new();
    for (name, value) in &params.0 {
        if text.is_empty() {
            text.push_str("CYPHER ");
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Internal(format!(
                "parameter name `{name}` is not an identifier"
            )));
        }
        text.push_str(name);
        text.push('=');
        render_value(name, value, &mut text)?;
        text.push(' ');
    }
    Ok(text)
}

fn render_value(name: &str, value: &Value, out: &mut String) -> Result<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Float(number) => {
            if !number.is_finite() {
                return Err(Error::invalid(
                    name,
                    "NaN and infinite numbers cannot be stored in a FalkorDB property",
                ));
            }
            // `{:?}` is the shortest text that parses back to the same double, and always
            // has a `.` or an exponent, so it stays a float literal.
            let _ = write!(out, "{number:?}");
        }
        Value::String(text) => render_string(name, text, out)?,
        Value::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                render_value(name, item, out)?;
            }
            out.push(']');
        }
    }
    Ok(())
}

/// A double-quoted literal: backslash and double quote are escaped, everything else is
/// sent as it is (FalkorDB interprets no other escape once every backslash is doubled).
fn render_string(name: &str, text: &str, out: &mut String) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid(name, "text may not contain a NUL character"));
    }
    out.reserve(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            other => out.push(other),
        }
    }
    out.push('"');
    Ok(())
}

/// Reads a compact result set: `[header, rows, statistics]`, or `[statistics]` alone for
/// a statement that returns nothing.
fn parse_result_set(reply: Reply) -> Result<Vec<Row>> {
    let mut parts = into_array(reply)?;
    if parts.len() < 3 {
        return Ok(Vec::new());
    }
    let _statistics = parts.pop();
    let rows = into_array(parts.pop().unwrap_or(Reply::Nil))?;
    let header = into_array(parts.pop().unwrap_or(Reply::Nil))?;
    let columns = header
        .into_iter()
        .map(|column| {
            let mut pair = into_array(column)?;
            let name = pair.pop().ok_or_else(|| malformed("header column"))?;
            into_string(name)
        })
        .collect::<Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|row| {
            let cells = into_array(row)?;
            let mut values = BTreeMap::new();
            for (column, cell) in columns.iter().zip(cells) {
                values.insert(column.clone(), parse_cell(cell)?);
            }
            Ok(Row(values))
        })
        .collect()
}

/// A compact cell: `[type, value]` (1 null, 2 string, 3 integer, 4 boolean, 5 double, 6 array).
fn parse_cell(cell: Reply) -> Result<Value> {
    let mut pair = into_array(cell)?;
    if pair.len() != 2 {
        return Err(malformed("cell"));
    }
    let raw = pair.pop().unwrap_or(Reply::Nil);
    let kind = match pair.pop() {
        Some(Reply::Int(kind)) => kind,
        _ => return Err(malformed("cell type")),
    };
    match kind {
        1 => Ok(Value::Null),
        2 => Ok(Value::String(into_string(raw)?)),
        3 => match raw {
            Reply::Int(number) => Ok(Value::Int(number)),
            other => into_string(other)?
                .parse()
                .map(Value::Int)
                .map_err(|_| malformed("integer")),
        },
        4 => Ok(Value::Bool(into_string(raw)? == "true")),
        5 => parse_double(&into_string(raw)?).map(Value::Float),
        6 => into_array(raw)?
            .into_iter()
            .map(parse_cell)
            .collect::<Result<Vec<_>>>()
            .map(Value::List),
        other => Err(Error::Internal(format!(
            "falkordb returned a value of type {other} (nodes, edges, maps and paths are not returned by named queries)"
        ))),
    }
}

fn parse_double(text: &str) -> Result<f64> {
    match text {
        "nan" | "-nan" => Ok(f64::NAN),
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        other => other.parse().map_err(|_| malformed("double")),
    }
}

fn into_array(reply: Reply) -> Result<Vec<Reply>> {
    match reply {
        Reply::Array(items) | Reply::Set(items) => Ok(items),
        Reply::Nil => Ok(Vec::new()),
        Reply::ServerError(error) => Err(Error::Internal(format!("falkordb: {error:?}"))),
        _ => Err(malformed("result")),
    }
}

fn into_string(reply: Reply) -> Result<String> {
    match reply {
        Reply::BulkString(bytes) => String::from_utf8(bytes).map_err(|_| malformed("text")),
        Reply::SimpleString(text) => Ok(text),
        Reply::VerbatimString { text, .. } => Ok(text),
        Reply::Int(number) => Ok(number.to_string()),
        _ => Err(malformed("text")),
    }
}

fn malformed(what: &str) -> Error {
    Error::Internal(format!("falkordb returned a malformed {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_port_and_graph() {
        let url = FalkorUrl::parse("127.0.0.1:6390/team").expect("valid");
        assert_eq!(url.redis_url(), "redis://127.0.0.1:6390");
        assert_eq!(url.graph(), "team");
        let url = FalkorUrl::parse("db").expect("valid");
        assert_eq!(url.redis_url(), "redis://db:6379");
        assert_eq!(url.graph(), "rsdk");
        let url = FalkorUrl::parse(":secret@db:7000/g").expect("valid");
        assert_eq!(url.redis_url(), "redis://:secret@db:7000");
        assert!(
            !format!("{url:?}").contains("secret"),
            "debug output hides the password"
        );
    }

    #[test]
    fn bad_urls_name_the_graph_field() {
        for text in ["", "/g", "host/bad name", "host/a;b"] {
            let error = FalkorUrl::parse(text).expect_err(text);
            assert!(
                matches!(error, Error::Invalid { ref field, .. } if field == "graph"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn strings_escape_only_quotes_and_backslashes() {
        let params = Params::new().with("s", "a\"b\\c\nd' RETURN 1 //");
        assert_eq!(
            render_params(&params).expect("renders"),
            "CYPHER s=\"a\\\"b\\\\c\nd' RETURN 1 //\" "
        );
    }

    #[test]
    fn numbers_render_as_exact_literals() {
        let params = Params::new()
            .with("f", 0.1 + 0.2)
            .with("i", i64::MIN)
            .with("l", vec![Value::Float(1.0), Value::Null, Value::Bool(true)]);
        assert_eq!(
            render_params(&params).expect("renders"),
            "CYPHER f=0.30000000000000004 i=-9223372036854775808 l=[1.0,null,true] "
        );
    }

    #[test]
    fn values_without_a_literal_are_refused_with_their_parameter() {
        let error = render_params(&Params::new().with("loss", f64::NAN)).expect_err("nan");
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "loss"));
        let error = render_params(&Params::new().with("name", "a\0b")).expect_err("nul");
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "name"));
    }
}
