//! The shape limits of a GraphQL request, checked as soon as its body is parsed: before the
//! caller is authenticated, so a parser, depth, alias or fragment bomb costs no database call
//! and no resolver. The schema checks the same limits again while validating (it also knows
//! fields' own costs); this pass only refuses what can never pass them, and hands its parse to
//! the schema so the query is parsed once.

use std::collections::HashMap;

use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Pos, Request, Response, ServerError};

use super::{MAX_COMPLEXITY, MAX_DEPTH, MAX_QUERY_BYTES, MAX_RECURSION};

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
