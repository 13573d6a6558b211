//! A code snapshot archive (tar) from a client: never a panic, never more than the limits
//! allow, and every entry's path a valid relative one.
#![no_main]

use ingest::files::{read_tar, validate_path, ArchiveLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ArchiveLimits {
        max_entries: 64,
        max_total_bytes: 1 << 20,
        max_ratio: 50,
    };
    let Ok(entries) = read_tar(data, &limits) else { return };
    assert!(entries.len() <= limits.max_entries);
    let total: u64 = entries.iter().map(|entry| entry.bytes.len() as u64).sum();
    assert!(total <= limits.max_total_bytes);
    for entry in &entries {
        assert_eq!(validate_path("path", &entry.path).ok().as_deref(), Some(entry.path.as_str()));
    }
});
