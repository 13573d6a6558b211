//! Snippets: the fragments of a hit's fields where the query matched, with the matches marked.
//!
//! tantivy's snippet generator only marks exact terms, so matches are found here, on the stored
//! text, with the analyzer of the index: exact tokens, phrases (consecutive tokens), prefixes and
//! fuzzy words (Damerau-Levenshtein within the query's distance), as the search found them.

use std::ops::Range;

use serde::Serialize;

use crate::query::{Clause, Matcher, ParsedQuery, Target, TextField};
use crate::schema::StoredDocument;
use crate::tokenizer::{tokenize, TextToken};

/// The longest fragment of a snippet, in characters.
const FRAGMENT_CHARS: usize = 160;

/// A fragment of one field of a hit, with the query's matches marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The field: `title`, `notes`, `tags` or `features`.
    pub field: String,
    /// At most 160 characters of the stored text (tags joined by `, `, feature lines
    /// `path = value` joined by `; `).
    pub text: String,
    /// The matches, as character (not byte) offsets into `text`, sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// `text` escaped for HTML, with each highlight wrapped in `<mark>…</mark>`.
    pub fn html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        let mut marking = false;
        for (index, character) in self.text.chars().enumerate() {
            let highlighted = self.highlights.iter().any(|range| range.contains(&index));
            if highlighted != marking {
                html.push_str(if highlighted { "<mark>" } else { "</mark>" });
                marking = highlighted;
            }
            match character {
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '"' => html.push_str("&quot;"),
                '\'' => html.push_str("&#39;"),
                other => html.push(other),
            }
        }
        if marking {
            html.push_str("</mark>");
        }
        html
    }
}

/// Finds the matches of one query in hits.
#[derive(Debug)]
pub(crate) struct Highlighter<'query> {
    clauses: Vec<&'query Clause>,
}

impl<'query> Highlighter<'query> {
    /// A highlighter of the positive clauses of `parsed`.
    pub(crate) fn new(parsed: &'query ParsedQuery) -> Highlighter<'query> {
        Highlighter {
            clauses: parsed.positive_clauses().collect(),
        }
    }

    /// One snippet per field with matches, in the order title, notes, tags, features.
    pub(crate) fn snippets(&self, stored: &StoredDocument) -> Vec<Snippet> {
        TextField::ALL
            .into_iter()
            .filter_map(|text_field| {
                let (name, text) = match text_field {
                    TextField::Title => ("title", &stored.title),
                    TextField::Body => ("notes", &stored.body),
                    TextField::Tags => ("tags", &stored.tags),
                    TextField::Features => ("features", &stored.features),
                };
                self.field_snippet(text_field, name, text)
            })
            .collect()
    }

    fn field_snippet(&self, text_field: TextField, name: &str, text: &str) -> Option<Snippet> {
        let matchers: Vec<&Matcher> = self
            .clauses
            .iter()
            .filter(|clause| {
                matches!(clause.target, Target::AllText) || clause.target == Target::Text(text_field)
            })
            .map(|clause| &clause.matcher)
            .collect();
        if matchers.is_empty() || text.is_empty() {
            return None;
        }
        let tokens = tokenize(text);
        let mut byte_ranges: Vec<Range<usize>> = matchers
            .into_iter()
            .flat_map(|matcher| match_ranges(&tokens, matcher))
            .collect();
        if byte_ranges.is_empty() {
            return None;
        }
        byte_ranges.sort_by_key(|range| (range.start, range.end));
        Some(fragment(name, text, &merge_overlapping(byte_ranges)))
    }
}

/// The byte ranges of `text` (given as its tokens) that `matcher` matches.
fn match_ranges(tokens: &[TextToken], matcher: &Matcher) -> Vec<Range<usize>> {
    let span = |window: &[TextToken]| window[0].bytes.start..window[window.len() - 1].bytes.end;
    match matcher {
        Matcher::Tokens(query_tokens) if !query_tokens.is_empty() => tokens
            .windows(query_tokens.len())
            .filter(|window| {
                window
                    .iter()
                    .zip(query_tokens)
                    .all(|(token, query)| token.text == *query)
            })
            .map(span)
            .collect(),
        Matcher::Prefix(query_tokens) if !query_tokens.is_empty() => {
            let last = query_tokens.len() - 1;
            tokens
                .windows(query_tokens.len())
                .filter(|window| {
                    let leading_equal = window[..last]
                        .iter()
                        .zip(query_tokens)
                        .all(|(token, query)| token.text == *query);
                    leading_equal && window[last].text.starts_with(&query_tokens[last])
                })
                .map(span)
                .collect()
        }
        Matcher::Fuzzy {
            token: query,
            distance,
        } => tokens
            .iter()
            .filter(|token| within_edit_distance(&token.text, query, usize::from(*distance)))
            .map(|token| token.bytes.clone())
            .collect(),
        Matcher::Tokens(_) | Matcher::Prefix(_) => Vec::new(),
    }
}

/// Whether `left` and `right` are at most `limit` edits apart (insertions, deletions,
/// substitutions and adjacent transpositions, counted on characters as tantivy does).
fn within_edit_distance(left: &str, right: &str, limit: usize) -> bool {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    if left.len().abs_diff(right.len()) > limit {
        return false;
    }
    // Optimal string alignment distance over three rolling rows.
    let width = right.len() + 1;
    let mut before_previous: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=left.len() {
        current[0] = i;
        for j in 1..width {
            let substitution_cost = usize::from(left[i - 1] != right[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution_cost);
            let transposed = i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1];
            if transposed {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
        }
        if current
            .iter()
            .min()
            .is_some_and(|&row_minimum| row_minimum > limit)
        {
            return false;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[width - 1] <= limit
}

/// Sorted ranges with overlapping or touching ones merged.
fn merge_overlapping(sorted: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The snippet of `text` around its densest matches (`byte_ranges`, sorted and disjoint).
fn fragment(name: &str, text: &str, byte_ranges: &[Range<usize>]) -> Snippet {
    let char_starts: Vec<usize> = text.char_indices().map(|(byte, _)| byte).collect();
    let total_chars = char_starts.len();
    let char_index = |byte: usize| char_starts.partition_point(|&start| start < byte);
    let char_ranges: Vec<Range<usize>> = byte_ranges
        .iter()
        .map(|range| char_index(range.start)..char_index(range.end))
        .collect();
    let window = if total_chars <= FRAGMENT_CHARS {
        0..total_chars
    } else {
        let characters: Vec<char> = text.chars().collect();
        densest_window(&characters, &char_ranges)
    };
    let byte_of = |char_offset: usize| char_starts.get(char_offset).copied().unwrap_or(text.len());
    let highlights = char_ranges
        .iter()
        .filter(|range| range.start < window.end && range.end > window.start)
        .map(|range| range.start.max(window.start) - window.start..range.end.min(window.end) - window.start)
        .collect();
    Snippet {
        field: name.to_string(),
        text: text[byte_of(window.start)..byte_of(window.end)].to_string(),
        highlights,
    }
}

/// A window of at most [`FRAGMENT_CHARS`] characters holding the most matches, centred on them
/// and cut at spaces where the margin allows.
fn densest_window(characters: &[char], char_ranges: &[Range<usize>]) -> Range<usize> {
    let total_chars = characters.len();
    let mut best_first = 0;
    let mut best_count = 0;
    let mut past_window = 0;
    for (first, range) in char_ranges.iter().enumerate() {
        past_window = past_window.max(first);
        while past_window < char_ranges.len() && char_ranges[past_window].end <= range.start + FRAGMENT_CHARS
        {
            past_window += 1;
        }
        let count = past_window - first;
        if count > best_count {
            best_first = first;
            best_count = count;
        }
    }
    let matches_start = char_ranges[best_first].start;
    let last_in_window = best_first + best_count.max(1) - 1;
    let matches_end = char_ranges[last_in_window]
        .end
        .min(matches_start + FRAGMENT_CHARS);
    let slack = FRAGMENT_CHARS - (matches_end - matches_start);
    let mut start = matches_start.saturating_sub(slack / 2);
    let mut end = (start + FRAGMENT_CHARS).min(total_chars);
    start = end.saturating_sub(FRAGMENT_CHARS);
    if start > 0 && !characters[start - 1].is_whitespace() {
        if let Some(space) = characters[start..matches_start]
            .iter()
            .position(|c| c.is_whitespace())
        {
            start += space + 1;
        }
    }
    if end < total_chars && !characters[end].is_whitespace() {
        if let Some(space) = characters[matches_end..end]
            .iter()
            .rposition(|c| c.is_whitespace())
        {
            end = matches_end + space;
        }
    }
    start..end
}

#[cfg(test)]
#[path = "highlight_tests.rs"]
mod tests;
