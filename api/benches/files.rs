//! The experiment-files benchmark of issue 6: the real server in-process on the embedded
//! default (graphdblite and a local blob store in a temp dir, mimalloc tuned as in `rsdk serve`),
//! driven over loopback by one reqwest client on the same 2 cores, so every figure is client
//! and server together.
//!
//! A generated 200-file tree (150 Python modules of 2–20 KB, 40 YAML/JSON configs of 1–4 KB,
//! 8 small data files, 2 random 4 MiB checkpoints) is uploaded by a root experiment, then by
//! 20 children in a chain (`2_from_1`, `3_from_2`, ...), each changing a few lines of one
//! config and replacing one checkpoint, and each uploading its full 200-file manifest.
//!
//! 1. Storage: bytes of the blob directory after the sequence against storing every file of
//!    every experiment in full, and how many contents were stored as deltas.
//! 2. Upload time per experiment with the "what do you lack" step (plan, upload the lacking
//!    contents, commit) and without it (upload every content, commit), each mode on its own
//!    fresh server and data directory so the second really sends every byte.
//! 3. Text diff of a 10,000-line file with 300 scattered edited lines between two
//!    experiments: GraphQL `fileDiff`, then `FileStore::diff` and the in-memory diff directly.
//!
//! A plain program (harness = false): `cargo bench -p api --bench files`. `RSDK_BENCH_DIR`
//! picks the parent of the temporary data directories (every stored blob is fsynced, so use a
//! real disk).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use api::services::Services;
use bytes::Bytes;
use graph::ids::ExperimentId;
use ingest::file_store::FileDiff;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use support::report::{Column, Report};
use support::server::{config_for, Server};
use support::{directory_size, load_average, Rng};

/// The allocator `rsdk serve` runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROJECT: &str = "files";
const CHILDREN: usize = 20;
#[rustfmt::skip]
const PACKAGES: [&str; 10] = [
    "data", "models", "training", "evaluation", "utils", "layers", "losses", "optim", "callbacks", "metrics",
];
const MODULES_PER_PACKAGE: usize = 14;
const YAML_CONFIGS: usize = 25;
const JSON_CONFIGS: usize = 15;
/// The configs children edit, one each, in turn: a sweep touches the same few files.
const EDITED_CONFIGS: [&str; 3] = [
    "configs/train.yaml",
    "configs/optimizer.yaml",
    "configs/model.yaml",
];
const EDITED_CONFIG_LINES: usize = 3;
const CHECKPOINT_BYTES: usize = 4 * 1024 * 1024;
/// The checkpoint every child replaces; `checkpoints/pretrained.pt` stays as the root's.
const CHANGED_CHECKPOINT: &str = "checkpoints/last.pt";

const DIFF_FILE: &str = "src/generated/tables.py";
const DIFF_FILE_LINES: usize = 10_000;
const DIFF_EDITED_LINES: usize = 300;
const DIFF_SAMPLES: usize = 20;
/// What `FileStore::diff` passes to `text_diff` (context lines, most lines shown).
const DIFF_CONTEXT: usize = 3;
const DIFF_MAX_LINES: usize = 20_000;
const DIFF_QUERY: &str =
    "query($p: String!, $path: String!) { fileDiff(project: $p, left: 1, right: 2, path: $path) \
     { binary added removed truncated hunks { oldStart oldLines newStart newLines \
     lines { kind oldNumber newNumber segments { text changed } } } } }";

/// The table's columns: the latency percentiles without p99, and a free-form figure.
const COLUMNS: &[Column] = &[
    Column::Measurement,
    Column::Count,
    Column::Total,
    Column::P50,
    Column::P95,
    Column::Max,
    Column::Figure,
];

fn main() {
    support::run_on_two_workers(run());
}

async fn run() {
    let parent_dir = support::parent_dir();
    println!("load average at start: {}", load_average());
    let mut report = Report::new(COLUMNS);

    let trees = experiment_trees();
    describe_trees(&trees, &mut report);

    let with_plan_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the plan mode");
    let with_plan = upload_sequence(with_plan_dir.path(), Mode::WithPlan, &trees).await;
    println!(
        "load average after the sequence with the plan step: {}",
        load_average()
    );
    let without_plan_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the no-plan mode");
    let without_plan = upload_sequence(without_plan_dir.path(), Mode::WithoutPlan, &trees).await;
    println!("load average after the sequence without it: {}", load_average());
    report_storage(&trees, &with_plan, &without_plan, &mut report);
    report_uploads(&with_plan, &without_plan, &mut report);

    let diff_dir = tempfile::tempdir_in(&parent_dir).expect("a temp dir for the diff phase");
    measure_diff(diff_dir.path(), &mut report).await;

    println!("load average at end: {}", load_average());
    report.print();
}

// ---------------------------------------------------------------------------------------
// The generated trees
// ---------------------------------------------------------------------------------------

/// One file of a tree, hashed once.
#[derive(Clone)]
struct File {
    path: String,
    mime: &'static str,
    content: Bytes,
    hash: String,
}

impl File {
    fn new(path: impl Into<String>, mime: &'static str, content: impl Into<Bytes>) -> File {
        let content = content.into();
        File {
            path: path.into(),
            mime,
            hash: sha256(&content),
            content,
        }
    }

    fn manifest_entry(&self) -> Value {
        json!({ "path": self.path, "size": self.content.len(), "hash": self.hash, "mime": self.mime })
    }
}

/// Every file of one experiment.
#[derive(Clone)]
struct Tree {
    files: Vec<File>,
}

impl Tree {
    fn bytes(&self) -> u64 {
        self.files.iter().map(|file| file.content.len() as u64).sum()
    }

    fn manifest(&self) -> Value {
        json!({ "files": self.files.iter().map(File::manifest_entry).collect::<Vec<_>>() })
    }

    fn replace(&mut self, replacement: File) {
        let slot = self
            .files
            .iter_mut()
            .find(|file| file.path == replacement.path)
            .expect("the replaced path is in the tree");
        *slot = replacement;
    }

    fn file(&self, path: &str) -> &File {
        self.files
            .iter()
            .find(|file| file.path == path)
            .expect("the path is in the tree")
    }
}

/// The root's tree, then each child's: the parent's with one config edited and the changing
/// checkpoint replaced.
fn experiment_trees() -> Vec<Tree> {
    let mut rng = Rng::new(6);
    let mut trees = vec![root_tree(&mut rng)];
    for child in 0..CHILDREN {
        let mut tree = trees[child].clone();
        let config_path = EDITED_CONFIGS[child % EDITED_CONFIGS.len()];
        let edited = edit_config(&mut rng, &tree.file(config_path).content);
        tree.replace(File::new(config_path, "text/yaml", edited));
        tree.replace(File::new(
            CHANGED_CHECKPOINT,
            "application/octet-stream",
            checkpoint(&mut rng),
        ));
        trees.push(tree);
    }
    trees
}

fn root_tree(rng: &mut Rng) -> Tree {
    let mut files = Vec::new();
    for package in PACKAGES {
        for module in 0..MODULES_PER_PACKAGE {
            let size = 2_000 + rng.below(18_000);
            let path = format!("src/{package}/{}_{module:02}.py", rng.pick(&NOUNS));
            files.push(File::new(path, "text/x-python", python_module(rng, size)));
        }
        let size = 2_000 + rng.below(18_000);
        files.push(File::new(
            format!("tests/test_{package}.py"),
            "text/x-python",
            python_module(rng, size),
        ));
    }
    for config in 0..YAML_CONFIGS {
        let path = match EDITED_CONFIGS.get(config) {
            Some(path) => (*path).to_owned(),
            None => format!("configs/experiments/{}_{config:02}.yaml", rng.pick(&NOUNS)),
        };
        let size = 1_000 + rng.below(3_000);
        files.push(File::new(path, "text/yaml", yaml_config(rng, size)));
    }
    for config in 0..JSON_CONFIGS {
        let size = 1_000 + rng.below(3_000);
        let path = format!("configs/datasets/{}_{config:02}.json", rng.pick(&NOUNS));
        files.push(File::new(path, "application/json", json_config(rng, size)));
    }
    for split in ["train", "val", "test", "holdout"] {
        let size = 8_000 + rng.below(24_000);
        files.push(File::new(
            format!("data/splits/{split}.csv"),
            "text/csv",
            csv_table(rng, size),
        ));
    }
    for array in ["mean", "std", "vocab", "embeddings"] {
        let size = 16_000 + rng.below(48_000);
        let path = format!("data/stats/{array}.npy");
        files.push(File::new(path, "application/octet-stream", npy_array(rng, size)));
    }
    for name in ["pretrained", "last"] {
        let path = format!("checkpoints/{name}.pt");
        files.push(File::new(path, "application/octet-stream", checkpoint(rng)));
    }
    Tree { files }
}

#[rustfmt::skip]
const NOUNS: [&str; 30] = [
    "batch", "loss", "model", "layer", "optimizer", "scheduler", "tensor", "feature", "label", "weight",
    "gradient", "sample", "token", "embedding", "logits", "mask", "config", "metric", "epoch", "step",
    "dataset", "loader", "encoder", "decoder", "head", "state", "checkpoint", "buffer", "cache", "score",
];
#[rustfmt::skip]
const VERBS: [&str; 20] = [
    "compute", "load", "build", "apply", "update", "normalize", "split", "merge", "encode", "decode",
    "evaluate", "prepare", "collect", "reduce", "sample", "clip", "project", "shuffle", "register",
    "resolve",
];
#[rustfmt::skip]
const WORDS: [&str; 24] = [
    "the", "a", "of", "for", "each", "when", "is", "on", "with", "per", "before", "after", "input",
    "output", "shape", "device", "value", "first", "last", "mean", "rate", "warmup", "window", "cached",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut text: Vec<&str> = (0..words).map(|_| rng.pick(&WORDS)).collect();
    text.insert(1, rng.pick(&NOUNS));
    text.join(" ")
}

fn python_module(rng: &mut Rng, target_bytes: usize) -> String {
    let mut text = format!("\"\"\"{}.\"\"\"\n\nimport math\nimport torch\n", sentence(rng, 6));
    for _ in 0..2 + rng.below(5) {
        let (package, noun) = (rng.pick(&PACKAGES), rng.pick(&NOUNS));
        text.push_str(&format!("from {package}.{noun} import {}\n", capitalized(noun)));
    }
    while text.len() < target_bytes {
        text.push_str("\n\n");
        match rng.below(4) {
            0 => python_class(rng, &mut text),
            _ => python_function(rng, &mut text, ""),
        }
    }
    text
}

fn python_class(rng: &mut Rng, text: &mut String) {
    let (noun, base) = (capitalized(rng.pick(&NOUNS)), capitalized(rng.pick(&NOUNS)));
    text.push_str(&format!(
        "class {noun}{base}({base}):\n    \"\"\"{}.\"\"\"\n",
        sentence(rng, 7)
    ));
    for _ in 0..1 + rng.below(3) {
        text.push('\n');
        python_function(rng, text, "    ");
    }
}

fn python_function(rng: &mut Rng, text: &mut String, indent: &str) {
    let (verb, noun, argument, option) = (
        rng.pick(&VERBS),
        rng.pick(&NOUNS),
        rng.pick(&NOUNS),
        rng.pick(&NOUNS),
    );
    let default = rng.below(1_000) as f64 / 100.0;
    text.push_str(&format!(
        "{indent}def {verb}_{noun}({argument}, {option}=None, scale={default}):\n"
    ));
    let words = 5 + rng.below(6);
    text.push_str(&format!("{indent}    \"\"\"{}.\"\"\"\n", sentence(rng, words)));
    for _ in 0..3 + rng.below(10) {
        text.push_str(indent);
        text.push_str("    ");
        text.push_str(&python_statement(rng, argument, option));
        text.push('\n');
    }
    text.push_str(&format!("{indent}    return {argument}\n"));
}

fn python_statement(rng: &mut Rng, argument: &str, option: &str) -> String {
    let (verb, noun) = (rng.pick(&VERBS), rng.pick(&NOUNS));
    let number = rng.below(4_096);
    let comment_words = 4 + rng.below(8);
    match rng.below(7) {
        0 => format!("{noun}_{number} = {verb}_{noun}({argument}, dim={})", number % 4),
        1 => format!("# {}", sentence(rng, comment_words)),
        2 => format!("{argument} = {argument} * scale + {option} if {option} is not None else {argument}"),
        3 => format!("{noun} = torch.clamp({argument}.{verb}(), min=-{number}, max={number})"),
        4 => format!("if {argument}.shape[0] > {number}: {argument} = {argument}[:{number}]"),
        5 => format!("logger.debug(\"{verb} {noun} %s\", {argument}.shape)"),
        _ => format!("{noun}_{verb} = math.sqrt({number}) / max(1, len({argument}))"),
    }
}

fn capitalized(word: &str) -> String {
    let mut characters = word.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + characters.as_str()
    })
}

fn config_value(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("{:.6}", rng.unit() / 100.0),
        1 => format!("{}", rng.below(2_048)),
        2 => format!("{}", rng.below(2) == 0),
        3 => format!("{}_{}", rng.pick(&VERBS), rng.pick(&NOUNS)),
        _ => format!("[{}, {}, {}]", rng.below(512), rng.below(512), rng.below(512)),
    }
}

fn yaml_config(rng: &mut Rng, target_bytes: usize) -> String {
    let mut text = format!("# {}\n", sentence(rng, 8));
    while text.len() < target_bytes {
        text.push_str(&format!("{}_{}:\n", rng.pick(&NOUNS), rng.below(100)));
        for _ in 0..4 + rng.below(8) {
            let key = format!("{}_{}", rng.pick(&NOUNS), rng.pick(&NOUNS));
            text.push_str(&format!("  {key}: {}\n", config_value(rng)));
        }
    }
    text
}

fn json_config(rng: &mut Rng, target_bytes: usize) -> String {
    let mut root = serde_json::Map::new();
    let mut text = String::new();
    while text.len() < target_bytes {
        let mut section = serde_json::Map::new();
        for _ in 0..4 + rng.below(8) {
            let key = format!("{}_{}", rng.pick(&NOUNS), rng.pick(&VERBS));
            section.insert(key, Value::String(config_value(rng)));
        }
        root.insert(
            format!("{}_{}", rng.pick(&NOUNS), rng.below(1_000)),
            Value::Object(section),
        );
        text = serde_json::to_string_pretty(&root).expect("a JSON config");
    }
    text + "\n"
}

/// The config with `EDITED_CONFIG_LINES` of its `  key: value` lines given new values.
fn edit_config(rng: &mut Rng, content: &[u8]) -> String {
    let text = std::str::from_utf8(content).expect("a text config");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let editable: Vec<usize> = (0..lines.len())
        .filter(|&index| lines[index].starts_with("  ") && lines[index].contains(": "))
        .collect();
    for _ in 0..EDITED_CONFIG_LINES {
        let index = editable[rng.below(editable.len())];
        let key = lines[index].split(": ").next().expect("a key").to_owned();
        lines[index] = format!("{key}: {:.8}", rng.unit());
    }
    lines.join("\n") + "\n"
}

fn csv_table(rng: &mut Rng, target_bytes: usize) -> String {
    let mut text = String::from("step,loss,accuracy,learning_rate\n");
    let mut step = 0;
    while text.len() < target_bytes {
        let progress = (-(step as f64) / 5_000.0).exp();
        let loss = 2.5 * progress + 0.05 * rng.unit();
        text.push_str(&format!(
            "{step},{loss:.5},{:.5},{:.7}\n",
            1.0 - 0.9 * progress,
            3e-4 * progress
        ));
        step += 50;
    }
    text
}

/// A NumPy file header and random little-endian floats: binary (not UTF-8, NUL bytes).
fn npy_array(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    let mut content = b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (".to_vec();
    content.extend_from_slice(format!("{},), }}\n", bytes / 4).as_bytes());
    content.extend(random_bytes(rng, bytes));
    content
}

/// A checkpoint: a zip header as torch writes, then random bytes (incompressible, binary).
fn checkpoint(rng: &mut Rng) -> Vec<u8> {
    let mut content = b"PK\x03\x04\x00\x00\x08\x00".to_vec();
    content.extend(random_bytes(rng, CHECKPOINT_BYTES - content.len()));
    content
}

fn random_bytes(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes + 8);
    while content.len() < bytes {
        content.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    content.truncate(bytes);
    content
}

fn describe_trees(trees: &[Tree], report: &mut Report) {
    let root = &trees[0];
    let text = root
        .files
        .iter()
        .filter(|file| ingest::files::is_text(&file.content))
        .count();
    report.value(
        &format!(
            "tree: {} files ({text} text), {:.2} MB, of which 2 checkpoints of 4 MiB",
            root.files.len(),
            root.bytes() as f64 / 1e6
        ),
        root.files.len(),
        format!("{:.2} MB", root.bytes() as f64 / 1e6),
    );
    let mut hashing = Vec::new();
    for tree in trees.iter().take(5) {
        let started = Instant::now();
        let hashes: Vec<String> = tree.files.iter().map(|file| sha256(&file.content)).collect();
        hashing.push(started.elapsed());
        assert_eq!(hashes.len(), tree.files.len());
    }
    report.latency_with_figure(
        "client side: sha256 of the whole tree to build a manifest (same in both modes, not in the upload times)",
        &hashing,
        String::new(),
    );
}

// ---------------------------------------------------------------------------------------
// 1 and 2. The sequence of uploads, with and without the plan step
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Plan, upload only the contents the server lacks, commit.
    WithPlan,
    /// Upload every file's content, commit.
    WithoutPlan,
}

/// What one experiment's upload did.
#[derive(Default)]
struct Upload {
    elapsed: Duration,
    /// The plan request, when the mode has one.
    plan: Option<Duration>,
    commit: Duration,
    contents_sent: usize,
    bytes_sent: u64,
    /// How the server stored each content sent (`full` or `delta`).
    storages: Vec<String>,
}

/// What a whole sequence did, and what it left on disk.
struct Sequence {
    uploads: Vec<Upload>,
    blob_bytes: u64,
    blob_files: usize,
}

async fn upload_sequence(data_dir: &Path, mode: Mode, trees: &[Tree]) -> Sequence {
    let server = Server::start(data_dir).await;
    server.create_project(PROJECT).await;
    let mut uploads = Vec::new();
    for (index, tree) in trees.iter().enumerate() {
        let number = index + 1;
        let parent = (index > 0).then_some(index);
        let experiment = create_numbered_experiment(&server, number, parent).await;
        let upload = match mode {
            Mode::WithPlan => upload_with_plan(&server, &experiment, tree).await,
            Mode::WithoutPlan => upload_without_plan(&server, &experiment, tree).await,
        };
        uploads.push(upload);
    }
    server.stop().await;
    let (blob_bytes, blob_files) = directory_size(&data_dir.join("blobs"));
    Sequence {
        uploads,
        blob_bytes,
        blob_files,
    }
}

async fn upload_with_plan(server: &Server, experiment: &ExperimentId, tree: &Tree) -> Upload {
    let started = Instant::now();
    let manifest = tree.manifest();
    let plan = files_step(server, experiment, "plan", &manifest).await;
    let planned = started.elapsed();
    let lacking: Vec<&str> = plan["lacking"]
        .as_array()
        .expect("the paths lacking")
        .iter()
        .map(|path| path.as_str().expect("a path"))
        .collect();
    let mut upload = Upload {
        plan: Some(planned),
        ..Upload::default()
    };
    for path in lacking {
        upload.send(server, experiment, tree.file(path)).await;
    }
    let committing = Instant::now();
    files_step(server, experiment, "commit", &manifest).await;
    upload.commit = committing.elapsed();
    upload.elapsed = started.elapsed();
    upload
}

async fn upload_without_plan(server: &Server, experiment: &ExperimentId, tree: &Tree) -> Upload {
    let started = Instant::now();
    let mut upload = Upload::default();
    for file in &tree.files {
        upload.send(server, experiment, file).await;
    }
    let committing = Instant::now();
    files_step(server, experiment, "commit", &tree.manifest()).await;
    upload.commit = committing.elapsed();
    upload.elapsed = started.elapsed();
    upload
}

impl Upload {
    async fn send(&mut self, server: &Server, experiment: &ExperimentId, file: &File) {
        let stored = put_content(server, experiment, file).await;
        self.contents_sent += 1;
        self.bytes_sent += file.content.len() as u64;
        self.storages
            .push(stored["storage"].as_str().expect("a storage").to_owned());
    }
}

fn report_storage(trees: &[Tree], with_plan: &Sequence, without_plan: &Sequence, report: &mut Report) {
    let full_bytes: u64 = trees.iter().map(Tree::bytes).sum();
    let stored = with_plan.blob_bytes;
    report.value(
        &format!("storage: every file of the {} experiments in full", trees.len()),
        trees.len() * trees[0].files.len(),
        format!("{:.1} MB", full_bytes as f64 / 1e6),
    );
    report.value(
        &format!(
            "storage: blob directory after root + {CHILDREN} children, diff model ({} blobs)",
            with_plan.blob_files
        ),
        with_plan.blob_files,
        format!("{:.2} MB", stored as f64 / 1e6),
    );
    report.value(
        "storage: full ÷ diff model",
        trees.len(),
        format!(
            "{:.1}× ({:.1}% of full)",
            full_bytes as f64 / stored as f64,
            100.0 * stored as f64 / full_bytes as f64
        ),
    );
    // Everything beyond the root's tree and the children's new checkpoints is what the config
    // edits cost: their deltas.
    let root_bytes = trees[0].bytes();
    let checkpoint_bytes: u64 = trees[1..]
        .iter()
        .map(|tree| tree.file(CHANGED_CHECKPOINT).content.len() as u64)
        .sum();
    let edited_configs_bytes: u64 = trees[1..]
        .iter()
        .enumerate()
        .map(|(child, tree)| {
            tree.file(EDITED_CONFIGS[child % EDITED_CONFIGS.len()])
                .content
                .len() as u64
        })
        .sum();
    report.value(
        &format!(
            "storage: of which the root's tree {:.2} MB, the {CHILDREN} new checkpoints {:.2} MB, the {CHILDREN} config edits (deltas; {:.1} KB in full)",
            root_bytes as f64 / 1e6,
            checkpoint_bytes as f64 / 1e6,
            edited_configs_bytes as f64 / 1e3
        ),
        CHILDREN,
        format!("{} B", stored.saturating_sub(root_bytes + checkpoint_bytes)),
    );
    let storages: Vec<&String> = with_plan
        .uploads
        .iter()
        .flat_map(|upload| &upload.storages)
        .collect();
    let deltas = storages
        .iter()
        .filter(|storage| storage.as_str() == "delta")
        .count();
    let child_deltas: usize = with_plan.uploads[1..]
        .iter()
        .map(|upload| {
            upload
                .storages
                .iter()
                .filter(|storage| storage.as_str() == "delta")
                .count()
        })
        .sum();
    report.value(
        &format!(
            "storage: contents stored, as deltas ({child_deltas} of the {CHILDREN} edited configs), whole",
        ),
        storages.len(),
        format!(
            "{} stored: {deltas} deltas, {} whole",
            storages.len(),
            storages.len() - deltas
        ),
    );
    report.value(
        "storage: blob directory after the same sequence without the plan step (same contents, deduplicated)",
        without_plan.blob_files,
        format!("{:.2} MB", without_plan.blob_bytes as f64 / 1e6),
    );
}

fn report_uploads(with_plan: &Sequence, without_plan: &Sequence, report: &mut Report) {
    let modes = [
        (
            "with plan",
            "plan + PUT of the lacking contents + commit",
            with_plan,
        ),
        ("without plan", "PUT of every content + commit", without_plan),
    ];
    for (label, steps, sequence) in modes {
        let root = &sequence.uploads[0];
        report.latency_with_figure(
            &format!(
                "upload {label}: root, 200 files ({} contents sent)",
                root.contents_sent
            ),
            &[root.elapsed],
            format!("{:.2} MB sent", root.bytes_sent as f64 / 1e6),
        );
        let children = &sequence.uploads[1..];
        let durations: Vec<Duration> = children.iter().map(|upload| upload.elapsed).collect();
        let sent: u64 = children.iter().map(|upload| upload.bytes_sent).sum();
        let contents: usize = children.iter().map(|upload| upload.contents_sent).sum();
        report.latency_with_figure(
            &format!(
                "upload {label}: per child, 200-file manifest ({steps}; {contents} contents sent in all)"
            ),
            &durations,
            format!("{:.1} MB sent in all", sent as f64 / 1e6),
        );
        let plans: Vec<Duration> = children.iter().filter_map(|upload| upload.plan).collect();
        if !plans.is_empty() {
            report.latency_with_figure("  step: plan of the 200-entry manifest", &plans, String::new());
        }
        let commits: Vec<Duration> = children.iter().map(|upload| upload.commit).collect();
        report.latency_with_figure(
            "  step: commit of the 200-entry manifest",
            &commits,
            String::new(),
        );
    }
    let total = |sequence: &Sequence| {
        sequence.uploads[1..]
            .iter()
            .map(|upload| upload.elapsed)
            .sum::<Duration>()
    };
    report.value(
        "upload: total child time without ÷ with the plan step",
        CHILDREN,
        format!(
            "{:.1}×",
            total(without_plan).as_secs_f64() / total(with_plan).as_secs_f64()
        ),
    );
}

// ---------------------------------------------------------------------------------------
// 3. Text diff of a 10,000-line file
// ---------------------------------------------------------------------------------------

async fn measure_diff(data_dir: &Path, report: &mut Report) {
    let mut rng = Rng::new(10_000);
    let (old_text, new_text) = large_file_versions(&mut rng);
    let old_file = File::new(DIFF_FILE, "text/x-python", old_text.clone());
    let new_file = File::new(DIFF_FILE, "text/x-python", new_text.clone());

    let server = Server::start(data_dir).await;
    server.create_project(PROJECT).await;
    let left = create_numbered_experiment(&server, 1, None).await;
    let right = create_numbered_experiment(&server, 2, Some(1)).await;
    upload_with_plan(
        &server,
        &left,
        &Tree {
            files: vec![old_file],
        },
    )
    .await;
    let edited = upload_with_plan(
        &server,
        &right,
        &Tree {
            files: vec![new_file],
        },
    )
    .await;
    assert_eq!(edited.storages, ["delta"], "the edited file is stored as a delta");

    let variables = json!({ "p": PROJECT, "path": DIFF_FILE });
    server.ok(DIFF_QUERY, variables.clone()).await;
    let mut durations = Vec::new();
    let mut shape = String::new();
    for _ in 0..DIFF_SAMPLES {
        let started = Instant::now();
        let data = server.ok(DIFF_QUERY, variables.clone()).await;
        durations.push(started.elapsed());
        let diff = &data["fileDiff"];
        assert_eq!(
            (&diff["binary"], &diff["truncated"]),
            (&json!(false), &json!(false))
        );
        let hunks = diff["hunks"].as_array().map_or(0, Vec::len);
        let response_bytes = serde_json::to_vec(&data).map_or(0, |body| body.len());
        shape = format!(
            "{hunks} hunks, +{} −{}, {:.0} KB of JSON",
            diff["added"],
            diff["removed"],
            response_bytes as f64 / 1e3
        );
    }
    report.latency_with_figure(
        &format!(
            "GraphQL fileDiff, 10,000-line file ({:.0} KB), {DIFF_EDITED_LINES} scattered edited lines, whole response",
            old_text.len() as f64 / 1e3
        ),
        &durations,
        shape,
    );
    server.stop().await;

    let services = Services::open(&config_for(data_dir))
        .await
        .expect("the services open");
    services
        .files
        .diff(&left, &right, DIFF_FILE)
        .await
        .expect("a diff");
    let mut direct = Vec::new();
    for _ in 0..DIFF_SAMPLES {
        let started = Instant::now();
        let diff = services
            .files
            .diff(&left, &right, DIFF_FILE)
            .await
            .expect("a diff");
        direct.push(started.elapsed());
        assert!(matches!(diff, FileDiff::Text { .. }), "a text diff");
    }
    report.latency_with_figure(
        "FileStore::diff, same files (no HTTP; reads both, rebuilding the delta)",
        &direct,
        String::new(),
    );
    let mut in_memory = Vec::new();
    for _ in 0..DIFF_SAMPLES {
        let started = Instant::now();
        let diff = ingest::files::text_diff(&old_text, &new_text, DIFF_CONTEXT, DIFF_MAX_LINES);
        in_memory.push(started.elapsed());
        assert!(diff.added > 0);
    }
    report.latency_with_figure(
        "  step: files::text_diff in memory (line diff + word highlights)",
        &in_memory,
        String::new(),
    );
}

/// A 10,000-line Python file and a version with `DIFF_EDITED_LINES` lines, scattered, changed.
fn large_file_versions(rng: &mut Rng) -> (String, String) {
    let old_lines: Vec<String> = (0..DIFF_FILE_LINES)
        .map(|_| format!("    {}", python_statement(rng, "table", "offset")))
        .collect();
    let mut new_lines = old_lines.clone();
    let mut edited = std::collections::BTreeSet::new();
    while edited.len() < DIFF_EDITED_LINES {
        edited.insert(rng.below(DIFF_FILE_LINES));
    }
    for &index in &edited {
        new_lines[index] = format!("    {}  # edited", python_statement(rng, "table", "offset"));
    }
    let join = |lines: &[String]| lines.join("\n") + "\n";
    (join(&old_lines), join(&new_lines))
}

// ---------------------------------------------------------------------------------------
// The requests of an upload
// ---------------------------------------------------------------------------------------

/// Experiment `number` of the project, named `N_from_P` for a child of `parent`.
async fn create_numbered_experiment(server: &Server, number: usize, parent: Option<usize>) -> ExperimentId {
    let input = match parent {
        Some(parent) => {
            json!({ "project": PROJECT, "name": format!("{number}_from_{parent}"), "parentNumber": parent })
        }
        None => json!({ "project": PROJECT, "name": number.to_string() }),
    };
    let (experiment, created_number) = server.create_experiment(input).await;
    assert_eq!(created_number, number as u64);
    experiment
}

/// `POST …/files/plan` or `…/files/commit` with a manifest; answers the JSON body.
async fn files_step(server: &Server, experiment: &ExperimentId, step: &str, manifest: &Value) -> Value {
    let response = server
        .client
        .post(format!(
            "{}/api/v1/experiments/{}/files/{step}",
            server.url, experiment.0
        ))
        .json(manifest)
        .send()
        .await
        .expect("the manifest is sent");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, 200, "{step}: {body}");
    body
}

/// `PUT …/files/content?path=P` with the file's bytes; answers `{hash, size, storage}`.
async fn put_content(server: &Server, experiment: &ExperimentId, file: &File) -> Value {
    let response = server
        .client
        .put(format!(
            "{}/api/v1/experiments/{}/files/content",
            server.url, experiment.0
        ))
        .query(&[("path", &file.path)])
        .header("x-rsdk-sha256", &file.hash)
        .header("content-type", file.mime)
        .body(file.content.clone())
        .send()
        .await
        .expect("the content is sent");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, 201, "{}: {body}", file.path);
    body
}

/// The content hash a manifest lists, as lowercase hex.
fn sha256(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}
