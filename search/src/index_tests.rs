//! Behaviour tests of the index: writes, searches, filters, snippets and reopening.

use super::*;

fn experiment(project: &str, id: &str, title: &str, body: &str) -> Document {
    Document {
        kind: DocumentKind::Experiment,
        id: id.to_string(),
        project: project.to_string(),
        number: Some(1),
        title: title.to_string(),
        body: body.to_string(),
        tags: Vec::new(),
        features: Vec::new(),
        status: None,
    }
}

fn request(query: &str, projects: &[&str]) -> SearchRequest {
    SearchRequest {
        query: query.to_string(),
        projects: projects.iter().map(|project| project.to_string()).collect(),
        kinds: Vec::new(),
        first: 20,
    }
}

fn index_with(documents: Vec<Document>) -> SearchIndex {
    let index = SearchIndex::open_in_ram().expect("index in memory");
    index.upsert(documents).expect("upsert");
    index
}

fn found_ids(index: &SearchIndex, query: &str) -> Vec<String> {
    let mut ids: Vec<String> = index
        .search(&request(query, &["vision", "nlp"]))
        .expect("search")
        .hits
        .into_iter()
        .map(|hit| hit.id)
        .collect();
    ids.sort();
    ids
}

fn invalid_field(result: Result<SearchResults>) -> (String, String) {
    match result {
        Err(Error::Invalid { field, reason }) => (field, reason),
        other => panic!("expected an invalid error, got {other:?}"),
    }
}

fn sample_index() -> SearchIndex {
    let mut tuned = experiment(
        "vision",
        "e1",
        "12_from_8_lr_sweep",
        "tuning the learning rate of adam",
    );
    tuned.tags = vec!["baseline".to_string(), "gpu".to_string()];
    tuned.features = vec![
        ("optimizer.lr".to_string(), "0.001".to_string()),
        ("optimizer.name".to_string(), "adam".to_string()),
        ("model.depth".to_string(), "12".to_string()),
    ];
    tuned.status = Some("running".to_string());
    let mut sgd = experiment(
        "vision",
        "e2",
        "sgd momentum",
        "plain sgd reaches better accuracy",
    );
    sgd.features = vec![("optimizer.lr".to_string(), "1e-4".to_string())];
    sgd.status = Some("complete".to_string());
    let mut hypothesis = experiment(
        "vision",
        "h1",
        "Warmup helps adam",
        "draft: accuracy improves with warmup",
    );
    hypothesis.kind = DocumentKind::Hypothesis;
    hypothesis.number = None;
    hypothesis.status = Some("supported".to_string());
    let secret = experiment("secret", "s1", "adam secret run", "accuracy of the hidden model");
    index_with(vec![tuned, sgd, hypothesis, secret])
}

#[test]
fn upserted_documents_are_found_right_away() {
    let index = sample_index();
    let results = index.search(&request("adam", &["vision"])).expect("search");
    assert_eq!(results.total, 2);
    let titles: Vec<&str> = results.hits.iter().map(|hit| hit.title.as_str()).collect();
    assert!(titles.contains(&"12_from_8_lr_sweep") && titles.contains(&"Warmup helps adam"));
    let hit = results.hits.iter().find(|hit| hit.id == "e1").expect("e1 hit");
    assert_eq!(
        (hit.kind, hit.project.as_str(), hit.number),
        (DocumentKind::Experiment, "vision", Some(1))
    );
    assert!(hit.score > 0.0);
}

#[test]
fn title_matches_rank_above_body_matches() {
    let index = sample_index();
    let results = index.search(&request("adam", &["vision"])).expect("search");
    assert_eq!(
        results.hits[0].id, "h1",
        "adam in the title outranks adam in the notes"
    );
}

#[test]
fn upsert_replaces_the_document_with_the_same_kind_and_id() {
    let index = sample_index();
    index
        .upsert(vec![experiment(
            "vision",
            "e1",
            "renamed run",
            "nothing about optimizers",
        )])
        .expect("upsert");
    assert_eq!(found_ids(&index, "renamed"), ["e1"]);
    assert!(found_ids(&index, "sweep").is_empty());
    assert_eq!(index.document_count().expect("count"), 4);
    let mut same_id_other_kind = experiment("vision", "e1", "renamed metric", "");
    same_id_other_kind.kind = DocumentKind::Metric;
    index.upsert(vec![same_id_other_kind]).expect("upsert");
    assert_eq!(index.document_count().expect("count"), 5);
}

#[test]
fn a_batch_with_the_same_document_twice_keeps_the_last() {
    let index = index_with(vec![
        experiment("vision", "e1", "first version", ""),
        experiment("vision", "e1", "second version", ""),
    ]);
    assert_eq!(index.document_count().expect("count"), 1);
    assert_eq!(found_ids(&index, "second"), ["e1"]);
}

#[test]
fn absent_keeps_only_the_documents_the_index_does_not_hold() {
    let index = index_with(vec![experiment("vision", "e1", "first", "")]);
    let candidates = vec![
        experiment("vision", "e1", "first again", ""),
        experiment("vision", "e2", "second", ""),
    ];
    let absent = index.absent(candidates).expect("looked up");
    let ids: Vec<&str> = absent.iter().map(|document| document.id.as_str()).collect();
    assert_eq!(ids, ["e2"]);
    index.delete(DocumentKind::Experiment, "e1").expect("deleted");
    let again = index
        .absent(vec![experiment("vision", "e1", "first", "")])
        .expect("looked up");
    assert_eq!(again.len(), 1, "a deleted document is absent");
}

#[test]
fn deleted_documents_are_no_longer_found() {
    let index = sample_index();
    index.delete(DocumentKind::Experiment, "e2").expect("delete");
    assert!(found_ids(&index, "sgd").is_empty());
    index
        .delete(DocumentKind::Experiment, "missing")
        .expect("deleting nothing is fine");
    assert_eq!(index.document_count().expect("count"), 3);
}

#[test]
fn replace_project_swaps_its_documents_and_leaves_other_projects_alone() {
    let index = sample_index();
    index
        .replace_project("vision", vec![experiment("vision", "e9", "fresh run", "")])
        .expect("replace");
    assert_eq!(found_ids(&index, "fresh"), ["e9"]);
    assert!(found_ids(&index, "adam").is_empty());
    let secret = index.search(&request("adam", &["secret"])).expect("search");
    assert_eq!(secret.total, 1);
    assert_eq!(index.document_count().expect("count"), 2);
}

#[test]
fn replace_project_refuses_documents_of_another_project_and_changes_nothing() {
    let index = sample_index();
    let (field, reason) = match index.replace_project("vision", vec![experiment("nlp", "x", "x", "")]) {
        Err(Error::Invalid { field, reason }) => (field, reason),
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(field, "project");
    assert!(reason.contains("\"nlp\""), "{reason}");
    assert_eq!(index.document_count().expect("count"), 4);
}

#[test]
fn replace_project_is_atomic_for_concurrent_readers() {
    let index = index_with(
        (0..200)
            .map(|n| experiment("vision", &format!("old{n}"), "old run", ""))
            .collect(),
    );
    let reader = index.clone();
    let watcher = std::thread::spawn(move || {
        for _ in 0..200 {
            let total = reader.search(&request("run", &["vision"])).expect("search").total;
            assert!(
                total == 200 || total == 300,
                "saw a half-replaced project: {total}"
            );
        }
    });
    for round in 0..5 {
        let count = if round % 2 == 0 { 300 } else { 200 };
        let documents = (0..count)
            .map(|n| experiment("vision", &format!("r{round}-{n}"), "new run", ""))
            .collect();
        index.replace_project("vision", documents).expect("replace");
    }
    watcher.join().expect("watcher thread");
}

#[test]
fn documents_of_unlisted_projects_are_never_returned_nor_counted() {
    let index = sample_index();
    let results = index.search(&request("accuracy", &["vision"])).expect("search");
    assert_eq!(results.total, 2);
    assert!(results.hits.iter().all(|hit| hit.project == "vision"));
    let nothing_allowed = index.search(&request("accuracy", &[])).expect("search");
    assert_eq!((nothing_allowed.total, nothing_allowed.hits.len()), (0, 0));
    let exclusions_only = index.search(&request("-sgd", &["vision"])).expect("search");
    assert_eq!(
        exclusions_only.total, 2,
        "exclusions alone list the rest of the allowed projects"
    );
}

#[test]
fn kinds_filter_keeps_only_the_requested_kinds() {
    let index = sample_index();
    let mut hypotheses = request("adam", &["vision"]);
    hypotheses.kinds = vec![DocumentKind::Hypothesis];
    let results = index.search(&hypotheses).expect("search");
    assert_eq!(results.total, 1);
    assert_eq!(results.hits[0].kind, DocumentKind::Hypothesis);
    assert_eq!(found_ids(&index, "adam kind:hypothesis"), ["h1"]);
    assert_eq!(found_ids(&index, "adam -kind:hypothesis"), ["e1"]);
}

#[test]
fn field_queries_search_only_their_field() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "title:adam"), ["h1"]);
    assert_eq!(found_ids(&index, "notes:adam"), ["e1"]);
    assert_eq!(found_ids(&index, "tag:baseline"), ["e1"]);
    assert_eq!(found_ids(&index, "status:complete"), ["e2"]);
    assert_eq!(found_ids(&index, "status:Running"), ["e1"]);
    assert_eq!(found_ids(&index, "feature:lr"), ["e1", "e2"]);
    assert_eq!(found_ids(&index, "features:\"optimizer.lr\""), ["e1", "e2"]);
    assert_eq!(found_ids(&index, "name:lr_sweep"), ["e1"]);
}

#[test]
fn phrases_need_consecutive_words() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "\"learning rate\""), ["e1"]);
    assert!(found_ids(&index, "\"rate learning\"").is_empty());
    assert_eq!(found_ids(&index, "12_from_8"), ["e1"]);
}

#[test]
fn prefixes_find_completions() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "accur*"), ["e2", "h1"]);
    assert_eq!(found_ids(&index, "title:warm*"), ["h1"]);
    assert_eq!(found_ids(&index, "status:supp*"), ["h1"]);
    assert_eq!(found_ids(&index, "lr_sw*"), ["e1"]);
}

#[test]
fn fuzzy_words_forgive_typos() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "acuracy~"), ["e2", "h1"]);
    assert_eq!(found_ids(&index, "accuracyy~"), ["e2", "h1"]);
    assert_eq!(found_ids(&index, "acuracyy~2"), ["e2", "h1"]);
    assert!(found_ids(&index, "acuracyy~").is_empty());
}

#[test]
fn or_gives_alternatives_and_minus_excludes() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "momentum OR warmup"), ["e2", "h1"]);
    assert_eq!(found_ids(&index, "accuracy -draft"), ["e2"]);
    assert_eq!(
        found_ids(&index, "adam accuracy"),
        ["h1"],
        "words are all required"
    );
}

#[test]
fn feature_values_are_searchable() {
    let index = sample_index();
    assert_eq!(found_ids(&index, "0.001"), ["e1"]);
    assert_eq!(found_ids(&index, "1e-4"), ["e2"]);
    assert_eq!(found_ids(&index, "features:0.001"), ["e1"]);
    assert_eq!(found_ids(&index, "optimizer.lr"), ["e1", "e2"]);
}

#[test]
fn hits_carry_highlighted_snippets_for_prefix_and_fuzzy_words() {
    let index = sample_index();
    let results = index
        .search(&request("acuracy~ warm*", &["vision"]))
        .expect("search");
    let hit = &results.hits[0];
    assert_eq!(hit.id, "h1");
    let fields: Vec<&str> = hit
        .snippets
        .iter()
        .map(|snippet| snippet.field.as_str())
        .collect();
    assert_eq!(fields, ["title", "notes"]);
    assert_eq!(hit.snippets[0].html(), "<mark>Warmup</mark> helps adam");
    assert_eq!(
        hit.snippets[1].html(),
        "draft: <mark>accuracy</mark> improves with <mark>warmup</mark>"
    );
    let feature_hit = index.search(&request("0.001", &["vision"])).expect("search");
    let snippet = &feature_hit.hits[0].snippets[0];
    assert_eq!(snippet.field, "features");
    assert!(
        snippet.html().contains("optimizer.lr = <mark>0.001</mark>"),
        "{}",
        snippet.html()
    );
}

#[test]
fn invalid_requests_name_the_field_at_fault() {
    let index = sample_index();
    let (field, reason) = invalid_field(index.search(&request("foo:bar", &["vision"])));
    assert_eq!(field, "query");
    assert!(reason.contains("unknown field \"foo\""), "{reason}");
    let (field, _) = invalid_field(index.search(&request(&"x".repeat(1001), &["vision"])));
    assert_eq!(field, "query");
    let many_words = vec!["w"; 33].join(" ");
    let (_, reason) = invalid_field(index.search(&request(&many_words, &["vision"])));
    assert!(reason.contains("32 clauses"), "{reason}");
    let (_, reason) = invalid_field(index.search(&request("\"open", &["vision"])));
    assert!(reason.contains("unbalanced quote"), "{reason}");
    let (field, reason) = invalid_field(index.search(&request(" ", &[])));
    assert_eq!((field.as_str(), reason.as_str()), ("query", "must not be empty"));
    for first in [0, 101] {
        let mut out_of_range = request("adam", &["vision"]);
        out_of_range.first = first;
        let (field, _) = invalid_field(index.search(&out_of_range));
        assert_eq!(field, "first");
    }
}

#[test]
fn first_limits_the_hits_but_not_the_total() {
    let index = index_with(
        (0..30)
            .map(|n| experiment("vision", &format!("e{n}"), "sweep", ""))
            .collect(),
    );
    let mut top_five = request("sweep", &["vision"]);
    top_five.first = 5;
    let results = index.search(&top_five).expect("search");
    assert_eq!((results.total, results.hits.len()), (30, 5));
}

#[test]
fn rebuild_all_replaces_everything_and_clears_needs_rebuild() {
    let index = sample_index();
    assert!(index.needs_rebuild());
    index
        .rebuild_all(vec![experiment("nlp", "n1", "tokenizer study", "")])
        .expect("rebuild");
    assert!(!index.needs_rebuild());
    assert_eq!(index.document_count().expect("count"), 1);
    assert_eq!(found_ids(&index, "tokenizer"), ["n1"]);
}

#[test]
fn replace_project_clears_needs_rebuild() {
    let index = SearchIndex::open_in_ram().expect("index");
    assert!(index.needs_rebuild());
    index.replace_project("vision", Vec::new()).expect("replace");
    assert!(!index.needs_rebuild());
}

#[test]
fn reopening_an_index_on_disk_keeps_its_documents() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("search");
    {
        let index = SearchIndex::open(&path).expect("open");
        assert!(index.needs_rebuild(), "a new index needs filling");
        index
            .rebuild_all(vec![experiment("vision", "e1", "kept run", "")])
            .expect("rebuild");
    }
    let reopened = SearchIndex::open(&path).expect("reopen");
    assert!(!reopened.needs_rebuild());
    assert_eq!(found_ids(&reopened, "kept"), ["e1"]);
}

#[test]
fn another_schema_version_wipes_the_index_and_asks_for_a_rebuild() {
    let directory = tempfile::tempdir().expect("temporary directory");
    {
        let index = SearchIndex::open(directory.path()).expect("open");
        index
            .rebuild_all(vec![experiment("vision", "e1", "old run", "")])
            .expect("rebuild");
    }
    fs::write(directory.path().join(SCHEMA_VERSION_FILE), "0\n").expect("write marker");
    fs::write(directory.path().join("unrelated.txt"), "keep me").expect("write unrelated");
    let reopened = SearchIndex::open(directory.path()).expect("reopen");
    assert!(reopened.needs_rebuild());
    assert_eq!(reopened.document_count().expect("count"), 0);
    let marker = fs::read_to_string(directory.path().join(SCHEMA_VERSION_FILE)).expect("marker");
    assert_eq!(marker.trim(), SCHEMA_VERSION.to_string());
    assert!(
        directory.path().join("unrelated.txt").exists(),
        "a wipe removes only index files"
    );
}

#[test]
fn a_corrupt_index_is_wiped_and_asks_for_a_rebuild() {
    let directory = tempfile::tempdir().expect("temporary directory");
    {
        let index = SearchIndex::open(directory.path()).expect("open");
        index
            .rebuild_all(vec![experiment("vision", "e1", "old run", "")])
            .expect("rebuild");
    }
    fs::write(directory.path().join("meta.json"), "{ not json").expect("corrupt meta");
    let reopened = SearchIndex::open(directory.path()).expect("reopen");
    assert!(reopened.needs_rebuild());
    assert_eq!(reopened.document_count().expect("count"), 0);
    reopened
        .upsert(vec![experiment("vision", "e2", "new run", "")])
        .expect("upsert");
    assert_eq!(found_ids(&reopened, "run"), ["e2"]);
}

#[test]
fn documents_without_id_are_refused_before_any_write() {
    let index = sample_index();
    let result = index.upsert(vec![
        experiment("vision", "ok", "fine", ""),
        experiment("vision", "", "bad", ""),
    ]);
    assert!(matches!(result, Err(Error::Invalid { field, .. }) if field == "id"));
    assert!(found_ids(&index, "fine").is_empty());
}

#[test]
fn search_index_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<SearchIndex>();
}

#[test]
fn opening_a_directory_already_in_use_fails_without_wiping_it() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let index = SearchIndex::open(directory.path()).expect("open");
    index
        .rebuild_all(vec![experiment("vision", "e1", "busy run", "")])
        .expect("rebuild");
    let second = SearchIndex::open(directory.path());
    assert!(matches!(second, Err(Error::Internal(_))), "{second:?}");
    assert_eq!(found_ids(&index, "busy"), ["e1"]);
    drop(index);
    let reopened = SearchIndex::open(directory.path()).expect("reopen");
    assert!(!reopened.needs_rebuild());
    assert_eq!(reopened.document_count().expect("count"), 1);
}
