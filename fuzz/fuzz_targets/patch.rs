//! An RFC 6902 patch against a document (both JSON): applying it never panics, and a failed
//! application leaves the base unchanged.
#![no_main]

use graph::features::apply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some((document, patch)) = text.split_once('\n') else { return };
    let (Ok(document), Ok(patch)) = (serde_json::from_str(document), serde_json::from_str(patch)) else { return };
    let before = serde_json::to_string(&document).expect("JSON");
    let _ = apply(&document, &patch);
    assert_eq!(serde_json::to_string(&document).expect("JSON"), before);
});
