//! Tests of the query parser.

use proptest::prelude::*;

use super::*;

fn parse(query: &str) -> ParsedQuery {
    ParsedQuery::parse(query).expect("valid query")
}

fn reason_of(query: &str) -> String {
    match ParsedQuery::parse(query) {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "query");
            reason
        }
        other => panic!("expected an invalid query error, got {other:?}"),
    }
}

fn only_clause(query: &str) -> Clause {
    let parsed = parse(query);
    assert_eq!(parsed.groups.len(), 1, "{parsed:?}");
    assert_eq!(parsed.groups[0].alternatives.len(), 1, "{parsed:?}");
    parsed.groups[0].alternatives[0].clone()
}

fn tokens(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

#[test]
fn bare_words_are_required_groups_over_all_text() {
    let parsed = parse("lr  Sweep");
    assert_eq!(parsed.groups.len(), 2);
    assert!(parsed.groups.iter().all(|group| !group.excluded));
    assert_eq!(
        parsed.groups[1].alternatives[0],
        Clause {
            target: Target::AllText,
            matcher: Matcher::Tokens(tokens(&["sweep"])),
        }
    );
}

#[test]
fn a_word_split_by_the_analyzer_becomes_a_phrase() {
    assert_eq!(
        only_clause("optimizer.lr").matcher,
        Matcher::Tokens(tokens(&["optimizer", "lr"]))
    );
    assert_eq!(
        only_clause("12_from_8").matcher,
        Matcher::Tokens(tokens(&["12", "from", "8"]))
    );
    assert_eq!(only_clause("0.001").matcher, Matcher::Tokens(tokens(&["0.001"])));
}

#[test]
fn or_joins_alternatives_and_minus_excludes() {
    let parsed = parse("adam OR sgd -draft");
    assert_eq!(parsed.groups.len(), 2);
    assert_eq!(parsed.groups[0].alternatives.len(), 2);
    assert!(parsed.groups[1].excluded);
    let lowercase_or = parse("adam or sgd");
    assert_eq!(lowercase_or.groups.len(), 3, "only uppercase OR is the operator");
}

#[test]
fn quoted_phrases_with_and_without_field() {
    assert_eq!(
        only_clause("\"learning rate\""),
        Clause {
            target: Target::AllText,
            matcher: Matcher::Tokens(tokens(&["learning", "rate"])),
        }
    );
    assert_eq!(
        only_clause("title:\"LR sweep\""),
        Clause {
            target: Target::Text(TextField::Title),
            matcher: Matcher::Tokens(tokens(&["lr", "sweep"])),
        }
    );
    assert!(parse("-\"bad run\"").groups[0].excluded);
}

#[test]
fn field_aliases_map_to_their_fields() {
    let cases = [
        ("name:x", Target::Text(TextField::Title)),
        ("title:x", Target::Text(TextField::Title)),
        ("notes:x", Target::Text(TextField::Body)),
        ("description:x", Target::Text(TextField::Body)),
        ("body:x", Target::Text(TextField::Body)),
        ("tag:x", Target::Text(TextField::Tags)),
        ("TAGS:x", Target::Text(TextField::Tags)),
        ("feature:x", Target::Text(TextField::Features)),
        ("features:x", Target::Text(TextField::Features)),
        ("status:x", Target::Status),
        ("kind:metric", Target::Kind),
    ];
    for (query, target) in cases {
        assert_eq!(only_clause(query).target, target, "{query}");
    }
}

#[test]
fn status_and_kind_are_keywords() {
    assert_eq!(
        only_clause("status:Running").matcher,
        Matcher::Tokens(tokens(&["running"]))
    );
    assert_eq!(
        only_clause("kind:Experiment").matcher,
        Matcher::Tokens(tokens(&["experiment"]))
    );
    let reason = reason_of("kind:run");
    assert!(reason.contains("unknown kind \"run\""), "{reason}");
}

#[test]
fn prefixes_keep_the_last_token_as_prefix() {
    assert_eq!(only_clause("optim*").matcher, Matcher::Prefix(tokens(&["optim"])));
    assert_eq!(
        only_clause("title:lr_sw*"),
        Clause {
            target: Target::Text(TextField::Title),
            matcher: Matcher::Prefix(tokens(&["lr", "sw"])),
        }
    );
    assert_eq!(
        only_clause("status:run*").matcher,
        Matcher::Prefix(tokens(&["run"]))
    );
}

#[test]
fn prefix_of_one_character_is_refused() {
    assert!(reason_of("a*").contains("at least 2"));
    assert!(reason_of("*").contains("at least 2"));
    assert!(reason_of("optimizer.l*").contains("at least 2"));
}

#[test]
fn fuzzy_words_take_distance_one_or_two() {
    assert_eq!(
        only_clause("acuracy~").matcher,
        Matcher::Fuzzy {
            token: "acuracy".to_string(),
            distance: 1,
        }
    );
    assert_eq!(
        only_clause("notes:acuracy~2").matcher,
        Matcher::Fuzzy {
            token: "acuracy".to_string(),
            distance: 2,
        }
    );
    assert!(reason_of("acuracy~3").contains("1 or 2"));
    assert!(reason_of("optimizer.lr~").contains("single word"));
}

#[test]
fn unknown_field_is_refused_listing_the_known_ones() {
    let reason = reason_of("foo:bar");
    assert!(
        reason.starts_with("unknown field \"foo\"; known fields: name, title"),
        "{reason}"
    );
}

#[test]
fn colons_that_are_not_fields_stay_in_the_word() {
    assert_eq!(
        only_clause("12:30").matcher,
        Matcher::Tokens(tokens(&["12", "30"]))
    );
}

#[test]
fn empty_and_blank_queries_are_refused() {
    assert_eq!(reason_of(""), "must not be empty");
    assert_eq!(reason_of("  \t "), "must not be empty");
    assert_eq!(reason_of("... --"), "contains no searchable words");
}

#[test]
fn over_long_query_is_refused_naming_the_limit() {
    let reason = reason_of(&"a".repeat(MAX_QUERY_CHARS + 1));
    assert!(reason.contains("1000 characters"), "{reason}");
    let phrase_of_exactly_the_limit = format!("\"{}\"", "é ".repeat(MAX_QUERY_CHARS / 2 - 1));
    assert_eq!(phrase_of_exactly_the_limit.chars().count(), MAX_QUERY_CHARS);
    assert!(
        ParsedQuery::parse(&phrase_of_exactly_the_limit).is_ok(),
        "the limit counts characters"
    );
}

#[test]
fn too_many_clauses_are_refused_naming_the_limit() {
    let words: Vec<String> = (0..=MAX_CLAUSES).map(|index| format!("w{index}")).collect();
    let reason = reason_of(&words.join(" "));
    assert!(reason.contains("at most 32 clauses"), "{reason}");
    assert!(ParsedQuery::parse(&words[..MAX_CLAUSES].join(" ")).is_ok());
}

#[test]
fn unbalanced_quote_is_refused() {
    assert!(reason_of("\"learning rate").contains("unbalanced quote"));
    assert!(reason_of("title:\"lr").contains("unbalanced quote"));
}

#[test]
fn misplaced_or_is_refused() {
    assert!(reason_of("OR adam").contains("each side"));
    assert!(reason_of("adam OR").contains("each side"));
    assert!(reason_of("adam OR OR sgd").contains("each side"));
    assert!(reason_of("adam OR -sgd").contains("excluded"));
}

#[test]
fn field_without_value_is_refused() {
    assert!(reason_of("title:").contains("needs a value"));
    assert!(reason_of("status:\"\"").contains("needs a value"));
}

#[test]
fn only_exclusions_still_parse() {
    let parsed = parse("-draft");
    assert!(parsed.groups.iter().all(|group| group.excluded));
    assert_eq!(parsed.positive_clauses().count(), 0);
}

proptest! {
    #[test]
    fn arbitrary_text_parses_or_is_refused_as_an_invalid_query(query in "\\PC{0,80}") {
        if let Err(error) = ParsedQuery::parse(&query) {
            prop_assert!(matches!(&error, Error::Invalid { field, .. } if field == "query"), "{error:?}");
        }
    }

    #[test]
    fn query_shaped_text_parses_or_is_refused_as_an_invalid_query(
        query in "([a-zé0-9]{0,6}|OR|-|\"|:|\\*|~[0-9]?|title:|kind:|status:| ){0,24}"
    ) {
        if let Err(error) = ParsedQuery::parse(&query) {
            prop_assert!(matches!(&error, Error::Invalid { field, .. } if field == "query"), "{error:?}");
        }
    }
}
