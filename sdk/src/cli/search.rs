//! `rsdk search`, `rsdk ask` and `rsdk reindex`: full-text search, plain-language questions
//! and the rebuild of the search index, printed for a person (plain text, matches in
//! brackets, aligned columns) or with `--json` for scripts. The printing is split from the
//! requests so that it can be tested without a server.

use serde_json::Value;

use super::{spinner, Connection};
use crate::api::{self, Answer, SearchHit, SearchKind, SearchResults, SearchSnippet};
use crate::client::Client;
use crate::error::{Error, Result};

/// The exit status of a question that got a clarifying answer instead of rows.
pub const UNANSWERED: i32 = 2;

/// The query syntax, shown by `rsdk search --help`.
pub const SEARCH_SYNTAX: &str = "\
Query syntax:
  warmup schedule      every word must match (in any field)
  warmup OR cosine     either word
  transformer -vit     without the word vit
  \"converge twice\"     the exact phrase
  warm*                words starting with warm
  transfromer~         words within one edit (transfromer~2: two)
  field:value          in one field: name, notes, tag, feature, kind, status
                       (e.g. tag:sweep, feature:optimizer.lr, status:failed)

Examples:
  rsdk search -p vision 'notes:warmup -status:failed'
  rsdk search --kind hypothesis,experiment 'stabil*'
  rsdk search --json lr | jq .title";

/// Examples of questions, shown by `rsdk ask --help`.
pub const ASK_EXAMPLES: &str = "\
Examples:
  rsdk ask -p vision best 3 runs by val_acc
  rsdk ask -p vision which runs are planned
  rsdk ask -p vision 'best runs by val_acc with optimizer.name=adamw'
  rsdk ask -p vision how did changing model.width affect val_loss
  rsdk ask -p vision --cypher ancestors of run 12

Exit status: 0 answered, 2 a clarifying answer (the suggestions say what to try), 1 an error.";

pub(super) fn search(
    connection: &Connection,
    query: &str,
    project: Option<&str>,
    kinds: &[SearchKind],
    limit: i64,
    json: bool,
) -> Result<i32> {
    let client = Client::new(connection.config()?);
    let results = api::search(&client, query, project, kinds, limit)?;
    if json {
        for hit in &results.hits {
            println!("{}", to_json(hit)?);
        }
        return Ok(0);
    }
    for line in search_lines(&results) {
        println!("{line}");
    }
    if results.hits.is_empty() {
        eprintln!(
            "hint: fewer words, `prefix*` or `fuzzy~` find more; `rsdk search --help` shows the syntax"
        );
    }
    Ok(0)
}

pub(super) fn ask(
    connection: &Connection,
    project: &str,
    question: &str,
    json: bool,
    cypher: bool,
) -> Result<i32> {
    let client = Client::new(connection.config()?);
    let answer = api::ask(&client, project, question)?;
    let status = if answer.answered { 0 } else { UNANSWERED };
    if json {
        println!("{}", to_json(&answer)?);
        return Ok(status);
    }
    for line in answer_lines(&answer, cypher) {
        println!("{line}");
    }
    for note in &answer.interpretation.notes {
        eprintln!("note: {note}");
    }
    Ok(status)
}

pub(super) fn reindex(connection: &Connection, project: Option<&str>) -> Result<i32> {
    let client = Client::new(connection.config()?);
    let bar = spinner("rebuilding the search index from the graph");
    let indexed = api::rebuild_search_index(&client, project);
    bar.finish_and_clear();
    println!("{}", reindexed_line(indexed?, project));
    Ok(0)
}

fn to_json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::Internal(error.to_string()))
}

/// One line a hit (kind, project, #number, title, best snippet), then `N of TOTAL hits`.
fn search_lines(results: &SearchResults) -> Vec<String> {
    let rows: Vec<Vec<String>> = results.hits.iter().map(hit_cells).collect();
    let mut lines = aligned(&rows, &[false, false, true, false, false]);
    lines.push(format!(
        "{} of {} hit{}",
        results.hits.len(),
        results.total,
        if results.total == 1 { "" } else { "s" }
    ));
    lines
}

fn hit_cells(hit: &SearchHit) -> Vec<String> {
    let number = hit.number.map(|number| format!("#{number}")).unwrap_or_default();
    let snippet = best_snippet(hit)
        .map(|snippet| format!("{}: {}", snippet.field, marked(snippet)))
        .unwrap_or_default();
    vec![
        hit.kind.label().to_owned(),
        hit.project.clone(),
        number,
        hit.title.clone(),
        snippet,
    ]
}

/// The snippet worth showing next to the title: the first with matches outside the title,
/// else the title's own (it shows which words matched).
fn best_snippet(hit: &SearchHit) -> Option<&SearchSnippet> {
    let mut highlighted = hit
        .snippets
        .iter()
        .filter(|snippet| !snippet.highlights.is_empty());
    let first = highlighted.clone().next();
    highlighted.find(|snippet| snippet.field != "title").or(first)
}

/// The snippet's text on one line with each highlighted range in brackets.
fn marked(snippet: &SearchSnippet) -> String {
    let mut ranges: Vec<(usize, usize)> = snippet
        .highlights
        .iter()
        .map(|highlight| (highlight.start, highlight.end))
        .filter(|(start, end)| start < end)
        .collect();
    ranges.sort_unstable();
    let mut text = String::with_capacity(snippet.text.len() + 2 * ranges.len());
    let mut open_until: Option<usize> = None;
    let mut next_range = ranges.iter().peekable();
    for (index, character) in snippet.text.chars().enumerate() {
        if open_until == Some(index) {
            text.push(']');
            open_until = None;
        }
        // Ranges overlapping an open one are skipped, not nested.
        while next_range.next_if(|(start, _)| *start < index).is_some() {}
        if open_until.is_none() {
            if let Some((_, end)) = next_range.next_if(|(start, _)| *start == index) {
                text.push('[');
                open_until = Some(*end);
            }
        }
        text.push(if character.is_whitespace() { ' ' } else { character });
    }
    // A range reaching the end of the text (or past it) closes there.
    if open_until.is_some() {
        text.push(']');
    }
    text
}

/// The sentence; then the rows under their column names, or what to try instead; then, with
/// `cypher`, the statements that ran.
fn answer_lines(answer: &Answer, cypher: bool) -> Vec<String> {
    let mut lines = vec![answer.sentence.clone()];
    if answer.answered && !answer.rows.is_empty() {
        lines.push(String::new());
        lines.extend(table(&answer.columns, &answer.rows));
    }
    if !answer.answered && !answer.suggestions.is_empty() {
        let suggestions: Vec<String> = answer
            .suggestions
            .iter()
            .map(|suggestion| {
                if suggestion.contains(char::is_whitespace) {
                    format!("\"{suggestion}\"")
                } else {
                    suggestion.clone()
                }
            })
            .collect();
        lines.push(format!("Try: {}", suggestions.join(", ")));
    }
    if cypher {
        for statement in &answer.cypher {
            lines.push(String::new());
            lines.push(format!(
                "// {} ({} row{})",
                statement.name,
                statement.rows,
                if statement.rows == 1 { "" } else { "s" }
            ));
            lines.extend(statement.text.trim_end().lines().map(str::to_owned));
            lines.push(format!("// parameters: {}", statement.parameters));
        }
    }
    lines
}

/// `rows` under `columns`; columns of numbers are right-aligned.
fn table(columns: &[String], rows: &[Vec<Value>]) -> Vec<String> {
    let numeric: Vec<bool> = (0..columns.len())
        .map(|column| {
            let cells = rows.iter().filter_map(|row| row.get(column));
            let mut non_null = cells.filter(|cell| !cell.is_null()).peekable();
            non_null.peek().is_some() && non_null.all(Value::is_number)
        })
        .collect();
    let mut lines = vec![columns.to_vec()];
    lines.extend(rows.iter().map(|row| row.iter().map(cell).collect()));
    aligned(&lines, &numeric)
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `rows` in columns two spaces apart, right-aligned where `right` says so; the last column
/// is not padded, and empty trailing cells leave no trailing spaces.
fn aligned(rows: &[Vec<String>], right: &[bool]) -> Vec<String> {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|text| text.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(column, text)| {
                    let width = widths[column];
                    let is_last = column + 1 == count;
                    if right.get(column).copied().unwrap_or(false) {
                        format!("{text:>width$}")
                    } else if is_last {
                        text.clone()
                    } else {
                        format!("{text:<width$}")
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect()
}

fn reindexed_line(indexed: i64, project: Option<&str>) -> String {
    let scope = project.map_or("every project".to_owned(), |project| format!("project {project}"));
    let plural = if indexed == 1 { "" } else { "s" };
    format!("indexed {indexed} document{plural} ({scope})")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::{CypherStatement, Highlight, Interpretation};

    fn snippet(field: &str, text: &str, highlights: &[(usize, usize)]) -> SearchSnippet {
        SearchSnippet {
            field: field.to_owned(),
            text: text.to_owned(),
            html: String::new(),
            highlights: highlights
                .iter()
                .map(|&(start, end)| Highlight { start, end })
                .collect(),
        }
    }

    fn hit(kind: SearchKind, number: Option<i64>, title: &str, snippets: Vec<SearchSnippet>) -> SearchHit {
        SearchHit {
            kind,
            id: "id".to_owned(),
            project: "vision".to_owned(),
            number,
            title: title.to_owned(),
            score: 1.0,
            snippets,
        }
    }

    #[test]
    fn matches_are_bracketed_by_character_offsets_on_one_line() {
        let text = "Größere Lernrate:\nwarmup hilft";
        assert_eq!(
            marked(&snippet("notes", text, &[(18, 24), (0, 7)])),
            "[Größere] Lernrate: [warmup] hilft"
        );
        assert_eq!(
            marked(&snippet("notes", "abc", &[(1, 9)])),
            "a[bc]",
            "clamped to the text"
        );
        assert_eq!(
            marked(&snippet("notes", "abcdef", &[(0, 3), (1, 2), (4, 4)])),
            "[abc]def",
            "overlapping and empty ranges are skipped"
        );
    }

    #[test]
    fn a_hit_line_shows_the_best_snippet_and_the_total_follows() {
        let results = SearchResults {
            total: 7,
            hits: vec![
                hit(
                    SearchKind::Experiment,
                    Some(12),
                    "12_from_8_warmup",
                    vec![
                        snippet("title", "12_from_8_warmup", &[(10, 16)]),
                        snippet("notes", "warmup helped", &[(0, 6)]),
                    ],
                ),
                hit(
                    SearchKind::Hypothesis,
                    None,
                    "Warmup stabilises",
                    vec![snippet("title", "Warmup stabilises", &[(0, 6)])],
                ),
                hit(SearchKind::Metric, None, "val_acc", vec![]),
            ],
        };
        assert_eq!(
            search_lines(&results),
            [
                "experiment  vision  #12  12_from_8_warmup   notes: [warmup] helped",
                "hypothesis  vision       Warmup stabilises  title: [Warmup] stabilises",
                "metric      vision       val_acc",
                "3 of 7 hits",
            ]
        );
    }

    fn answer(answered: bool) -> Answer {
        Answer {
            answered,
            sentence: "2 runs are planned.".to_owned(),
            columns: vec!["number".into(), "name".into(), "val_acc".into()],
            rows: vec![
                vec![json!(9), json!("9_from_3_adamw"), json!(0.785)],
                vec![json!(13), json!("13_momentum"), Value::Null],
            ],
            interpretation: Interpretation {
                intent: "runs".into(),
                description: String::new(),
                notes: vec![],
            },
            cypher: vec![CypherStatement {
                name: "runs_by_status".into(),
                text: "MATCH (e:Experiment)\nRETURN e\n".into(),
                parameters: json!({"status": "PLANNED"}),
                rows: 2,
            }],
            suggestions: vec!["val_loss".into(), "best runs by val_acc".into()],
        }
    }

    #[test]
    fn an_answer_prints_its_sentence_and_an_aligned_table() {
        assert_eq!(
            answer_lines(&answer(true), false),
            [
                "2 runs are planned.",
                "",
                "number  name            val_acc",
                "     9  9_from_3_adamw    0.785",
                "    13  13_momentum           -",
            ]
        );
        let with_cypher = answer_lines(&answer(true), true);
        assert_eq!(
            with_cypher[5..],
            [
                "",
                "// runs_by_status (2 rows)",
                "MATCH (e:Experiment)",
                "RETURN e",
                "// parameters: {\"status\":\"PLANNED\"}",
            ]
        );
    }

    #[test]
    fn a_clarifying_answer_says_what_to_try() {
        assert_eq!(
            answer_lines(&answer(false), false),
            ["2 runs are planned.", "Try: val_loss, \"best runs by val_acc\"",]
        );
    }

    #[test]
    fn the_reindex_line_names_its_scope() {
        assert_eq!(
            reindexed_line(4, Some("atlas")),
            "indexed 4 documents (project atlas)"
        );
        assert_eq!(reindexed_line(1, None), "indexed 1 document (every project)");
    }
}
