//! Turns a [`ParsedQuery`] and the request's filters into one tantivy query.
//!
//! Words match any full-text field (title boosted), groups are required, exclusions are
//! `MustNot`, and the project and kind filters are required clauses that add nothing to the score.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur,
    PhrasePrefixQuery, PhraseQuery, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::document::DocumentKind;
use crate::query::{Clause, ClauseGroup, Matcher, ParsedQuery, Target, TextField};
use crate::schema::Fields;

/// How much more a match in the title counts than one in the other fields.
const TITLE_BOOST: f32 = 3.0;
/// The most terms a prefix expands to; beyond, the rarest expansions are not searched.
const PREFIX_MAX_EXPANSIONS: u32 = 200;

/// The tantivy query of `parsed`, restricted to `projects` and, when not empty, to `kinds`.
pub(crate) fn build_query(
    parsed: &ParsedQuery,
    fields: &Fields,
    projects: &[String],
    kinds: &[DocumentKind],
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = parsed
        .groups
        .iter()
        .map(|group| {
            let occur = if group.excluded {
                Occur::MustNot
            } else {
                Occur::Must
            };
            (occur, group_query(group, fields))
        })
        .collect();
    let has_required_clause = clauses.iter().any(|(occur, _)| *occur == Occur::Must);
    if !has_required_clause {
        // A query of exclusions alone lists everything else.
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    let project_terms = projects
        .iter()
        .map(|project| Term::from_field_text(fields.project, project));
    clauses.push((Occur::Must, score_neutral_filter(project_terms)));
    if !kinds.is_empty() {
        let kind_terms = kinds
            .iter()
            .map(|kind| Term::from_field_text(fields.kind, kind.as_str()));
        clauses.push((Occur::Must, score_neutral_filter(kind_terms)));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn score_neutral_filter(terms: impl Iterator<Item = Term>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(Box::new(TermSetQuery::new(terms)), 0.0))
}

fn group_query(group: &ClauseGroup, fields: &Fields) -> Box<dyn Query> {
    if let [single] = group.alternatives.as_slice() {
        return clause_query(single, fields);
    }
    let alternatives = group
        .alternatives
        .iter()
        .map(|clause| (Occur::Should, clause_query(clause, fields)))
        .collect();
    Box::new(BooleanQuery::new(alternatives))
}

fn clause_query(clause: &Clause, fields: &Fields) -> Box<dyn Query> {
    match clause.target {
        Target::AllText => {
            let per_field = TextField::ALL
                .into_iter()
                .map(|text_field| {
                    let query = matcher_query(text_field_of(fields, text_field), &clause.matcher);
                    let query: Box<dyn Query> = if text_field == TextField::Title {
                        Box::new(BoostQuery::new(query, TITLE_BOOST))
                    } else {
                        query
                    };
                    (Occur::Should, query)
                })
                .collect();
            Box::new(BooleanQuery::new(per_field))
        }
        Target::Text(text_field) => matcher_query(text_field_of(fields, text_field), &clause.matcher),
        Target::Kind => matcher_query(fields.kind, &clause.matcher),
        Target::Status => matcher_query(fields.status, &clause.matcher),
    }
}

fn text_field_of(fields: &Fields, text_field: TextField) -> Field {
    match text_field {
        TextField::Title => fields.title,
        TextField::Body => fields.body,
        TextField::Tags => fields.tags,
        TextField::Features => fields.features,
    }
}

fn matcher_query(field: Field, matcher: &Matcher) -> Box<dyn Query> {
    let terms_of = |tokens: &[String]| -> Vec<Term> {
        tokens
            .iter()
            .map(|token| Term::from_field_text(field, token))
            .collect()
    };
    match matcher {
        Matcher::Tokens(tokens) => match terms_of(tokens).as_slice() {
            [] => Box::new(EmptyQuery),
            [term] => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
            terms => Box::new(PhraseQuery::new(terms.to_vec())),
        },
        Matcher::Prefix(tokens) => {
            let terms = terms_of(tokens);
            if terms.is_empty() {
                return Box::new(EmptyQuery);
            }
            let mut prefix_query = PhrasePrefixQuery::new(terms);
            prefix_query.set_max_expansions(PREFIX_MAX_EXPANSIONS);
            Box::new(prefix_query)
        }
        Matcher::Fuzzy { token, distance } => {
            let term = Term::from_field_text(field, token);
            Box::new(FuzzyTermQuery::new(term, *distance, true))
        }
    }
}
