//! Tests of snippets and their highlights.

use super::*;
use crate::document::DocumentKind;

fn stored(title: &str, body: &str) -> StoredDocument {
    StoredDocument {
        kind: DocumentKind::Experiment,
        id: "e-1".to_string(),
        project: "vision".to_string(),
        number: Some(1),
        title: title.to_string(),
        body: body.to_string(),
        tags: "baseline, gpu".to_string(),
        features: "optimizer.lr = 0.001; model.depth = 12".to_string(),
    }
}

fn snippets_for(query: &str, document: &StoredDocument) -> Vec<Snippet> {
    let parsed = ParsedQuery::parse(query).expect("valid query");
    Highlighter::new(&parsed).snippets(document)
}

fn marked(snippet: &Snippet) -> Vec<String> {
    let characters: Vec<char> = snippet.text.chars().collect();
    snippet
        .highlights
        .iter()
        .map(|range| characters[range.clone()].iter().collect())
        .collect()
}

#[test]
fn snippets_come_title_first_for_each_field_with_matches() {
    let document = stored("Baseline sweep", "the baseline run on one GPU");
    let snippets = snippets_for("baseline", &document);
    let fields: Vec<&str> = snippets.iter().map(|snippet| snippet.field.as_str()).collect();
    assert_eq!(fields, ["title", "notes", "tags"]);
    assert_eq!(marked(&snippets[0]), ["Baseline"]);
}

#[test]
fn field_queries_highlight_only_their_field() {
    let document = stored("Baseline sweep", "the baseline run");
    let snippets = snippets_for("notes:baseline", &document);
    assert_eq!(snippets.len(), 1);
    assert_eq!(snippets[0].field, "notes");
}

#[test]
fn phrases_prefixes_and_fuzzy_words_are_highlighted() {
    let document = stored("lr sweep", "we track accuracy and the learning rate schedule");
    let notes = |query: &str| {
        let snippets = snippets_for(query, &document);
        let notes = snippets
            .iter()
            .find(|snippet| snippet.field == "notes")
            .expect("notes snippet");
        marked(notes)
    };
    assert_eq!(notes("\"learning rate\""), ["learning rate"]);
    assert_eq!(notes("sched*"), ["schedule"]);
    assert_eq!(notes("acuracy~"), ["accuracy"]);
    assert_eq!(notes("accuarcy~"), ["accuracy"], "a transposition is one edit");
    assert_eq!(notes("acuracyy~2"), ["accuracy"]);
    assert!(snippets_for("acuracyy~", &document).is_empty());
}

#[test]
fn feature_values_are_highlighted_in_the_feature_lines() {
    let snippets = snippets_for("0.001", &stored("run", ""));
    assert_eq!(snippets.len(), 1);
    assert_eq!(snippets[0].field, "features");
    assert_eq!(marked(&snippets[0]), ["0.001"]);
    let path = snippets_for("optimizer.lr", &stored("run", ""));
    assert_eq!(marked(&path[0]), ["optimizer.lr"]);
}

#[test]
fn excluded_words_are_not_highlighted() {
    let snippets = snippets_for("sweep -baseline", &stored("Baseline sweep", ""));
    assert_eq!(snippets.len(), 1);
    assert_eq!(marked(&snippets[0]), ["sweep"]);
}

#[test]
fn long_text_is_cut_to_a_window_around_the_densest_matches() {
    let filler = "lorem ipsum dolor sit amet ".repeat(20);
    let body = format!("{filler}first match here and the match again {filler}");
    let snippets = snippets_for("match", &stored("run", &body));
    let notes = &snippets[0];
    assert!(notes.text.chars().count() <= FRAGMENT_CHARS, "{}", notes.text);
    assert_eq!(marked(notes), ["match", "match"]);
    assert!(!notes.text.starts_with(' ') && !notes.text.ends_with(' '));
}

#[test]
fn non_ascii_text_is_cut_on_character_boundaries_with_character_offsets() {
    let filler = "über größe ñandú 日本語テキスト ".repeat(12);
    let body = format!("{filler}Modèle entraîné {filler}");
    let snippets = snippets_for("entraîné", &stored("run", &body));
    let notes = &snippets[0];
    assert!(notes.text.chars().count() <= FRAGMENT_CHARS);
    assert_eq!(marked(notes), ["entraîné"]);
    assert!(body.contains(&notes.text));
}

#[test]
fn html_escapes_text_and_marks_highlights() {
    let snippet = Snippet {
        field: "notes".to_string(),
        text: "a <b> & 'c' \"é\" lr".to_string(),
        highlights: vec![2..5, 16..18],
    };
    assert_eq!(
        snippet.html(),
        "a <mark>&lt;b&gt;</mark> &amp; &#39;c&#39; &quot;é&quot; <mark>lr</mark>"
    );
}

#[test]
fn edit_distance_counts_characters_and_transpositions() {
    assert!(within_edit_distance("größe", "grösse", 2));
    assert!(!within_edit_distance("größe", "grösse", 1));
    assert!(within_edit_distance("ab", "ba", 1));
    assert!(!within_edit_distance("abc", "xyz", 2));
    assert!(within_edit_distance("", "a", 1));
}
