//! What the api benchmarks share: the runtime and data directories they run in, the real
//! server they drive ([`server`]), the markdown table they print ([`report`]), and a few
//! measuring aids (load average, size on disk, deterministic noise).
//!
//! Each benchmark is a crate of its own that includes this module with `mod support;`, and
//! each uses only part of it (only `metrics` restarts a server or checks targets, only `files`
//! picks from lists), so what one of them leaves unused is not dead code.

#![allow(dead_code)]

pub mod report;
pub mod server;

use std::future::Future;
use std::path::{Path, PathBuf};

/// Runs a benchmark to completion on a runtime with two worker threads, as on the 2 cores
/// the figures are for, with the allocator tuned as `rsdk serve` tunes it (for the benchmarks
/// that run the server in-process).
pub fn run_on_two_workers(benchmark: impl Future<Output = ()>) {
    api::allocator::tune();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tokio runtime builds");
    runtime.block_on(benchmark);
}

/// The parent of the temporary data directories: `RSDK_BENCH_DIR`, else the system's
/// temporary directory.
pub fn parent_dir() -> PathBuf {
    std::env::var_os("RSDK_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into)
}

/// The 1, 5 and 15 minute load averages, to tell a busy machine from a slow program.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Total bytes and number of the files under `directory`.
pub fn directory_size(directory: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut files = 0;
    let mut pending = vec![directory.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                bytes += metadata.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// xorshift64*: deterministic noise for generated values and files, the same on every run.
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence `seed` decides (0 counts as 1: xorshift has no zero state).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A value in [0, bound).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// One of `items`, each as likely.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}
