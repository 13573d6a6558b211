//! The shape limits of a GraphQL request, checked as soon as its body is parsed: before the
//! caller is authenticated, so a parser, depth, alias or fragment bomb costs no database call
//! and no resolver. The schema checks the same limits again while validating (it also knows
//! fields' own costs); this pass only refuses what can never pass them, and hands its parse to
//! the schema so the query is parsed once.
//!
//! Parsing costs about 2 µs a token (a release build), so before it a lexical pass — no
//! allocation, a few µs for the largest text accepted — refuses texts of more than
//! [`MAX_TOKENS`] tokens, and texts that write more than [`MAX_COMPLEXITY`] fields in all
//! (each fragment's counted once): a single operation expands to at least as many fields as
//! it and its fragments write, so such a text could never pass the field limit.

use std::collections::HashMap;

use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Pos, Request, Response, ServerError};

use super::{MAX_COMPLEXITY, MAX_DEPTH, MAX_QUERY_BYTES, MAX_RECURSION};

/// Most tokens (names, punctuators, numbers, strings; not commas, spaces or comments) a query
/// text may have: parsing this many costs about 20 ms in a release build. A query at the
/// field limit written plainly has about 5,000.
pub const MAX_TOKENS: usize = 10_000;

/// What a selection set costs: its deepest field nesting, its fields counted once per
/// appearance (fragments expanded) and its nesting of selection sets (fragments included).
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    depth: usize,
    fields: usize,
    nesting: usize,
}

/// Parses `request` (keeping the parse for execution) and refuses it when it is nested too
/// deep, selects too many fields, nests selection sets (fragments included) too deeply or
/// spreads a fragment into itself — with the messages the schema's validation uses.
pub fn check(request: &mut Request) -> Result<(), ServerError> {
    if request.query.len() > MAX_QUERY_BYTES {
        return Err(ServerError::new(
            format!(
                "the query text is {} bytes; at most {MAX_QUERY_BYTES} are accepted (use variables for large values)",
                request.query.len()
            ),
            None,
        ));
    }
    let lexed = Lexed::scan(&request.query);
    if lexed.fields > MAX_COMPLEXITY {
        return Err(ServerError::new("Query is too complex.", None));
    }
    if lexed.tokens > MAX_TOKENS {
        return Err(ServerError::new(
            format!(
                "the query text has more than {MAX_TOKENS} tokens; select fewer fields and pass large values as variables"
            ),
            None,
        ));
    }
    let document = request.parsed_query()?;
    let mut fragments = Fragments {
        document,
        known: HashMap::new(),
        visiting: Vec::new(),
    };
    for (_, operation) in document.operations.iter() {
        let cost = fragments.cost(&operation.node.selection_set.node, 0)?;
        if cost.nesting > MAX_RECURSION {
            return Err(too_recursive());
        }
        if cost.depth > MAX_DEPTH {
            return Err(ServerError::new("Query is nested too deep.", None));
        }
        if cost.fields > MAX_COMPLEXITY {
            return Err(ServerError::new("Query is too complex.", None));
        }
    }
    Ok(())
}

/// Whether every operation of the (parsed) request is a query.
pub fn reads_only(request: &mut Request) -> bool {
    request.parsed_query().is_ok_and(|document| {
        document
            .operations
            .iter()
            .all(|(_, operation)| operation.node.ty == OperationType::Query)
    })
}

/// The answer to a query stopped after `limit`.
pub fn timed_out(limit: Duration) -> Response {
    let error = async_graphql::Error::new(format!(
        "the query ran longer than {} s and was stopped; ask for less (fewer rows, a narrower range)",
        limit.as_secs()
    ))
    .extend_with(|_, extensions| extensions.set("code", "TIMEOUT"));
    Response::from_errors(vec![error.into_server_error(Pos::default())])
}

fn too_recursive() -> ServerError {
    ServerError::new(
        format!("The recursion depth of the query cannot be greater than `{MAX_RECURSION}`"),
        None,
    )
}

/// What one lexical pass over a query text counts, without parsing it (and without judging
/// whether it is valid GraphQL: the parser does that).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Lexed {
    /// Tokens: names, punctuators, numbers and strings.
    tokens: usize,
    /// Fields selected as written: names inside selection sets, outside arguments, that are
    /// not aliases, fragment names, type conditions or directives.
    fields: usize,
}

/// What the last token makes of a name that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Other,
    /// `...`: a fragment's name, or `on` of an inline fragment.
    Spread,
    /// `... on`: a type condition.
    On,
    /// `@`: a directive's name.
    At,
}

impl Lexed {
    fn scan(text: &str) -> Lexed {
        let bytes = text.as_bytes();
        let mut lexed = Lexed::default();
        let (mut braces, mut parens) = (0usize, 0usize);
        let mut before = Before::Other;
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                    at += 1;
                    continue;
                }
                b'#' => {
                    at += bytes[at..]
                        .iter()
                        .position(|&byte| byte == b'\n' || byte == b'\r')
                        .unwrap_or(bytes.len() - at);
                    continue;
                }
                _ => {}
            }
            lexed.tokens += 1;
            let in_selection = braces > 0 && parens == 0;
            let mut next = Before::Other;
            match byte {
                b'{' => braces += 1,
                b'}' => braces = braces.saturating_sub(1),
                b'(' => parens += 1,
                b')' => parens = parens.saturating_sub(1),
                // An alias: the name before it is not the field, the one after it is.
                b':' if in_selection => lexed.fields = lexed.fields.saturating_sub(1),
                b'@' => next = Before::At,
                b'.' if bytes[at..].starts_with(b"...") => {
                    next = Before::Spread;
                    at += 2;
                }
                b'"' => at = string_end(bytes, at) - 1,
                byte if byte == b'_' || byte.is_ascii_alphabetic() => {
                    let length = name_length(&bytes[at..]);
                    let name = &bytes[at..at + length];
                    match before {
                        Before::Spread if name == b"on" => next = Before::On,
                        Before::Spread | Before::On | Before::At => {}
                        Before::Other if in_selection => lexed.fields += 1,
                        Before::Other => {}
                    }
                    at += length - 1;
                }
                byte if byte == b'-' || byte.is_ascii_digit() => {
                    at += number_length(&bytes[at..]).max(1) - 1;
                }
                _ => {}
            }
            before = next;
            at += 1;
        }
        lexed
    }
}

/// How many bytes at the start of `bytes` are a name (letters, digits, `_`).
fn name_length(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&byte| !(byte == b'_' || byte.is_ascii_alphanumeric()))
        .unwrap_or(bytes.len())
}

/// How many bytes at the start of `bytes` are a number: `-`, digits, a fraction, an exponent
/// (leniently: the parser judges the exact form).
fn number_length(bytes: &[u8]) -> usize {
    let digits = |from: usize| {
        from + bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    let mut length = digits(usize::from(bytes.first() == Some(&b'-')));
    if bytes.get(length) == Some(&b'.') {
        length = digits(length + 1);
    }
    if matches!(bytes.get(length), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(length + 1), Some(b'+' | b'-')));
        length = digits(length + 1 + sign);
    }
    length
}

/// Where the string starting at `start` (a `"` or `"""`) ends: the index after its closing
/// quote, or the text's end when it is not closed.
fn string_end(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut at = start + 3;
        while at < bytes.len() {
            if bytes[at..].starts_with(b"\\\"\"\"") {
                at += 4;
            } else if bytes[at..].starts_with(b"\"\"\"") {
                return at + 3;
            } else {
                at += 1;
            }
        }
        return bytes.len();
    }
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Fragment costs, each computed once (so a fragment spread many times costs one pass).
struct Fragments<'a> {
    document: &'a ExecutableDocument,
    known: HashMap<&'a str, Cost>,
    visiting: Vec<&'a str>,
}

impl<'a> Fragments<'a> {
    /// The cost of `set`, `level` selection sets down. Stops descending past the recursion
    /// limit, so no document can exhaust the stack here.
    fn cost(&mut self, set: &'a SelectionSet, level: usize) -> Result<Cost, ServerError> {
        if level > MAX_RECURSION {
            return Err(too_recursive());
        }
        let mut total = Cost::default();
        for selection in &set.items {
            let cost = match &selection.node {
                Selection::Field(field) => {
                    let children = &field.node.selection_set.node;
                    let inner = match children.items.is_empty() {
                        true => Cost::default(),
                        false => self.cost(children, level + 1)?,
                    };
                    Cost {
                        depth: inner.depth + 1,
                        fields: inner.fields.saturating_add(1),
                        nesting: inner.nesting + usize::from(!children.items.is_empty()),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let inner = self.cost(&fragment.node.selection_set.node, level + 1)?;
                    Cost {
                        nesting: inner.nesting + 1,
                        ..inner
                    }
                }
                Selection::FragmentSpread(spread) => {
                    self.spread(spread.node.fragment_name.node.as_str(), level)?
                }
            };
            total = Cost {
                depth: total.depth.max(cost.depth),
                fields: total.fields.saturating_add(cost.fields),
                nesting: total.nesting.max(cost.nesting),
            };
        }
        Ok(total)
    }

    fn spread(&mut self, name: &'a str, level: usize) -> Result<Cost, ServerError> {
        if let Some(cost) = self.known.get(name) {
            return Ok(*cost);
        }
        if self.visiting.contains(&name) {
            return Err(ServerError::new(
                format!("Cannot spread fragment \"{name}\" within itself"),
                None,
            ));
        }
        // An unknown fragment costs nothing here; validation names it.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(Cost::default());
        };
        self.visiting.push(name);
        let inner = self.cost(&fragment.node.selection_set.node, level + 1)?;
        self.visiting.pop();
        let cost = Cost {
            nesting: inner.nesting + 1,
            ..inner
        };
        self.known.insert(name, cost);
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> Option<String> {
        check(&mut Request::new(query)).err().map(|error| error.message)
    }

    #[test]
    fn ordinary_queries_pass_and_are_parsed_once() {
        let mut request = Request::new(
            "query Q { projects { name experiments: description } } fragment F on Project { name }",
        );
        assert!(check(&mut request).is_ok());
        assert!(request.parsed_query().is_ok());
    }

    #[test]
    fn deep_wide_and_self_spreading_queries_are_refused() {
        let deep = format!(
            "{{ {}x{} }}",
            "a { ".repeat(MAX_DEPTH + 1),
            " }".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(refusal(&deep).as_deref(), Some("Query is nested too deep."));
        let aliases: String = (0..MAX_COMPLEXITY + 1).map(|i| format!("a{i}:n ")).collect();
        assert!(aliases.len() < MAX_QUERY_BYTES);
        assert_eq!(
            refusal(&format!("{{ {aliases} }}")).as_deref(),
            Some("Query is too complex.")
        );
        let long = format!("{{ {} }}", "n ".repeat(MAX_QUERY_BYTES));
        assert!(refusal(&long).expect("refused").contains("at most 65536"));
        // Ten fragments each spreading the next ten times: 10^10 fields in a few hundred bytes.
        let mut bomb = String::from("{ ...F0 }");
        for level in 0..10 {
            let spreads = format!("...F{} ", level + 1).repeat(10);
            bomb.push_str(&format!(" fragment F{level} on Query {{ {spreads} }}"));
        }
        bomb.push_str(" fragment F10 on Query { name }");
        assert_eq!(refusal(&bomb).as_deref(), Some("Query is too complex."));
        let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(refusal(cycle).expect("refused").contains("within itself"));
        let chain: String = (0..200)
            .map(|i| format!(" fragment F{i} on Query {{ ...F{} }}", i + 1))
            .collect();
        let refused =
            refusal(&format!("{{ ...F0 }}{chain} fragment F200 on Query {{ name }}")).expect("refused");
        assert!(refused.contains("recursion depth"), "{refused}");
        assert!(refusal("{ projects { name }")
            .expect("a parse error")
            .contains("expected"));
    }

    /// The fields every operation of a parsed document expands to, summed.
    fn expanded_fields(query: &str) -> usize {
        let document = async_graphql::parser::parse_query(query).expect("valid");
        let mut fragments = Fragments {
            document: &document,
            known: HashMap::new(),
            visiting: Vec::new(),
        };
        document
            .operations
            .iter()
            .map(|(_, operation)| {
                fragments
                    .cost(&operation.node.selection_set.node, 0)
                    .expect("within the limits")
                    .fields
            })
            .sum()
    }

    #[test]
    fn the_lexical_pass_counts_tokens_and_written_fields_without_parsing() {
        let query = "query Q($a: Float = -1.5e+3, $b: In = {x: 1}) {
            a: projects(first: 10, name: \"}{ x: y\") @include(if: $c) {
                name ...F ... on Project { id } ... @skip(if: true) { d }
            }
        }
        fragment F on Project { e # a comment { f g
        }";
        assert_eq!(Lexed::scan(query).fields, 5, "projects, name, id, d, e");
        assert_eq!(expanded_fields(query), 5);
        assert_eq!(
            Lexed::scan("{ a(x: -1.5e+3, s: \"a b\") }"),
            Lexed {
                tokens: 11,
                fields: 1
            }
        );
        assert_eq!(
            Lexed::scan("{ a(s: \"\"\"x \\\"\"\" }{ \"\"\") }"),
            Lexed { tokens: 8, fields: 1 }
        );
        assert_eq!(Lexed::scan("{ a(s: \"never closed) }").tokens, 6);
    }

    #[test]
    fn written_fields_never_exceed_what_the_operation_expands_to() {
        let documents = [
            "{ projects { name } }",
            "{ x: projects { y: name, description } me { id } }",
            "query { ...A ...A } fragment A on QueryRoot { projects { ...B } } fragment B on Project { name id }",
            "{ projects { ... on Project { name } ... @include(if: true) { id } } }",
            "mutation M($input: CreateProjectInput!) { createProject(input: $input) { id name } }",
            "{ a: projects(first: 3) { n: name } b: projects { ...P } } fragment P on Project { id }",
        ];
        for document in documents {
            let written = Lexed::scan(document).fields;
            let expanded = expanded_fields(document);
            assert!(
                written <= expanded,
                "{document}: {written} written, {expanded} expanded"
            );
            assert!(written > 0, "{document}");
        }
    }

    #[test]
    fn texts_of_too_many_tokens_or_written_fields_are_refused_before_parsing() {
        let fields = format!("{{ {} }}", "__typename ".repeat(MAX_COMPLEXITY + 1));
        assert!(fields.len() < MAX_QUERY_BYTES);
        assert_eq!(refusal(&fields).as_deref(), Some("Query is too complex."));
        let values = format!("{{ a(x: [{}]) }}", "1 ".repeat(MAX_TOKENS));
        assert!(values.len() < MAX_QUERY_BYTES);
        assert!(refusal(&values)
            .expect("refused")
            .contains("more than 10000 tokens"));
        let at_the_limit = format!("{{ {} }}", "__typename ".repeat(MAX_COMPLEXITY));
        assert!(check(&mut Request::new(at_the_limit)).is_ok());
    }

    #[test]
    fn only_queries_get_a_time_limit_and_its_end_says_what_to_do() {
        assert!(reads_only(&mut Request::new("{ projects { name } }")));
        assert!(!reads_only(&mut Request::new("mutation { logout }")));
        assert!(!reads_only(&mut Request::new(
            "query A { projects { name } } mutation B { logout }"
        )));
        let answer = timed_out(Duration::from_secs(30));
        let error = &answer.errors[0];
        assert!(error.message.contains("longer than 30 s"), "{}", error.message);
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        assert_eq!(code, Some(async_graphql::Value::from("TIMEOUT")));
    }
}
