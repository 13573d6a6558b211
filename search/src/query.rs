//! The user query syntax, parsed into a [`ParsedQuery`].
//!
//! ```text
//! lr sweep                 every word must match (title, notes, tags or features)
//! adam OR sgd              alternatives
//! -draft                   exclusion
//! "learning rate"          phrase; title:"lr sweep" too
//! title:resnet             field query: name/title, notes/description/body, tag/tags,
//!                          feature/features, kind (exact), status (exact keyword)
//! optim*  title:res*       prefix (at least 2 characters before the star)
//! acuracy~  acuracy~2      fuzzy, edit distance 1 (default) or 2
//! ```
//!
//! Words are analyzed like the indexed text (see [`crate::tokenizer`]); a word the analyzer splits
//! into several tokens (`optimizer.lr`, `12_from_8`) becomes a phrase of them. The parser owns the
//! syntax so tantivy's query language never reaches users; [`crate::compile`] turns the result into
//! tantivy queries and [`crate::highlight`] reuses it to mark matches.

use crate::document::DocumentKind;
use crate::error::{Error, Result};
use crate::tokenizer::token_texts;

/// The longest accepted query, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 1_000;
/// The most clauses (words, phrases, field queries) a query may hold.
pub(crate) const MAX_CLAUSES: usize = 32;
/// The fewest characters a prefix needs before its `*`, so `a*` cannot expand to half the index.
const MIN_PREFIX_CHARS: usize = 2;
/// The field names users may write, for the unknown-field message.
const KNOWN_FIELDS: &str =
    "name, title, notes, description, body, tag, tags, feature, features, kind, status";

/// A parsed query: every positive group must match and no excluded group may.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedQuery {
    pub(crate) groups: Vec<ClauseGroup>,
}

/// Clauses joined by `OR`, or one excluded clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClauseGroup {
    pub(crate) excluded: bool,
    pub(crate) alternatives: Vec<Clause>,
}

/// One word, phrase or field query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub(crate) target: Target,
    pub(crate) matcher: Matcher,
}

/// The fields a clause searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Title (boosted), notes, tags and features.
    AllText,
    /// One full-text field.
    Text(TextField),
    /// The document kind, matched exactly.
    Kind,
    /// The status keyword.
    Status,
}

/// The full-text fields, in the order snippets are returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    Title,
    Body,
    Tags,
    Features,
}

impl TextField {
    /// Every full-text field, title first.
    pub(crate) const ALL: [TextField; 4] = [
        TextField::Title,
        TextField::Body,
        TextField::Tags,
        TextField::Features,
    ];
}

/// How a clause matches the tokens of a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    /// One token, or a phrase of consecutive tokens.
    Tokens(Vec<String>),
    /// Consecutive tokens, the last one matched as a prefix.
    Prefix(Vec<String>),
    /// One token within `distance` edits (a transposition counts as one).
    Fuzzy { token: String, distance: u8 },
}

impl ParsedQuery {
    /// Parses `query`, refusing it with an `Invalid` error on the `query` field.
    pub(crate) fn parse(query: &str) -> Result<ParsedQuery> {
        if query.trim().is_empty() {
            return Err(invalid("must not be empty"));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(invalid(format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        let raw_groups = group_alternatives(lex(query)?)?;
        let clause_count: usize = raw_groups.iter().map(Vec::len).sum();
        if clause_count > MAX_CLAUSES {
            return Err(invalid(format!(
                "must have at most {MAX_CLAUSES} clauses, this one has {clause_count}"
            )));
        }
        let mut groups = Vec::with_capacity(raw_groups.len());
        for raw_group in raw_groups {
            let excluded = raw_group.iter().any(|operand| operand.excluded);
            let mut alternatives = Vec::with_capacity(raw_group.len());
            for operand in raw_group {
                alternatives.extend(resolve(operand)?);
            }
            if !alternatives.is_empty() {
                groups.push(ClauseGroup {
                    excluded,
                    alternatives,
                });
            }
        }
        if groups.is_empty() {
            return Err(invalid("contains no searchable words"));
        }
        Ok(ParsedQuery { groups })
    }

    /// The clauses that select documents (not excluded), for highlighting.
    pub(crate) fn positive_clauses(&self) -> impl Iterator<Item = &Clause> {
        self.groups
            .iter()
            .filter(|group| !group.excluded)
            .flat_map(|group| group.alternatives.iter())
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::invalid("query", reason)
}

/// A lexical element: the `OR` operator or an operand.
#[derive(Debug)]
enum Lexeme {
    Or,
    Operand(RawOperand),
}

/// An operand as written: optional `-`, optional `field:`, a word or a quoted phrase.
#[derive(Debug)]
struct RawOperand {
    excluded: bool,
    field: Option<String>,
    value: RawValue,
}

#[derive(Debug)]
enum RawValue {
    Word(String),
    Phrase(String),
}

fn lex(query: &str) -> Result<Vec<Lexeme>> {
    let characters: Vec<char> = query.chars().collect();
    let mut lexemes = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        if characters[index].is_whitespace() {
            index += 1;
            continue;
        }
        let followed_by_operand = characters
            .get(index + 1)
            .is_some_and(|next| !next.is_whitespace());
        let excluded = characters[index] == '-' && followed_by_operand;
        if excluded {
            index += 1;
        }
        let word_start = index;
        while index < characters.len() && !characters[index].is_whitespace() && characters[index] != '"' {
            index += 1;
        }
        let word: String = characters[word_start..index].iter().collect();
        let (field, field_value) = split_field(&word);
        let quote_follows = characters.get(index) == Some(&'"');
        let phrase_is_the_value = word.is_empty() || (field.is_some() && field_value.is_empty());
        let value = if quote_follows && phrase_is_the_value {
            let phrase_start = index + 1;
            let closing = characters[phrase_start..]
                .iter()
                .position(|&character| character == '"')
                .ok_or_else(|| invalid("unbalanced quote: a phrase opened with \" is never closed"))?;
            index = phrase_start + closing + 1;
            RawValue::Phrase(characters[phrase_start..phrase_start + closing].iter().collect())
        } else {
            RawValue::Word(field_value.to_string())
        };
        let is_or_operator =
            !excluded && field.is_none() && matches!(&value, RawValue::Word(word) if word == "OR");
        lexemes.push(if is_or_operator {
            Lexeme::Or
        } else {
            Lexeme::Operand(RawOperand {
                excluded,
                field,
                value,
            })
        });
    }
    Ok(lexemes)
}

/// Splits `field:value`; a word whose part before the first colon is not a plain name (`12:30`,
/// `:x`) has no field.
fn split_field(word: &str) -> (Option<String>, &str) {
    let Some(colon) = word.find(':') else {
        return (None, word);
    };
    let name = &word[..colon];
    let is_field_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
    if !is_field_name {
        return (None, word);
    }
    (Some(name.to_ascii_lowercase()), &word[colon + 1..])
}

/// Joins operands around `OR` into groups.
fn group_alternatives(lexemes: Vec<Lexeme>) -> Result<Vec<Vec<RawOperand>>> {
    let mut groups: Vec<Vec<RawOperand>> = Vec::new();
    let mut after_or = false;
    for lexeme in lexemes {
        match lexeme {
            Lexeme::Or if groups.is_empty() || after_or => return Err(or_needs_both_sides()),
            Lexeme::Or => after_or = true,
            Lexeme::Operand(operand) => match groups.last_mut() {
                Some(group) if after_or => {
                    group.push(operand);
                    after_or = false;
                }
                _ => groups.push(vec![operand]),
            },
        }
    }
    if after_or {
        return Err(or_needs_both_sides());
    }
    let excluded_alternative = groups
        .iter()
        .any(|group| group.len() > 1 && group.iter().any(|operand| operand.excluded));
    if excluded_alternative {
        return Err(invalid(
            "\"OR\" cannot join an excluded clause; write the exclusion on its own",
        ));
    }
    Ok(groups)
}

fn or_needs_both_sides() -> Error {
    invalid("\"OR\" needs a clause on each side")
}

/// Resolves an operand into a clause, or `None` when it holds nothing searchable (`-`, `...`).
fn resolve(operand: RawOperand) -> Result<Option<Clause>> {
    let target = match operand.field.as_deref() {
        None => Target::AllText,
        Some("name" | "title") => Target::Text(TextField::Title),
        Some("notes" | "description" | "body") => Target::Text(TextField::Body),
        Some("tag" | "tags") => Target::Text(TextField::Tags),
        Some("feature" | "features") => Target::Text(TextField::Features),
        Some("kind") => Target::Kind,
        Some("status") => Target::Status,
        Some(unknown) => {
            return Err(invalid(format!(
                "unknown field \"{unknown}\"; known fields: {KNOWN_FIELDS}"
            )))
        }
    };
    if let (Some(field), RawValue::Word(word)) = (&operand.field, &operand.value) {
        if word.is_empty() {
            return Err(invalid(format!(
                "field \"{field}\" needs a value after the colon"
            )));
        }
    }
    match (target, operand.value) {
        (Target::Kind, RawValue::Word(value) | RawValue::Phrase(value)) => kind_clause(&value).map(Some),
        (Target::Status, RawValue::Phrase(value)) => keyword_clause(Target::Status, &value, WordForm::Exact),
        (Target::Status, RawValue::Word(word)) => keyword_clause(Target::Status, &word, word_form(&word)?),
        (_, RawValue::Phrase(phrase)) => text_clause(target, &phrase, WordForm::Exact),
        (_, RawValue::Word(word)) => text_clause(target, &word, word_form(&word)?),
    }
}

/// What a word's suffix asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordForm {
    Exact,
    /// `word*`: strip the trailing stars.
    Prefix,
    /// `word~` or `word~2`: strip `suffix_chars` characters.
    Fuzzy {
        distance: u8,
        suffix_chars: usize,
    },
}

fn word_form(word: &str) -> Result<WordForm> {
    if word.ends_with('*') {
        return Ok(WordForm::Prefix);
    }
    let Some(tilde) = word.rfind('~') else {
        return Ok(WordForm::Exact);
    };
    let suffix = &word[tilde + 1..];
    if !suffix.chars().all(|c| c.is_ascii_digit()) {
        return Ok(WordForm::Exact);
    }
    let distance = match suffix {
        "" | "1" => 1,
        "2" => 2,
        _ => {
            return Err(invalid(format!(
                "fuzzy distance must be 1 or 2, not \"~{suffix}\""
            )))
        }
    };
    Ok(WordForm::Fuzzy {
        distance,
        suffix_chars: suffix.len() + 1,
    })
}

/// The word without its prefix or fuzzy suffix.
fn word_stem(word: &str, form: WordForm) -> &str {
    match form {
        WordForm::Exact => word,
        WordForm::Prefix => word.trim_end_matches('*'),
        WordForm::Fuzzy { suffix_chars, .. } => &word[..word.len() - suffix_chars],
    }
}

fn text_clause(target: Target, word: &str, form: WordForm) -> Result<Option<Clause>> {
    let mut tokens = token_texts(word_stem(word, form));
    let matcher = match form {
        WordForm::Exact if tokens.is_empty() => return Ok(None),
        WordForm::Exact => Matcher::Tokens(tokens),
        WordForm::Prefix => {
            let last_token_chars = tokens.last().map_or(0, |token| token.chars().count());
            if last_token_chars < MIN_PREFIX_CHARS {
                return Err(prefix_too_short(word));
            }
            Matcher::Prefix(tokens)
        }
        WordForm::Fuzzy { distance, .. } => match tokens.len() {
            0 => return Ok(None),
            1 => Matcher::Fuzzy {
                token: tokens.remove(0),
                distance,
            },
            _ => return Err(invalid(format!("fuzzy word \"{word}\" must be a single word"))),
        },
    };
    Ok(Some(Clause { target, matcher }))
}

fn prefix_too_short(word: &str) -> Error {
    invalid(format!(
        "prefix \"{word}\" needs at least {MIN_PREFIX_CHARS} letters or digits before \"*\""
    ))
}

fn keyword_clause(target: Target, word: &str, form: WordForm) -> Result<Option<Clause>> {
    let keyword = word_stem(word, form).trim().to_lowercase();
    if keyword.is_empty() {
        return Err(invalid("field \"status\" needs a value"));
    }
    let matcher = match form {
        WordForm::Exact => Matcher::Tokens(vec![keyword]),
        WordForm::Prefix if keyword.chars().count() < MIN_PREFIX_CHARS => return Err(prefix_too_short(word)),
        WordForm::Prefix => Matcher::Prefix(vec![keyword]),
        WordForm::Fuzzy { distance, .. } => Matcher::Fuzzy {
            token: keyword,
            distance,
        },
    };
    Ok(Some(Clause { target, matcher }))
}

fn kind_clause(value: &str) -> Result<Clause> {
    let name = value.trim().to_lowercase();
    let kind = DocumentKind::ALL
        .into_iter()
        .find(|kind| kind.as_str() == name)
        .ok_or_else(|| {
            invalid(format!(
                "unknown kind \"{value}\"; known kinds: {}",
                DocumentKind::known_names()
            ))
        })?;
    Ok(Clause {
        target: Target::Kind,
        matcher: Matcher::Tokens(vec![kind.as_str().to_string()]),
    })
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
