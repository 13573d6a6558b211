//! An access token (JWT) from an `Authorization` header: header and payload parsing never
//! panic, and nothing not signed with the key is accepted.
#![no_main]

use std::time::Duration;

use api::auth::jwt::AccessTokens;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let tokens = AccessTokens::new(b"a fuzzing key of at least thirty-two bytes", Duration::from_secs(900));
    assert!(tokens.verify(token).is_err(), "a token nobody signed was accepted: {token:?}");
});
