//! The tantivy schema of the index and the mapping between [`Document`]s and tantivy documents.
//!
//! Bump [`SCHEMA_VERSION`] whenever the fields, their options or the analyzer change: an index
//! written with another version is wiped at open and rebuilt by the server.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument};

use crate::document::{Document, DocumentKind};
use crate::tokenizer::TextTokenizer;

/// The version of the schema and analyzers below, written next to the index.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// The analyzer of the full-text fields (see [`crate::tokenizer`]).
const TEXT_ANALYZER: &str = "rsdk_text";
/// The analyzer of case-insensitive keywords (the status).
const KEYWORD_ANALYZER: &str = "rsdk_keyword";

/// The separator shown between tags in a snippet.
pub(crate) const TAG_SEPARATOR: &str = ", ";
/// The separator shown between feature lines in a snippet.
pub(crate) const FEATURE_SEPARATOR: &str = "; ";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// `kind:id`, the unique key used to replace and delete a document.
    pub(crate) key: Field,
    pub(crate) kind: Field,
    pub(crate) id: Field,
    pub(crate) project: Field,
    pub(crate) number: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) tags: Field,
    pub(crate) features: Field,
    pub(crate) status: Field,
}

/// The schema of this version and its fields.
pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let full_text_indexing = TextFieldIndexing::default()
        .set_tokenizer(TEXT_ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let full_text = TextOptions::default()
        .set_indexing_options(full_text_indexing)
        .set_stored();
    let keyword_indexing = TextFieldIndexing::default()
        .set_tokenizer(KEYWORD_ANALYZER)
        .set_index_option(IndexRecordOption::Basic)
        .set_fieldnorms(false);
    let keyword = TextOptions::default()
        .set_indexing_options(keyword_indexing)
        .set_stored();
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        kind: builder.add_text_field("kind", STRING | STORED),
        id: builder.add_text_field("id", STRING | STORED),
        project: builder.add_text_field("project", STRING | STORED),
        number: builder.add_i64_field("number", STORED),
        title: builder.add_text_field("title", full_text.clone()),
        body: builder.add_text_field("body", full_text.clone()),
        tags: builder.add_text_field("tags", full_text.clone()),
        features: builder.add_text_field("features", full_text),
        status: builder.add_text_field("status", keyword),
    };
    (builder.build(), fields)
}

/// Registers the analyzers the schema names; tantivy does not persist them, so every opened
/// index needs this before its writer is created.
pub(crate) fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(TEXT_ANALYZER, TextAnalyzer::from(TextTokenizer));
    let keyword = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build();
    index.tokenizers().register(KEYWORD_ANALYZER, keyword);
}

impl Fields {
    /// The tantivy document of `document`.
    pub(crate) fn to_tantivy(self, document: &Document) -> TantivyDocument {
        let mut indexed = TantivyDocument::new();
        indexed.add_text(self.key, document.key());
        indexed.add_text(self.kind, document.kind.as_str());
        indexed.add_text(self.id, &document.id);
        indexed.add_text(self.project, &document.project);
        if let Some(number) = document.number {
            indexed.add_i64(self.number, number);
        }
        indexed.add_text(self.title, &document.title);
        indexed.add_text(self.body, &document.body);
        for tag in &document.tags {
            indexed.add_text(self.tags, tag);
        }
        for line in document.feature_lines() {
            indexed.add_text(self.features, line);
        }
        if let Some(status) = &document.status {
            indexed.add_text(self.status, status);
        }
        indexed
    }

    /// The stored fields of a hit, or `None` for a document missing its kind (never written by
    /// this crate).
    pub(crate) fn read_stored(self, stored: &TantivyDocument) -> Option<StoredDocument> {
        let first_text = |field: Field| {
            stored
                .get_first(field)
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let joined_texts = |field: Field, separator: &str| {
            let texts: Vec<&str> = stored.get_all(field).filter_map(|value| value.as_str()).collect();
            texts.join(separator)
        };
        let kind = first_text(self.kind).parse::<DocumentKind>().ok()?;
        Some(StoredDocument {
            kind,
            id: first_text(self.id),
            project: first_text(self.project),
            number: stored.get_first(self.number).and_then(|value| value.as_i64()),
            title: first_text(self.title),
            body: first_text(self.body),
            tags: joined_texts(self.tags, TAG_SEPARATOR),
            features: joined_texts(self.features, FEATURE_SEPARATOR),
        })
    }
}

/// The stored fields a hit shows, with tags and feature lines joined for snippets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredDocument {
    pub(crate) kind: DocumentKind,
    pub(crate) id: String,
    pub(crate) project: String,
    pub(crate) number: Option<i64>,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) tags: String,
    pub(crate) features: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_fields_read_back_with_tags_and_features_joined() {
        let (_, fields) = build_schema();
        let document = Document {
            kind: DocumentKind::Experiment,
            id: "e-7".to_string(),
            project: "vision".to_string(),
            number: Some(7),
            title: "7_from_3".to_string(),
            body: "first try".to_string(),
            tags: vec!["baseline".to_string(), "gpu".to_string()],
            features: vec![
                ("optimizer.lr".to_string(), "0.001".to_string()),
                ("model.depth".to_string(), "12".to_string()),
            ],
            status: Some("running".to_string()),
        };
        let stored = fields
            .read_stored(&fields.to_tantivy(&document))
            .expect("stored kind");
        assert_eq!(stored.kind, DocumentKind::Experiment);
        assert_eq!(stored.number, Some(7));
        assert_eq!(stored.tags, "baseline, gpu");
        assert_eq!(stored.features, "optimizer.lr = 0.001; model.depth = 12");
    }
}
