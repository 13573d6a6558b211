//! A file path from a client: refused, or normalized to a relative path that cannot leave its
//! root, and is a fixed point of normalization.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let Ok(normalized) = ingest::files::validate_path("path", path) else { return };
    assert!(!normalized.is_empty() && !normalized.starts_with('/'), "{normalized:?}");
    assert!(!normalized.contains('\\') && !normalized.chars().any(char::is_control), "{normalized:?}");
    for segment in normalized.split('/') {
        assert!(!segment.is_empty() && segment != "." && segment != "..", "{normalized:?}");
    }
    assert_eq!(ingest::files::validate_path("path", &normalized).ok().as_deref(), Some(normalized.as_str()));
});
