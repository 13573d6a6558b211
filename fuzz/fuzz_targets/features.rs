//! Features as YAML or JSON text: parsing never panics; for two parsed feature sets the diff
//! applied to the first gives the second, and merging and explaining never panic.
#![no_main]

use graph::features::{apply, diff, explain, merge3, parse_features, validate_features};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (first, second) = text.split_once("\n---8<---\n").unwrap_or((text, "{}"));
    let (Ok(parent), Ok(child)) = (parse_features(first), parse_features(second)) else { return };
    if validate_features(&parent).is_err() || validate_features(&child).is_err() {
        return;
    }
    let patch = diff(&parent, &child);
    assert_eq!(apply(&parent, &patch).expect("a diff applies to its base"), child);
    let _ = merge3(&parent, &child, &parent);
    let _ = explain(&parent, &child);
});
