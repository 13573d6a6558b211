//! Indexing throughput and search latency of the full-text index over 100,000 synthetic
//! documents (deterministic: a small LCG, no `rand`).
//!
//! Run with `cargo bench -p search --bench search`. Targets: indexing at least 5,000 documents/s,
//! search p95 at most 20 ms (projects filter of 10 projects, first = 20, snippets included).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use search::{Document, DocumentKind, SearchIndex, SearchRequest};

const EXPERIMENTS: usize = 90_000;
const HYPOTHESES: usize = 3_000;
const FEATURES: usize = 2_000;
const ARTIFACTS: usize = 3_000;
const METRICS: usize = 2_000;
const PROJECTS: usize = 20;
const VOCABULARY_SIZE: usize = 2_000;
const BATCH_SIZE: usize = 1_000;
const QUERIES: usize = 1_000;
const TARGET_DOCUMENTS_PER_SECOND: f64 = 5_000.0;
const TARGET_P95_MS: f64 = 20.0;

const ML_WORDS: &str =
    "accuracy loss learning rate schedule warmup cosine decay optimizer adam adamw sgd momentum \
    batch size epoch step gradient clipping norm layer attention head transformer convolution \
    residual dropout regularization weight embedding token tokenizer vocabulary sequence length \
    context window pretraining finetuning distillation teacher student augmentation mixup cutmix \
    label smoothing validation test train split overfitting underfitting baseline ablation sweep \
    seed variance checkpoint resume divergence instability spike plateau convergence throughput \
    latency memory gpu tpu precision bfloat16 fp16 quantization pruning sparsity mixture experts \
    routing capacity scaling law compute budget dataset shard shuffle curriculum sampling \
    temperature beam search perplexity bleu rouge f1 recall calibration robustness \
    generalization transfer zero shot few prompt encoder decoder diffusion noise denoising \
    contrastive representation projection linear probe frozen backbone resnet vit patch \
    resolution image audio speech text multimodal retrieval reranking kernel fused flash \
    activation gelu relu swiglu initialization xavier orthogonal ema averaging lookahead lamb \
    lion adafactor horizon reward policy value critic rollout buffer replay exploration";

const TITLE_SUFFIXES: &str =
    "lr_sweep baseline ablation warmup_fix long_run wd_sweep bs_scan seed_check distill finetune \
    no_dropout bigger_model ema_on cosine_decay mixup_off";

const TAGS: &str = "baseline gpu tpu ablation sweep promising broken rerun paper draft long short debug \
    production nightly regression sota cheap expensive wip vision language speech rl \
    distillation pretrain finetune eval ci archive";

const PROJECT_NAMES: &str =
    "vision nlp speech robotics recsys search ranking ads fraud forecast diffusion agents rlhf \
    retrieval ocr translation summarization qa medical audio";

const METRIC_NAMES: &str =
    "train/loss val/loss val/accuracy train/accuracy lr grad_norm throughput val/perplexity \
    test/f1 memory/peak_gb val/bleu train/tokens_per_second";

fn project_name(index: usize) -> String {
    PROJECT_NAMES
        .split_whitespace()
        .nth(index)
        .expect("one name per project")
        .to_string()
}

/// Knuth's MMIX linear congruential generator.
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    fn between(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive - low + 1)
    }

    /// An index skewed toward 0, like word frequencies.
    fn skewed(&mut self, bound: usize) -> usize {
        let unit = (self.next_u64() % 1_000_000) as f64 / 1_000_000.0;
        ((unit * unit * unit) * bound as f64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A word of a space-separated list.
    fn pick_from(&mut self, list: &'static str) -> &'static str {
        let words: Vec<&'static str> = list.split_whitespace().collect();
        words[self.below(words.len())]
    }
}

fn vocabulary(random: &mut Lcg) -> Vec<String> {
    const SYLLABLES: &str =
        "ka lo mi ne ra su ti vo ze pa qu den tor mal vis gra nex bel cor fin lum pro sta tri ven";
    let mut words: Vec<String> = ML_WORDS.split_whitespace().map(str::to_string).collect();
    while words.len() < VOCABULARY_SIZE {
        let syllables = random.between(2, 4);
        let word: String = (0..syllables).map(|_| random.pick_from(SYLLABLES)).collect();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    // Interleave the ML words with generated ones so both are frequent.
    let mut interleaved = Vec::with_capacity(words.len());
    let (ml, generated) = words.split_at(ML_WORDS.split_whitespace().count());
    for index in 0..generated.len().max(ml.len()) {
        interleaved.extend(ml.get(index).cloned());
        interleaved.extend(generated.get(index).cloned());
    }
    interleaved
}

struct Corpus {
    documents: Vec<Document>,
    vocabulary: Vec<String>,
    sampled_bigrams: Vec<String>,
}

fn sentence(random: &mut Lcg, vocabulary: &[String], fewest_words: usize, most_words: usize) -> Vec<String> {
    let words = random.between(fewest_words, most_words);
    (0..words)
        .map(|_| vocabulary[random.skewed(vocabulary.len())].clone())
        .collect()
}

fn feature_pair(random: &mut Lcg) -> (String, String) {
    const LEARNING_RATES: &[&str] = &[
        "0.1", "0.01", "0.003", "0.001", "0.0003", "0.0001", "1e-4", "3e-5",
    ];
    match random.below(8) {
        0 => (
            "optimizer.lr".to_string(),
            random.pick(LEARNING_RATES).to_string(),
        ),
        1 => (
            "optimizer.name".to_string(),
            random.pick(&["adam", "adamw", "sgd", "lion"]).to_string(),
        ),
        2 => ("model.depth".to_string(), random.between(2, 48).to_string()),
        3 => (
            "model.width".to_string(),
            (64 * random.between(1, 32)).to_string(),
        ),
        4 => (
            "data.batch_size".to_string(),
            (1 << random.between(4, 11)).to_string(),
        ),
        5 => ("train.epochs".to_string(), random.between(1, 300).to_string()),
        6 => (
            "regularization.dropout".to_string(),
            format!("0.{}", random.below(6)),
        ),
        _ => (
            format!("extra.flag_{}", random.below(40)),
            random.pick(&["true", "false"]).to_string(),
        ),
    }
}

fn generate_corpus() -> Corpus {
    let mut random = Lcg(0x5eed);
    let vocabulary = vocabulary(&mut random);
    let mut documents = Vec::with_capacity(EXPERIMENTS + HYPOTHESES + FEATURES + ARTIFACTS + METRICS);
    let mut sampled_bigrams = Vec::new();
    let mut next_number = [0_i64; PROJECTS];
    let statuses = ["running", "complete", "failed", "queued"];
    for index in 0..EXPERIMENTS {
        let project = random.below(PROJECTS);
        next_number[project] += 1;
        let number = next_number[project];
        let parent = (number - 1 - random.below(20) as i64).max(1);
        let notes = sentence(&mut random, &vocabulary, 10, 40);
        if index % 90 == 0 {
            sampled_bigrams.push(format!("{} {}", notes[0], notes[1]));
        }
        documents.push(Document {
            kind: DocumentKind::Experiment,
            id: format!("exp-{index}"),
            project: project_name(project),
            number: Some(number),
            title: format!("{number}_from_{parent}_{}", random.pick_from(TITLE_SUFFIXES)),
            body: notes.join(" "),
            tags: (0..random.below(4))
                .map(|_| random.pick_from(TAGS).to_string())
                .collect(),
            features: (0..random.between(5, 15))
                .map(|_| feature_pair(&mut random))
                .collect(),
            status: Some(random.pick(&statuses).to_string()),
        });
    }
    let mut add = |kind: DocumentKind,
                   count: usize,
                   random: &mut Lcg,
                   make: &dyn Fn(&mut Lcg, usize) -> (String, String)| {
        for index in 0..count {
            let (title, body) = make(random, index);
            documents.push(Document {
                kind,
                id: format!("{kind}-{index}"),
                project: project_name(random.below(PROJECTS)),
                number: None,
                title,
                body,
                tags: Vec::new(),
                features: Vec::new(),
                status: (kind == DocumentKind::Hypothesis)
                    .then(|| random.pick(&["proposed", "supported", "refuted"]).to_string()),
            });
        }
    };
    let vocabulary_for_text = vocabulary.clone();
    add(DocumentKind::Hypothesis, HYPOTHESES, &mut random, &|random, _| {
        let title = sentence(random, &vocabulary_for_text, 4, 8).join(" ");
        let body = sentence(random, &vocabulary_for_text, 20, 40).join(" ");
        (title, body)
    });
    add(DocumentKind::Feature, FEATURES, &mut random, &|random, _| {
        let (path, _) = feature_pair(random);
        (path, String::new())
    });
    add(
        DocumentKind::Artifact,
        ARTIFACTS,
        &mut random,
        &|random, index| {
            let path = match random.below(3) {
                0 => format!("checkpoints/epoch_{}.pt", random.between(1, 300)),
                1 => format!(
                    "plots/{}_curve_{index}.png",
                    random.pick(&["loss", "accuracy", "lr"])
                ),
                _ => format!("eval/predictions_{index}.jsonl"),
            };
            (path, String::new())
        },
    );
    add(DocumentKind::Metric, METRICS, &mut random, &|random, _| {
        (random.pick_from(METRIC_NAMES).to_string(), String::new())
    });
    Corpus {
        documents,
        vocabulary,
        sampled_bigrams,
    }
}

fn queries(corpus: &Corpus, random: &mut Lcg) -> Vec<(&'static str, String)> {
    let word = |random: &mut Lcg| corpus.vocabulary[random.skewed(corpus.vocabulary.len())].clone();
    (0..QUERIES)
        .map(|index| match index % 7 {
            0 => ("single term", word(random)),
            1 => ("two-term AND", format!("{} {}", word(random), word(random))),
            2 => (
                "phrase",
                format!(
                    "\"{}\"",
                    corpus.sampled_bigrams[random.below(corpus.sampled_bigrams.len())]
                ),
            ),
            3 => {
                let stem: String = word(random).chars().take(3).collect();
                ("prefix", format!("{stem}*"))
            }
            4 => {
                let mut typo: Vec<char> = word(random).chars().collect();
                let position = random.below(typo.len());
                typo[position] = 'x';
                ("fuzzy", format!("{}~", typo.into_iter().collect::<String>()))
            }
            5 => {
                let field_query = match random.below(5) {
                    0 => format!(
                        "title:{}",
                        random.pick(&["sweep", "baseline", "ablation", "distill"])
                    ),
                    1 => format!("tag:{}", random.pick_from(TAGS)),
                    2 => format!("status:running {}", word(random)),
                    3 => "feature:lr 0.0003".to_string(),
                    _ => format!("kind:hypothesis {}", word(random)),
                };
                ("field", field_query)
            }
            _ => (
                "OR / exclusion",
                format!("{} OR {} -{}", word(random), word(random), word(random)),
            ),
        })
        .collect()
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index].as_secs_f64() * 1_000.0
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "PASS"
    } else {
        "FAIL"
    }
}

fn main() {
    let started = Instant::now();
    let corpus = generate_corpus();
    let total_documents = corpus.documents.len();
    println!(
        "generated {total_documents} documents ({EXPERIMENTS} experiments) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let rebuild_directory = tempfile::tempdir().expect("temporary directory");
    let rebuilt = SearchIndex::open(rebuild_directory.path()).expect("open index");
    let rebuild_started = Instant::now();
    rebuilt
        .rebuild_all(corpus.documents.clone())
        .expect("rebuild_all");
    let rebuild_seconds = rebuild_started.elapsed().as_secs_f64();
    let rebuild_rate = total_documents as f64 / rebuild_seconds;
    println!(
        "rebuild_all:           {rebuild_rate:>9.0} documents/s ({rebuild_seconds:.2} s)   target >= {TARGET_DOCUMENTS_PER_SECOND:.0}: {}",
        verdict(rebuild_rate >= TARGET_DOCUMENTS_PER_SECOND)
    );
    drop(rebuilt);

    let upsert_directory = tempfile::tempdir().expect("temporary directory");
    let index = SearchIndex::open(upsert_directory.path()).expect("open index");
    let upsert_started = Instant::now();
    for batch in corpus.documents.chunks(BATCH_SIZE) {
        index.upsert(batch.to_vec()).expect("upsert");
    }
    let upsert_seconds = upsert_started.elapsed().as_secs_f64();
    let upsert_rate = total_documents as f64 / upsert_seconds;
    println!(
        "upsert batches of {BATCH_SIZE}: {upsert_rate:>9.0} documents/s ({upsert_seconds:.2} s)   target >= {TARGET_DOCUMENTS_PER_SECOND:.0}: {}",
        verdict(upsert_rate >= TARGET_DOCUMENTS_PER_SECOND)
    );
    assert_eq!(index.document_count().expect("count"), total_documents as u64);

    let mut random = Lcg(42);
    let queries = queries(&corpus, &mut random);
    let mut latencies: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut by_category: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut total_hits = 0_usize;
    let mut total_snippets = 0_usize;
    for (category, query) in &queries {
        let mut projects: Vec<String> = (0..PROJECTS).map(project_name).collect();
        for swap in 0..projects.len() {
            let other = swap + random.below(projects.len() - swap);
            projects.swap(swap, other);
        }
        projects.truncate(10);
        let request = SearchRequest {
            query: query.clone(),
            projects,
            kinds: Vec::new(),
            first: 20,
        };
        let query_started = Instant::now();
        let results = index.search(&request).expect("search");
        let latency = query_started.elapsed();
        total_hits += results.hits.len();
        total_snippets += results.hits.iter().map(|hit| hit.snippets.len()).sum::<usize>();
        latencies.push(latency);
        by_category.entry(category).or_default().push(latency);
    }
    latencies.sort();
    let p95 = percentile(&latencies, 0.95);
    println!(
        "search over {total_documents} documents, {QUERIES} queries (10 of {PROJECTS} projects, first = 20, snippets): \
         {total_hits} hits, {total_snippets} snippets"
    );
    println!(
        "latency ms: p50 {:.2}  p95 {p95:.2}  p99 {:.2}  max {:.2}   target p95 <= {TARGET_P95_MS:.0}: {}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        verdict(p95 <= TARGET_P95_MS)
    );
    for (category, mut category_latencies) in by_category {
        category_latencies.sort();
        println!(
            "  {category:<15} p95 {:>6.2} ms  ({} queries)",
            percentile(&category_latencies, 0.95),
            category_latencies.len()
        );
    }
}
