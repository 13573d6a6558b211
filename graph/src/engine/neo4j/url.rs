//! The Neo4j url: `neo4j://USER:PASSWORD@HOST[:PORT][/DATABASE][?pool_size=N]`.
//!
//! The password is kept out of `Debug`, `Display` and every error message, so a url can be
//! logged and named in errors as it is.

use crate::error::{Error, Result};

/// The configuration field every url error names.
pub(super) const FIELD: &str = "graph";
/// Bolt's registered port.
const DEFAULT_PORT: u16 = 7687;
/// Pooled connections per engine (neo4rs's own default); one replica rarely needs more.
const DEFAULT_POOL_SIZE: usize = 16;

/// Whether the Bolt connection is encrypted, as the url's scheme says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// `neo4j://`, `bolt://`: plain TCP.
    Off,
    /// `neo4j+s://`, `bolt+s://`: TLS with certificate validation.
    Verified,
    /// `neo4j+ssc://`, `bolt+ssc://`: TLS accepting a self-signed certificate.
    SelfSigned,
}

/// A parsed Neo4j url. `Debug` and `Display` leave the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct Neo4jUrl {
    /// The scheme as written (`neo4j`, `bolt+s`, …), kept for messages.
    scheme: String,
    /// Encryption, from the scheme.
    pub tls: Tls,
    /// Host name or address (an IPv6 address without brackets).
    pub host: String,
    /// Port, 7687 when the url has none.
    pub port: u16,
    /// User to authenticate as.
    pub user: String,
    password: String,
    /// Database, the server's default when the url has no path.
    pub database: Option<String>,
    /// Most pooled connections (`?pool_size=N`), 16 when absent.
    pub pool_size: usize,
}

impl std::fmt::Debug for Neo4jUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Neo4jUrl")
            .field("scheme", &self.scheme)
            .field("tls", &self.tls)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("database", &self.database)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// `neo4j://user@host:port/database`: safe for logs and error messages.
impl std::fmt::Display for Neo4jUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}://{}@{}", self.scheme, self.user, self.host_port())?;
        if let Some(database) = &self.database {
            write!(formatter, "/{database}")?;
        }
        Ok(())
    }
}

impl Neo4jUrl {
    /// The schemes this engine accepts.
    pub const SCHEMES: &'static [&'static str] =
        &["neo4j", "bolt", "neo4j+s", "bolt+s", "neo4j+ssc", "bolt+ssc"];

    /// Whether `text` names this engine (its scheme is one of [`Self::SCHEMES`]).
    pub fn names_neo4j(text: &str) -> bool {
        text.split_once("://")
            .is_some_and(|(scheme, _)| Self::SCHEMES.contains(&scheme))
    }

    /// Parses `neo4j://USER:PASSWORD@HOST[:PORT][/DATABASE][?pool_size=N]`. User and password
    /// may be percent-encoded; an unencoded `@` in the password works too (the last `@` ends
    /// the credentials). Errors name the field `graph` and never echo the password.
    pub fn parse(text: &str) -> Result<Self> {
        let (scheme, rest) = text.split_once("://").ok_or_else(|| {
            Error::invalid(
                FIELD,
                "a neo4j url looks like neo4j://USER:PASSWORD@HOST:PORT[/DATABASE]",
            )
        })?;
        let tls = match scheme {
            "neo4j" | "bolt" => Tls::Off,
            "neo4j+s" | "bolt+s" => Tls::Verified,
            "neo4j+ssc" | "bolt+ssc" => Tls::SelfSigned,
            other => {
                return Err(Error::invalid(
                    FIELD,
                    format!(
                        "unsupported neo4j url scheme `{other}`: expected one of {:?}",
                        Self::SCHEMES
                    ),
                ))
            }
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (credentials, location) = rest.rsplit_once('@').ok_or_else(|| {
            Error::invalid(
                FIELD,
                "the neo4j url needs credentials: neo4j://USER:PASSWORD@HOST:PORT (NEO4J_AUTH of the server)",
            )
        })?;
        let (user, password) = credentials.split_once(':').ok_or_else(|| {
            Error::invalid(
                FIELD,
                "the neo4j url needs a password after the user: neo4j://USER:PASSWORD@HOST",
            )
        })?;
        let user = percent_decode(user, "user")?;
        let password = percent_decode(password, "password")?;
        if user.is_empty() {
            return Err(Error::invalid(FIELD, "the neo4j url has an empty user"));
        }
        if password.is_empty() {
            return Err(Error::invalid(FIELD, "the neo4j url has an empty password"));
        }
        let (host_port, database) = match location.split_once('/') {
            Some((host_port, database)) => (host_port, Some(database)),
            None => (location, None),
        };
        let (host, port) = parse_host_port(host_port)?;
        let database = match database.map(|name| name.trim_end_matches('/')) {
            None | Some("") => None,
            Some(name) if name.contains('/') => {
                return Err(Error::invalid(
                    FIELD,
                    format!("the neo4j url path must be one database name, got `{name}`"),
                ))
            }
            Some(name) => Some(name.to_owned()),
        };
        let pool_size = parse_pool_size(query)?;
        Ok(Self {
            scheme: scheme.to_owned(),
            tls,
            host,
            port,
            user,
            password,
            database,
            pool_size,
        })
    }

    /// The password, for the driver only.
    pub(super) fn password(&self) -> &str {
        &self.password
    }

    fn bolt_scheme(&self) -> &'static str {
        match self.tls {
            Tls::Off => "bolt",
            Tls::Verified => "bolt+s",
            Tls::SelfSigned => "bolt+ssc",
        }
    }

    fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The uri neo4rs dials: always `bolt…://` (a direct connection, see the module docs).
    pub(super) fn driver_uri(&self) -> String {
        format!("{}://{}", self.bolt_scheme(), self.host_port())
    }
}

fn parse_host_port(text: &str) -> Result<(String, u16)> {
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| Error::invalid(FIELD, "the neo4j url has an unclosed `[` in its host"))?;
        (host, after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return Err(Error::invalid(
            FIELD,
            "the neo4j url has no host: neo4j://USER:PASSWORD@HOST:PORT",
        ));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| {
                Error::invalid(
                    FIELD,
                    format!("the neo4j url's port `{port}` is not a port number (1-65535)"),
                )
            })?,
    };
    Ok((host.to_owned(), port))
}

fn parse_pool_size(query: Option<&str>) -> Result<usize> {
    let mut pool_size = DEFAULT_POOL_SIZE;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "pool_size" {
            return Err(Error::invalid(
                FIELD,
                format!("unknown neo4j url option `{key}`: the only option is pool_size"),
            ));
        }
        pool_size = value
            .parse::<usize>()
            .ok()
            .filter(|size| *size > 0)
            .ok_or_else(|| {
                Error::invalid(
                    FIELD,
                    format!("pool_size must be a positive integer, got `{value}`"),
                )
            })?;
    }
    Ok(pool_size)
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &str, part: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        let escaped = bytes
            .get(position + 1..position + 3)
            .filter(|_| bytes[position] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                position += 3;
            }
            None => {
                decoded.push(bytes[position]);
                position += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| {
        Error::invalid(
            FIELD,
            format!("the neo4j url's {part} is not valid utf-8 once decoded"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_error(text: &str) -> (String, String) {
        match Neo4jUrl::parse(text) {
            Err(Error::Invalid { field, reason }) => (field, reason),
            other => panic!("expected an invalid-url error for {text}, got {other:?}"),
        }
    }

    #[test]
    fn url_with_credentials_port_and_database_parses() {
        let url = Neo4jUrl::parse("neo4j://neo4j:s3cret@db.internal:7688/rsdk").expect("valid url");
        assert_eq!(url.tls, Tls::Off);
        assert_eq!(url.host, "db.internal");
        assert_eq!(url.port, 7688);
        assert_eq!(url.user, "neo4j");
        assert_eq!(url.password, "s3cret");
        assert_eq!(url.database.as_deref(), Some("rsdk"));
        assert_eq!(url.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(url.driver_uri(), "bolt://db.internal:7688");
    }

    #[test]
    fn url_without_port_uses_bolts_default_port_and_the_servers_default_database() {
        let url = Neo4jUrl::parse("bolt://neo4j:pw@localhost").expect("valid url");
        assert_eq!(url.port, 7687);
        assert_eq!(url.database, None);
        let url = Neo4jUrl::parse("neo4j://neo4j:pw@localhost/").expect("valid url");
        assert_eq!((url.port, url.database), (7687, None));
    }

    #[test]
    fn tls_schemes_dial_the_matching_bolt_scheme() {
        let url = Neo4jUrl::parse("neo4j+s://u:p@example.org").expect("valid url");
        assert_eq!(
            (url.tls, url.driver_uri()),
            (Tls::Verified, "bolt+s://example.org:7687".to_owned())
        );
        let url = Neo4jUrl::parse("bolt+ssc://u:p@example.org:1").expect("valid url");
        assert_eq!(
            (url.tls, url.driver_uri()),
            (Tls::SelfSigned, "bolt+ssc://example.org:1".to_owned())
        );
    }

    #[test]
    fn percent_encoded_and_raw_at_signs_in_the_password_both_work() {
        let url = Neo4jUrl::parse("neo4j://us%65r:p%40ss%2Fw%3Ard@host").expect("valid url");
        assert_eq!((url.user.as_str(), url.password.as_str()), ("user", "p@ss/w:rd"));
        let url = Neo4jUrl::parse("neo4j://user:p@ss@host:7000").expect("valid url");
        assert_eq!((url.password.as_str(), url.port), ("p@ss", 7000));
        let url = Neo4jUrl::parse("neo4j://user:100%:x@host").expect("valid url");
        assert_eq!(url.password, "100%:x");
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets_when_dialled() {
        let url = Neo4jUrl::parse("bolt://u:p@[::1]:7690").expect("valid url");
        assert_eq!((url.host.as_str(), url.port), ("::1", 7690));
        assert_eq!(url.driver_uri(), "bolt://[::1]:7690");
    }

    #[test]
    fn pool_size_comes_from_the_query_string() {
        let url = Neo4jUrl::parse("neo4j://u:p@h/db?pool_size=40").expect("valid url");
        assert_eq!((url.pool_size, url.database.as_deref()), (40, Some("db")));
        let (field, reason) = parse_error("neo4j://u:p@h?pool_size=0");
        assert_eq!(field, "graph");
        assert!(reason.contains("pool_size"), "{reason}");
        let (_, reason) = parse_error("neo4j://u:p@h?timeout=3");
        assert!(reason.contains("unknown neo4j url option `timeout`"), "{reason}");
    }

    #[test]
    fn missing_parts_are_refused_naming_the_graph_field() {
        let cases = [
            ("neo4j://localhost:7687", "credentials"),
            ("neo4j://neo4j@localhost:7687", "password"),
            ("neo4j://:pw@localhost", "empty user"),
            ("neo4j://neo4j:@localhost", "empty password"),
            ("neo4j://neo4j:pw@:7687", "no host"),
            ("neo4j://neo4j:pw@", "no host"),
            ("neo4j://neo4j:pw@host:http", "port"),
            ("neo4j://neo4j:pw@host:0", "port"),
            ("neo4j://neo4j:pw@host:70000", "port"),
            ("neo4j://neo4j:pw@[::1:7687", "unclosed"),
            ("neo4j://neo4j:pw@host/a/b", "one database name"),
            ("http://neo4j:pw@host", "unsupported neo4j url scheme `http`"),
            ("localhost:7687", "neo4j://USER:PASSWORD@HOST"),
        ];
        for (text, expected) in cases {
            let (field, reason) = parse_error(text);
            assert_eq!(field, "graph", "{text}");
            assert!(
                reason.contains(expected),
                "{text}: `{reason}` should mention `{expected}`"
            );
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_display_or_errors() {
        let url = Neo4jUrl::parse("neo4j://neo4j:hunter2@db:7687/rsdk").expect("valid url");
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(url.to_string(), "neo4j://neo4j@db:7687/rsdk");
        for text in [
            "neo4j://neo4j:hunter2@db:port",
            "neo4j://neo4j:hunter2@db?x=1",
            "ftp://u:hunter2@h",
        ] {
            let (_, reason) = parse_error(text);
            assert!(!reason.contains("hunter2"), "{reason}");
        }
    }

    #[test]
    fn names_neo4j_recognises_only_bolt_schemes() {
        assert!(Neo4jUrl::names_neo4j("neo4j://u:p@h"));
        assert!(Neo4jUrl::names_neo4j("bolt+s://u:p@h"));
        assert!(!Neo4jUrl::names_neo4j("falkordb://h:6379/g"));
        assert!(!Neo4jUrl::names_neo4j("embedded:./data/graph.db"));
    }

    proptest! {
        #[test]
        fn any_password_round_trips_percent_encoded_and_never_shows(password in "[ -~]{1,40}") {
            let encoded: String = password.bytes().map(|byte| format!("%{byte:02X}")).collect();
            let url = Neo4jUrl::parse(&format!("neo4j://neo4j:{encoded}@db:7687")).expect("valid url");
            prop_assert_eq!(&url.password, &password);
            prop_assert!(!url.to_string().contains(&encoded));
        }
    }
}
