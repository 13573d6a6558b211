//! The gate between a language model's Cypher and the graph: a generated statement runs only
//! if it is one read-only statement over the question's project, and it is limited.
//!
//! Rules, each refused with the reason: one statement; it starts with `MATCH`, `OPTIONAL
//! MATCH`, `WITH`, `UNWIND` or `RETURN`; no clause that writes or calls (`CREATE`, `MERGE`,
//! `SET`, `DELETE`, `REMOVE`, `CALL`, `LOAD CSV`, `FOREACH`, …) and no `UNION`; only the labels
//! and relationship types that stay inside one project (an `Artifact` is shared by content
//! across projects, users and tokens are no one's to query), every relationship typed; every
//! `MATCH` pattern holds a node anchored to the project (`{project_id: $project_id}`) or bound
//! by an earlier pattern; no parameter but `$project_id`. A missing `LIMIT` becomes
//! [`DEFAULT_LIMIT`], a larger one [`MAX_LIMIT`]. The engine runs the result in a read-only
//! transaction besides, so a write that slipped through would still be refused.

use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// Rows a generated statement returns when it names no limit.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most rows a generated statement may return.
pub const MAX_LIMIT: u64 = 1_000;
/// The longest generated statement accepted.
pub const MAX_CYPHER_CHARS: usize = 4_000;

/// Labels a generated statement may name: nodes that belong to one project.
pub const LABELS: &[&str] = &["Experiment", "Feature", "Metric", "Hypothesis", "CodeSnapshot"];
/// Relationship types a generated statement may follow: edges inside one project.
pub const RELATIONSHIPS: &[&str] = &[
    "CHILD_OF",
    "MERGED_FROM",
    "SETS",
    "MEASURED",
    "TESTED_BY",
    "TARGETS",
    "ABOUT",
    "EVIDENCE",
    "RERUN_OF",
    "HAS_CODE",
];

const FIRST_CLAUSES: &[&str] = &["MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN"];
const REFUSED_KEYWORDS: &[&str] = &[
    "CREATE",
    "MERGE",
    "SET",
    "DELETE",
    "DETACH",
    "REMOVE",
    "DROP",
    "CALL",
    "LOAD",
    "FOREACH",
    "USING",
    "UNION",
    "GRANT",
    "DENY",
    "REVOKE",
    "ALTER",
    "SHOW",
    "USE",
    "TERMINATE",
    "START",
    "STOP",
    "RENAME",
    "ENABLE",
    "DISABLE",
];
const CLAUSE_ENDS: &[&str] = &[
    "WHERE", "RETURN", "WITH", "MATCH", "OPTIONAL", "UNWIND", "ORDER", "LIMIT", "SKIP",
];

/// A statement that passed the gate, with what was changed to let it pass.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCypher {
    /// The statement to run.
    pub text: String,
    /// What the gate changed (a limit added or lowered).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Param(String),
    Number(String),
    Text,
    Symbol(char),
}

fn refuse(reason: impl Into<String>) -> Error {
    Error::invalid("cypher", reason)
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>> {
    let characters: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let (offset, character) = characters[index];
        let next = characters.get(index + 1).map(|(_, c)| *c);
        if character.is_whitespace() {
            index += 1;
        } else if character == '/' && next == Some('/') {
            while index < characters.len() && characters[index].1 != '\n' {
                index += 1;
            }
        } else if character == '/' && next == Some('*') {
            index += 2;
            while index + 1 < characters.len()
                && !(characters[index].1 == '*' && characters[index + 1].1 == '/')
            {
                index += 1;
            }
            if index + 1 >= characters.len() {
                return Err(refuse("an unclosed comment"));
            }
            index += 2;
        } else if character == '\'' || character == '"' {
            index += 1;
            loop {
                match characters.get(index).map(|(_, c)| *c) {
                    None => return Err(refuse("an unclosed string")),
                    Some('\\') => index += 2,
                    Some(c) if c == character => break,
                    Some(_) => index += 1,
                }
            }
            index += 1;
            tokens.push((offset, Token::Text));
        } else if character == '`' {
            let start = index + 1;
            index += 1;
            while index < characters.len() && characters[index].1 != '`' {
                index += 1;
            }
            if index >= characters.len() {
                return Err(refuse("an unclosed quoted name"));
            }
            let name: String = characters[start..index].iter().map(|(_, c)| *c).collect();
            tokens.push((offset, Token::Word(name)));
            index += 1;
        } else if character == '$' {
            let start = index + 1;
            index += 1;
            while index < characters.len()
                && (characters[index].1.is_alphanumeric() || characters[index].1 == '_')
            {
                index += 1;
            }
            let name: String = characters[start..index].iter().map(|(_, c)| *c).collect();
            tokens.push((offset, Token::Param(name)));
        } else if character.is_ascii_digit() {
            let start = index;
            while index < characters.len()
                && (characters[index].1.is_ascii_alphanumeric() || characters[index].1 == '.')
            {
                index += 1;
            }
            let number: String = characters[start..index].iter().map(|(_, c)| *c).collect();
            tokens.push((offset, Token::Number(number)));
        } else if character.is_alphabetic() || character == '_' {
            let start = index;
            while index < characters.len()
                && (characters[index].1.is_alphanumeric() || characters[index].1 == '_')
            {
                index += 1;
            }
            let word: String = characters[start..index].iter().map(|(_, c)| *c).collect();
            tokens.push((offset, Token::Word(word)));
        } else {
            tokens.push((offset, Token::Symbol(character)));
            index += 1;
        }
    }
    Ok(tokens)
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(found) if found.eq_ignore_ascii_case(word))
}

/// Checks a generated statement and returns it limited, or refuses it with the reason
/// (`Invalid` on `cypher`).
pub fn check(cypher: &str) -> Result<CheckedCypher> {
    let mut text = cypher.trim().trim_end_matches(';').trim().to_owned();
    if text.is_empty() {
        return Err(refuse("the statement is empty"));
    }
    if text.chars().count() > MAX_CYPHER_CHARS {
        return Err(refuse(format!("longer than {MAX_CYPHER_CHARS} characters")));
    }
    let tokens = tokenize(&text)?;
    let plain: Vec<&Token> = tokens.iter().map(|(_, token)| token).collect();
    if plain.contains(&&Token::Symbol(';')) {
        return Err(refuse("more than one statement"));
    }
    match plain.first() {
        Some(Token::Word(word))
            if FIRST_CLAUSES
                .iter()
                .any(|clause| word.eq_ignore_ascii_case(clause)) => {}
        _ => {
            return Err(refuse(
                "a read starts with MATCH, OPTIONAL MATCH, WITH, UNWIND or RETURN",
            ))
        }
    }
    for (position, token) in plain.iter().enumerate() {
        let after_dot = position > 0 && plain[position - 1] == &Token::Symbol('.');
        if let Token::Word(word) = token {
            if !after_dot
                && REFUSED_KEYWORDS
                    .iter()
                    .any(|keyword| word.eq_ignore_ascii_case(keyword))
            {
                return Err(refuse(format!(
                    "`{}` is not allowed: only reads run",
                    word.to_uppercase()
                )));
            }
        }
        if let Token::Param(name) = token {
            if name != "project_id" {
                return Err(refuse(format!(
                    "unknown parameter `${name}`: only `$project_id` is given"
                )));
            }
        }
    }
    check_names(&plain)?;
    check_anchors(&plain)?;
    let mut notes = Vec::new();
    limit(&mut text, &tokens, &mut notes)?;
    Ok(CheckedCypher { text, notes })
}

/// Labels and relationship types from the allowed sets; every relationship typed.
fn check_names(tokens: &[&Token]) -> Result<()> {
    let mut braces = 0i32;
    let mut in_relationship = false;
    for (position, token) in tokens.iter().enumerate() {
        let previous = position.checked_sub(1).map(|p| tokens[p]);
        match token {
            Token::Symbol('{') => braces += 1,
            Token::Symbol('}') => braces -= 1,
            Token::Symbol('[') if previous == Some(&Token::Symbol('-')) => {
                in_relationship = true;
                let closing = tokens[position..].iter().position(|t| **t == Token::Symbol(']'));
                let body = &tokens[position..position + closing.unwrap_or(0)];
                if !body.contains(&&Token::Symbol(':')) {
                    return Err(refuse("every relationship needs a type, e.g. -[:CHILD_OF]->"));
                }
            }
            Token::Symbol(']') => in_relationship = false,
            Token::Symbol('-') if matches!(previous, Some(Token::Symbol('-')) | Some(Token::Symbol('<'))) => {
                let after = tokens.get(position + 1);
                if matches!(
                    after,
                    Some(Token::Symbol('-')) | Some(Token::Symbol('>')) | Some(Token::Symbol('('))
                ) || previous == Some(&Token::Symbol('-'))
                {
                    return Err(refuse("every relationship needs a type, e.g. -[:CHILD_OF]->"));
                }
            }
            Token::Word(name) if braces == 0 => {
                let named_after = matches!(previous, Some(Token::Symbol(':')))
                    || (in_relationship && matches!(previous, Some(Token::Symbol('|'))));
                if !named_after {
                    continue;
                }
                let allowed = if in_relationship { RELATIONSHIPS } else { LABELS };
                if !allowed.contains(&name.as_str()) {
                    let what = if in_relationship {
                        "relationship type"
                    } else {
                        "label"
                    };
                    return Err(refuse(format!(
                        "{what} `{name}` is not queryable here; use {}",
                        allowed.join(", ")
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every `MATCH` pattern holds a node anchored to the project or bound before.
fn check_anchors(tokens: &[&Token]) -> Result<()> {
    let mut bound: BTreeSet<String> = BTreeSet::new();
    let mut position = 0;
    while position < tokens.len() {
        if !is_word(tokens[position], "MATCH") {
            position += 1;
            continue;
        }
        let start = position + 1;
        let mut end = start;
        let mut depth = 0i32;
        while end < tokens.len() {
            match tokens[end] {
                Token::Symbol('(' | '[' | '{') => depth += 1,
                Token::Symbol(')' | ']' | '}') => depth -= 1,
                Token::Word(word)
                    if depth == 0 && CLAUSE_ENDS.iter().any(|end| word.eq_ignore_ascii_case(end)) =>
                {
                    break
                }
                _ => {}
            }
            end += 1;
        }
        for part in split_top_level(&tokens[start..end]) {
            let nodes = node_patterns(part);
            let anchored = nodes.iter().any(|(variable, anchored)| {
                *anchored || variable.as_ref().is_some_and(|v| bound.contains(v))
            });
            if !anchored {
                return Err(refuse(
                    "every MATCH pattern must hold a node of this project, `(x:Label {project_id: $project_id})`, or a variable bound before",
                ));
            }
            bound.extend(nodes.into_iter().filter_map(|(variable, _)| variable));
        }
        position = end;
    }
    Ok(())
}

fn split_top_level<'a>(tokens: &'a [&'a Token]) -> Vec<&'a [&'a Token]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (position, token) in tokens.iter().enumerate() {
        match token {
            Token::Symbol('(' | '[' | '{') => depth += 1,
            Token::Symbol(')' | ']' | '}') => depth -= 1,
            Token::Symbol(',') if depth == 0 => {
                parts.push(&tokens[start..position]);
                start = position + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// The node patterns of a pattern: (variable, whether its map says `project_id: $project_id`).
fn node_patterns(part: &[&Token]) -> Vec<(Option<String>, bool)> {
    let mut nodes = Vec::new();
    for (position, token) in part.iter().enumerate() {
        if **token != Token::Symbol('(') {
            continue;
        }
        let variable = match part.get(position + 1) {
            Some(Token::Word(name)) => Some(name.clone()),
            _ => None,
        };
        let closing = part[position..]
            .iter()
            .position(|t| **t == Token::Symbol(')'))
            .map_or(part.len(), |offset| position + offset);
        let inside = &part[position..closing];
        let anchored = inside.windows(3).any(|window| {
            is_word(window[0], "project_id")
                && *window[1] == Token::Symbol(':')
                && *window[2] == Token::Param("project_id".into())
        });
        nodes.push((variable, anchored));
    }
    nodes
}

/// Adds [`DEFAULT_LIMIT`] when the statement ends without a limit, lowers one above [`MAX_LIMIT`].
fn limit(text: &mut String, tokens: &[(usize, Token)], notes: &mut Vec<String>) -> Result<()> {
    let last_limit = tokens.iter().rposition(|(_, token)| is_word(token, "LIMIT"));
    let Some(position) = last_limit else {
        text.push_str(&format!(" LIMIT {DEFAULT_LIMIT}"));
        notes.push(format!("LIMIT {DEFAULT_LIMIT} added"));
        return Ok(());
    };
    match tokens.get(position + 1) {
        Some((offset, Token::Number(number))) => {
            let value: u64 = number
                .parse()
                .map_err(|_| refuse(format!("LIMIT `{number}` is not a count")))?;
            if value > MAX_LIMIT {
                text.replace_range(*offset..*offset + number.len(), &MAX_LIMIT.to_string());
                notes.push(format!("LIMIT {value} lowered to {MAX_LIMIT}"));
            }
            Ok(())
        }
        _ => Err(refuse("LIMIT must be a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason(cypher: &str) -> String {
        match check(cypher) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "cypher");
                reason
            }
            other => panic!("`{cypher}` should be refused, got {other:?}"),
        }
    }

    #[test]
    fn anchored_reads_pass_and_get_a_limit() {
        let checked = check(
            "MATCH (e:Experiment {project_id: $project_id})-[:CHILD_OF]->(p:Experiment) \
             WHERE e.notes CONTAINS 'set up' RETURN e.number, p.number;",
        )
        .expect("passes");
        assert!(
            checked.text.ends_with("RETURN e.number, p.number LIMIT 100"),
            "{}",
            checked.text
        );
        assert_eq!(checked.notes, vec!["LIMIT 100 added"]);
        let lowered = check("MATCH (h:Hypothesis {project_id: $project_id}) RETURN h.title LIMIT 50000")
            .expect("passes");
        assert!(lowered.text.ends_with("LIMIT 1000"), "{}", lowered.text);
        check("MATCH (e:Experiment {project_id: $project_id}) MATCH (e)-[:SETS]->(f:Feature) RETURN f.path LIMIT 5")
            .expect("a variable bound before anchors the second MATCH");
        check("MATCH (e:Experiment {project_id: $project_id}), (e)-[s:SETS|MEASURED]->(x) RETURN count(x)")
            .expect("parts bound by an earlier part pass");
    }

    #[test]
    fn writes_calls_and_several_statements_are_refused() {
        for cypher in [
            "MATCH (e:Experiment {project_id: $project_id}) SET e.name = 'x' RETURN e",
            "MATCH (e:Experiment {project_id: $project_id}) DETACH DELETE e",
            "CREATE (e:Experiment {project_id: $project_id})",
            "MATCH (e:Experiment {project_id: $project_id}) CALL db.labels() YIELD label RETURN label",
            "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
            "MATCH (e:Experiment {project_id: $project_id}) RETURN e.number UNION MATCH (e:Experiment {project_id: $project_id}) RETURN e.number",
            "MATCH (e:Experiment {project_id: $project_id}) RETURN e; MATCH (n) DETACH DELETE n",
        ] {
            let reason = reason(cypher);
            assert!(!reason.is_empty());
        }
        assert!(reason(
            "MATCH (e:Experiment {project_id: $project_id}) MERGE (x:Experiment {id: 1}) RETURN x"
        )
        .contains("MERGE"));
    }

    #[test]
    fn statements_that_could_leave_the_project_are_refused() {
        assert!(reason("MATCH (e:Experiment) RETURN e.name").contains("this project"));
        assert!(reason("MATCH (u:User) RETURN u.email").contains("`User`"));
        assert!(reason(
            "MATCH (e:Experiment {project_id: $project_id})-[:PRODUCED]->(a)<-[:PRODUCED]-(o) RETURN o.name"
        )
        .contains("PRODUCED"));
        assert!(reason("MATCH (e:Experiment {project_id: $project_id})--(o) RETURN o.name").contains("type"));
        assert!(
            reason("MATCH (e:Experiment {project_id: $project_id})-[r]->(o) RETURN o.name").contains("type")
        );
        assert!(reason("MATCH (e:Experiment {project_id: $other}) RETURN e").contains("$other"));
        assert!(
            reason("MATCH (e:Experiment {project_id: $project_id}), (o:Experiment) RETURN o")
                .contains("this project")
        );
        assert!(reason("EXPLAIN MATCH (n) RETURN n").contains("starts with"));
        assert!(reason("MATCH (e:Experiment {project_id: $project_id}) RETURN e LIMIT $n").contains("$n"));
    }

    #[test]
    fn strings_and_comments_hide_nothing() {
        check(
            "MATCH (e:Experiment {project_id: $project_id}) WHERE e.notes = 'DELETE; CREATE' RETURN e.name",
        )
        .expect("keywords inside strings are text");
        assert!(
            reason("MATCH (e:Experiment {project_id: $project_id}) RETURN e /* unclosed").contains("comment")
        );
        assert!(reason("MATCH (e:Experiment {project_id: $project_id}) RETURN 'open").contains("string"));
        assert!(
            reason("MATCH (e:Experiment {project_id: $project_id}) // note\nDELETE e").contains("DELETE")
        );
    }

    proptest! {
        #[test]
        fn any_text_is_checked_without_panicking(text in "\\PC{0,200}") {
            match check(&text) {
                Ok(checked) => prop_assert!(checked.text.contains("LIMIT")),
                Err(Error::Invalid { field, .. }) => prop_assert_eq!(field, "cypher"),
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}
