//! [`SearchIndex`]: opening the index (with its schema-version check), writing and searching.
//!
//! Writes go through one `IndexWriter` behind a mutex; each write method is one commit, after
//! which the reader is reloaded so that a search right after it sees the change. All methods
//! block; the server calls them off the async runtime.

use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};
use tracing::{info, instrument, warn};

use crate::compile::build_query;
use crate::document::{document_key, Document, DocumentKind};
use crate::error::{Error, Result};
use crate::highlight::Highlighter;
use crate::query::ParsedQuery;
use crate::request::{Hit, SearchRequest, SearchResults};
use crate::schema::{build_schema, register_analyzers, Fields, SCHEMA_VERSION};

/// The file, next to the index, that records the schema version it was written with.
const SCHEMA_VERSION_FILE: &str = "rsdk-search-schema-version";
/// The memory the writer buffers documents in before it flushes a segment.
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// Files of a tantivy index, by name and by extension: what a wipe removes, and nothing else.
const INDEX_FILE_NAMES: [&str; 5] = [
    "meta.json",
    ".managed.json",
    ".tantivy-meta.lock",
    ".tantivy-writer.lock",
    SCHEMA_VERSION_FILE,
];
const INDEX_FILE_EXTENSIONS: [&str; 8] = ["idx", "pos", "term", "store", "temp", "fast", "fieldnorm", "del"];

/// The full-text index of rsdk. Cheap to clone; clones share the index.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    needs_rebuild: AtomicBool,
    location: String,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SearchIndex")
            .field("location", &self.inner.location)
            .field("needs_rebuild", &self.needs_rebuild())
            .finish_non_exhaustive()
    }
}

/// What was found in an index directory at open.
enum Existing {
    /// An index of this schema version, opened.
    Reusable(Index),
    /// No index yet.
    Missing,
    /// An index that cannot be used, and why.
    Unusable(String),
}

impl SearchIndex {
    /// Opens the index in `directory`, creating both when missing.
    ///
    /// An index written with another schema version, or one that cannot be read, is wiped and
    /// recreated empty; then [`SearchIndex::needs_rebuild`] is true until the server refills it.
    #[instrument(skip_all, fields(directory = %directory.display()))]
    pub fn open(directory: &Path) -> Result<SearchIndex> {
        fs::create_dir_all(directory)?;
        let (schema, fields) = build_schema();
        let location = directory.display().to_string();
        match inspect_directory(directory, &schema) {
            Existing::Reusable(index) => {
                match SearchIndex::from_index(index, fields, false, location.clone()) {
                    Ok(search_index) => return Ok(search_index),
                    Err(error @ TantivyError::LockFailure(..)) => return Err(error.into()),
                    Err(error) => warn!(%error, "search index unreadable, recreating it empty"),
                }
            }
            Existing::Missing => info!("creating the search index"),
            Existing::Unusable(reason) => warn!(%reason, "search index unusable, recreating it empty"),
        }
        wipe_index_files(directory)?;
        let index = Index::create_in_dir(directory, schema)?;
        fs::write(directory.join(SCHEMA_VERSION_FILE), format!("{SCHEMA_VERSION}\n"))?;
        Ok(SearchIndex::from_index(index, fields, true, location)?)
    }

    /// An empty index in memory, for tests.
    pub fn open_in_ram() -> Result<SearchIndex> {
        let (schema, fields) = build_schema();
        let index = Index::create_in_ram(schema);
        Ok(SearchIndex::from_index(
            index,
            fields,
            true,
            "memory".to_string(),
        )?)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        needs_rebuild: bool,
        location: String,
    ) -> tantivy::Result<SearchIndex> {
        register_analyzers(&index);
        let writer = index.writer(WRITER_HEAP_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                needs_rebuild: AtomicBool::new(needs_rebuild),
                location,
            }),
        })
    }

    /// Whether the index was created empty or wiped at open and has not been refilled since (by
    /// [`SearchIndex::replace_project`] or [`SearchIndex::rebuild_all`]).
    pub fn needs_rebuild(&self) -> bool {
        self.inner.needs_rebuild.load(Ordering::Acquire)
    }

    /// Adds `documents`, replacing those with the same kind and id, in one commit.
    #[instrument(skip_all, fields(documents = documents.len()))]
    pub fn upsert(&self, documents: Vec<Document>) -> Result<()> {
        self.update(documents, &[])
    }

    /// Removes the document of `kind` with `id`, if any.
    #[instrument(skip_all, fields(kind = %kind, id = %id))]
    pub fn delete(&self, kind: DocumentKind, id: &str) -> Result<()> {
        self.update(Vec::new(), &[(kind, id.to_owned())])
    }

    /// Removes the documents `removals` (kind, id) and adds `documents`, replacing those with
    /// the same kind and id, in one commit.
    #[instrument(skip_all, fields(documents = documents.len(), removals = removals.len()))]
    pub fn update(&self, documents: Vec<Document>, removals: &[(DocumentKind, String)]) -> Result<()> {
        validate_all(&documents)?;
        self.write(|writer, fields| {
            for (kind, id) in removals {
                writer.delete_term(Term::from_field_text(fields.key, &document_key(*kind, id)));
            }
            for document in &documents {
                writer.delete_term(Term::from_field_text(fields.key, &document.key()));
                writer.add_document(fields.to_tantivy(document))?;
            }
            Ok(())
        })
    }

    /// Replaces every document of `project` by `documents`, in one commit: searches see the old
    /// documents or the new ones, never a mix. Other projects are left alone.
    #[instrument(skip_all, fields(project = %project, documents = documents.len()))]
    pub fn replace_project(&self, project: &str, documents: Vec<Document>) -> Result<()> {
        validate_all(&documents)?;
        if let Some(stranger) = documents.iter().find(|document| document.project != project) {
            return Err(Error::invalid(
                "project",
                format!(
                    "document {} belongs to project \"{}\", not \"{project}\"",
                    stranger.key(),
                    stranger.project
                ),
            ));
        }
        self.write(|writer, fields| {
            writer.delete_term(Term::from_field_text(fields.project, project));
            for document in &documents {
                writer.add_document(fields.to_tantivy(document))?;
            }
            Ok(())
        })?;
        self.inner.needs_rebuild.store(false, Ordering::Release);
        Ok(())
    }

    /// Replaces the whole index by `documents`, in one commit.
    #[instrument(skip_all, fields(documents = documents.len()))]
    pub fn rebuild_all(&self, documents: Vec<Document>) -> Result<()> {
        validate_all(&documents)?;
        self.write(|writer, fields| {
            writer.delete_all_documents()?;
            for document in &documents {
                writer.add_document(fields.to_tantivy(document))?;
            }
            Ok(())
        })?;
        self.inner.needs_rebuild.store(false, Ordering::Release);
        Ok(())
    }

    /// The documents of `documents` whose kind and id the index does not hold yet (for
    /// documents that never change once written, such as a metric first seen in a chunk: a
    /// commit per chunk would cost far more than this look-up).
    pub fn absent(&self, documents: Vec<Document>) -> Result<Vec<Document>> {
        let searcher = self.inner.reader.searcher();
        let key = self.inner.fields.key;
        let mut absent = Vec::new();
        for document in documents {
            let term = Term::from_field_text(key, &document.key());
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            if searcher.search(&query, &Count)? == 0 {
                absent.push(document);
            }
        }
        Ok(absent)
    }

    /// The number of documents in the index.
    pub fn document_count(&self) -> Result<u64> {
        Ok(self.inner.reader.searcher().num_docs())
    }

    /// Runs `operations` on the writer and commits them, or rolls them all back on failure; then
    /// reloads the reader so the next search sees the commit.
    fn write<F>(&self, operations: F) -> Result<()>
    where
        F: FnOnce(&IndexWriter, Fields) -> tantivy::Result<()>,
    {
        let mut writer = self.lock_writer()?;
        let committed = operations(&writer, self.inner.fields).and_then(|()| writer.commit());
        if let Err(error) = committed {
            if let Err(rollback_error) = writer.rollback() {
                warn!(error = %rollback_error, "search index rollback failed");
            }
            return Err(error.into());
        }
        self.inner.reader.reload()?;
        Ok(())
    }

    /// The writer; after a panic mid-write, what that write left uncommitted is rolled back.
    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter>> {
        match self.inner.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                writer.rollback()?;
                self.inner.writer.clear_poison();
                Ok(writer)
            }
        }
    }

    /// Finds the best `request.first` documents of the allowed projects and kinds, with snippets.
    #[instrument(skip_all, fields(projects = request.projects.len(), first = request.first))]
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        request.validate_first()?;
        let parsed = ParsedQuery::parse(&request.query)?;
        if request.projects.is_empty() {
            return Ok(SearchResults {
                total: 0,
                hits: Vec::new(),
            });
        }
        let fields = self.inner.fields;
        let query = build_query(&parsed, &fields, &request.projects, &request.kinds);
        let searcher = self.inner.reader.searcher();
        let collector = (TopDocs::with_limit(request.first).order_by_score(), Count);
        let (top_documents, total) = searcher.search(&*query, &collector)?;
        let highlighter = Highlighter::new(&parsed);
        let mut hits = Vec::with_capacity(top_documents.len());
        for (score, address) in top_documents {
            let document: TantivyDocument = searcher.doc(address)?;
            let Some(stored) = fields.read_stored(&document) else {
                continue;
            };
            hits.push(Hit {
                snippets: highlighter.snippets(&stored),
                kind: stored.kind,
                id: stored.id,
                project: stored.project,
                number: stored.number,
                title: stored.title,
                score,
            });
        }
        Ok(SearchResults { total, hits })
    }
}

fn validate_all(documents: &[Document]) -> Result<()> {
    documents.iter().try_for_each(Document::validate)
}

/// Tells whether `directory` holds an index this version can use.
fn inspect_directory(directory: &Path, schema: &tantivy::schema::Schema) -> Existing {
    if !directory.join("meta.json").exists() {
        return Existing::Missing;
    }
    let expected_version = SCHEMA_VERSION.to_string();
    match fs::read_to_string(directory.join(SCHEMA_VERSION_FILE)) {
        Ok(version) if version.trim() == expected_version => {}
        Ok(version) => {
            return Existing::Unusable(format!(
                "schema version {:?}, expected {expected_version}",
                version.trim()
            ))
        }
        Err(error) => return Existing::Unusable(format!("no schema version marker: {error}")),
    }
    let index = match Index::open_in_dir(directory) {
        Ok(index) => index,
        Err(error) => return Existing::Unusable(format!("cannot open: {error}")),
    };
    if index.schema() != *schema {
        return Existing::Unusable("schema differs from this version's".to_string());
    }
    Existing::Reusable(index)
}

/// Removes the index files and the version marker from `directory`, leaving anything else.
fn wipe_index_files(directory: &Path) -> Result<()> {
    for entry in fs::read_dir(directory)? {
        let entry = entry?;
        let path = entry.path();
        let file_name = entry.file_name();
        let name = file_name.to_string_lossy();
        let extension = path.extension().map(|extension| extension.to_string_lossy());
        let is_index_file = INDEX_FILE_NAMES.contains(&name.as_ref())
            || extension.is_some_and(|extension| INDEX_FILE_EXTENSIONS.contains(&extension.as_ref()));
        if is_index_file && entry.file_type()?.is_file() {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
