//! The generated project: a deterministic tree of experiments with realistic features.

use super::*;

/// xorshift64*: deterministic and dependency-free.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound`.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The shape of the project: `parent[n]` and `depth[n]` of experiment `n` (index 0 unused).
pub(crate) struct Tree {
    pub(crate) parent: Vec<Option<usize>>,
    pub(crate) depth: Vec<usize>,
    /// Experiments not under the hub, and the hub's subtree (the hub included).
    pub(crate) general: Vec<usize>,
    pub(crate) hub_subtree: Vec<usize>,
}

impl Tree {
    pub(crate) fn generate(rng: &mut Rng) -> Self {
        let mut tree = Tree {
            parent: vec![None; EXPERIMENTS + 1],
            depth: vec![0; EXPERIMENTS + 1],
            general: vec![1],
            hub_subtree: Vec::new(),
        };
        for number in 2..=SPINE_TIP {
            tree.attach(number, number - 1, false);
        }
        tree.attach(HUB, 1, true);
        let hub_phase = HUB_PHASE_START..HUB_PHASE_START + HUB_DESCENDANTS;
        for number in HUB + 1..=EXPERIMENTS {
            let in_hub = hub_phase.contains(&number);
            let parent = tree.choose_parent(rng, in_hub);
            tree.attach(number, parent, in_hub);
        }
        tree
    }

    pub(crate) fn attach(&mut self, number: usize, parent: usize, in_hub: bool) {
        self.parent[number] = Some(parent);
        self.depth[number] = self.depth[parent] + 1;
        if in_hub {
            self.hub_subtree.push(number);
        } else {
            self.general.push(number);
        }
    }

    /// Mostly a recent experiment (people iterate on what they just ran), sometimes any
    /// older one; never one already at the maximum depth.
    pub(crate) fn choose_parent(&self, rng: &mut Rng, in_hub: bool) -> usize {
        let pool = if in_hub { &self.hub_subtree } else { &self.general };
        for _ in 0..32 {
            let candidate = if rng.chance(60) {
                let recent = &pool[pool.len().saturating_sub(64)..];
                *rng.pick(recent)
            } else {
                *rng.pick(pool)
            };
            if self.depth[candidate] < MAX_DEPTH {
                return candidate;
            }
        }
        pool[0]
    }

    pub(crate) fn numbers_at_depth(&self, depth: usize) -> Vec<usize> {
        (1..=EXPERIMENTS).filter(|&n| self.depth[n] == depth).collect()
    }

    pub(crate) fn describe(&self) {
        let deepest = self.depth.iter().copied().max().unwrap_or_default();
        let mean_depth = self.depth[1..].iter().sum::<usize>() as f64 / EXPERIMENTS as f64;
        let mut has_children = vec![false; EXPERIMENTS + 1];
        for parent in self.parent.iter().flatten() {
            has_children[*parent] = true;
        }
        let leaves = has_children[1..].iter().filter(|has| !**has).count();
        println!(
            "tree: {EXPERIMENTS} experiments, max depth {deepest} ({} at depth {MAX_DEPTH}, spine tip #{SPINE_TIP}), \
             mean depth {mean_depth:.1}, {leaves} leaves",
            self.numbers_at_depth(MAX_DEPTH).len()
        );
        println!(
            "hub #{HUB}: {} descendants (generated); reparented between #{} and #{}",
            self.hub_subtree.len() - 1,
            REPARENT_TARGETS[0],
            REPARENT_TARGETS[1]
        );
    }
}

/// The root's features: an image-classification run, 40 leaves.
pub(crate) fn root_features() -> Json {
    json!({
        "optimizer": {"name": "adamw", "lr": 0.0003, "weight_decay": 0.05, "betas": [0.9, 0.999],
                      "eps": 1e-8, "grad_clip": 1.0},
        "model": {"arch": "vit", "depth": 12, "width": 768, "heads": 12, "dropout": 0.1,
                  "attention_dropout": 0.0, "patch_size": 16, "norm": "layernorm", "activation": "gelu"},
        "data": {"dataset": "imagenet-1k", "batch_size": 256, "num_workers": 8, "image_size": 224,
                 "augment": {"random_crop": true, "hflip": true, "mixup": 0.8, "cutmix": 1.0,
                             "color_jitter": 0.4, "rand_augment": {"num_ops": 2, "magnitude": 9}}},
        "schedule": {"kind": "cosine", "epochs": 300, "warmup_epochs": 5, "min_lr": 1e-6},
        "training": {"precision": "bf16", "seed": 0, "label_smoothing": 0.1, "grad_accumulation": 1,
                     "ema": {"enabled": true, "decay": 0.9999}},
        "logging": {"every_steps": 50, "checkpoint_every": 1000, "tags": ["baseline"],
                    "output_dir": "runs/baseline"}
    })
}

/// A leaf a child may change, and the values it takes.
pub(crate) fn tweak(rng: &mut Rng) -> (&'static str, Json) {
    let choice = rng.below(16);
    let value = match choice {
        0 => json!(rng.pick(&[0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.002])),
        1 => json!(rng.pick(&[0.0, 0.01, 0.02, 0.05, 0.1])),
        2 => json!(rng.pick(&[[0.9, 0.999], [0.9, 0.95], [0.95, 0.999]])),
        3 => json!(rng.pick(&["adamw", "lamb", "sgd", "lion"])),
        4 => json!(rng.pick(&[6, 8, 12, 16, 24])),
        5 => json!(rng.pick(&[384, 512, 768, 1024])),
        6 => json!(rng.pick(&[0.0, 0.05, 0.1, 0.2, 0.3])),
        7 => json!(rng.pick(&[6, 8, 12, 16])),
        8 => json!(rng.pick(&[64, 128, 256, 512, 1024])),
        9 => json!(rng.pick(&[true, false])),
        10 => json!(rng.pick(&[0.0, 0.2, 0.5, 0.8])),
        11 => json!(rng.pick(&[5, 7, 9, 11, 15])),
        12 => json!(rng.pick(&[90, 150, 300, 600])),
        13 => json!(rng.pick(&[0, 1, 5, 10, 20])),
        14 => json!(rng.below(1_000_000)),
        _ => json!(rng.pick(&[0.0, 0.05, 0.1, 0.2])),
    };
    let path = [
        "/optimizer/lr",
        "/optimizer/weight_decay",
        "/optimizer/betas",
        "/optimizer/name",
        "/model/depth",
        "/model/width",
        "/model/dropout",
        "/model/heads",
        "/data/batch_size",
        "/data/augment/hflip",
        "/data/augment/mixup",
        "/data/augment/rand_augment/magnitude",
        "/schedule/epochs",
        "/schedule/warmup_epochs",
        "/training/seed",
        "/training/label_smoothing",
    ][choice];
    (path, value)
}

/// The parent's features with 1 to 3 leaves changed (and now and then one added).
pub(crate) fn child_features(rng: &mut Rng, parent: &Json) -> (Json, String) {
    let mut features = parent.clone();
    let mut changed = Vec::new();
    let wanted = 1 + rng.below(3);
    while changed.len() < wanted {
        let (path, value) = tweak(rng);
        let slot = features
            .pointer_mut(path)
            .expect("tweaked paths exist in every features tree");
        if *slot != value {
            *slot = value;
            changed.push(path.rsplit('/').next().unwrap_or(path));
        }
    }
    if rng.chance(5) {
        features["model"]["drop_path"] = json!(rng.pick(&[0.1, 0.2, 0.3]));
        changed.push("drop_path");
    }
    let label = changed.join("_");
    (features, label)
}

pub(crate) fn to_yaml(features: &Json) -> String {
    serde_yaml_ng::to_string(features).expect("generated features serialize to YAML")
}
