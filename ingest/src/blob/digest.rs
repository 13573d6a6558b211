//! The sha256 digest that names every blob, and the incremental hasher that computes it.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::{Error, Result};

/// The sha256 of a blob's content: its name in every store.
///
/// Written as 64 lowercase hex characters. Parsing accepts nothing else (no uppercase, no
/// prefix, no whitespace), so a digest read from a client is also a safe path and key component.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The number of hex characters in a written digest.
    pub const HEX_LEN: usize = 64;

    /// The digest of `content`. Hashes on the calling thread: for large content prefer
    /// a store's `put` (which hashes off the async runtime) or [`Hasher`] in `spawn_blocking`.
    pub fn of(content: &[u8]) -> Self {
        let mut hasher = Hasher::new();
        hasher.update(content);
        hasher.finish()
    }

    /// Parses a digest that a caller sent in `field`; anything but 64 lowercase hex characters
    /// is an [`Error::Invalid`] naming that field.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let invalid = |reason: String| Error::Invalid {
            field: field.to_owned(),
            reason,
        };
        if let Some(bad) = text.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
            return Err(invalid(format!(
                "expected a sha256 digest of {} lowercase hex characters, found {bad:?}",
                Self::HEX_LEN
            )));
        }
        if text.len() != Self::HEX_LEN {
            return Err(invalid(format!(
                "expected a sha256 digest of {} lowercase hex characters, got {}",
                Self::HEX_LEN,
                text.len()
            )));
        }
        let mut bytes = [0_u8; 32];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|error| invalid(format!("not a hex sha256 digest: {error}")))?;
        Ok(Self(bytes))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first two levels of the shard directories (`ab`, `cd` for `abcd…`): the first two
    /// bytes of the digest, so a store of millions of blobs keeps directories small.
    pub fn shard(&self) -> (String, String) {
        (hex::encode(&self.0[..1]), hex::encode(&self.0[1..2]))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Digest({})", self.to_hex())
    }
}

impl FromStr for Digest {
    type Err = Error;

    /// Parses with the field name `digest`; use [`Digest::parse`] to name another field.
    fn from_str(text: &str) -> Result<Self> {
        Self::parse("digest", text)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Digest::parse("digest", &text).map_err(serde::de::Error::custom)
    }
}

/// An incremental sha256 that also counts the bytes it has seen.
#[derive(Clone, Default)]
pub struct Hasher {
    sha256: Sha256,
    size: u64,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Hasher")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Hasher {
    /// A hasher that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more content.
    pub fn update(&mut self, content: &[u8]) {
        self.sha256.update(content);
        self.size += content.len() as u64;
    }

    /// The number of bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        Digest(self.sha256.finalize().into())
    }
}

/// Checks a computed digest against the one the caller announced.
pub(crate) fn verify(expected: Option<Digest>, actual: Digest) -> Result<()> {
    match expected {
        Some(expected) if expected != actual => Err(Error::HashMismatch {
            expected: expected.to_hex(),
            actual: actual.to_hex(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn digest_of_empty_content_is_the_known_sha256() {
        assert_eq!(Digest::of(b"").to_hex(), EMPTY_SHA256);
        assert_eq!(Digest::parse("digest", EMPTY_SHA256).ok(), Some(Digest::of(b"")));
    }

    #[test]
    fn hasher_fed_in_pieces_matches_one_shot_digest() {
        let mut hasher = Hasher::new();
        hasher.update(b"hello ");
        hasher.update(b"world");
        assert_eq!(hasher.size(), 11);
        assert_eq!(hasher.finish(), Digest::of(b"hello world"));
    }

    #[test]
    fn parse_rejects_uppercase_and_names_the_field() {
        let upper = EMPTY_SHA256.to_uppercase();
        match Digest::parse("expected_digest", &upper) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "expected_digest");
                assert!(reason.contains("lowercase hex"), "{reason}");
            }
            other => panic!("expected an invalid error, got {other:?}"),
        }
    }

    #[test]
    fn parse_rejects_wrong_length_and_path_tricks() {
        for text in [
            "",
            "abc",
            "../../etc/passwd",
            &format!("{EMPTY_SHA256}0"),
            &format!("/{}", &EMPTY_SHA256[1..]),
        ] {
            assert!(
                matches!(Digest::parse("digest", text), Err(Error::Invalid { .. })),
                "{text:?} parsed"
            );
        }
    }

    #[test]
    fn shard_is_the_first_two_bytes_in_hex() {
        let digest = Digest::parse("digest", EMPTY_SHA256).expect("valid digest");
        assert_eq!(digest.shard(), ("e3".to_owned(), "b0".to_owned()));
    }

    #[test]
    fn serde_writes_and_reads_the_hex_form() {
        let digest = Digest::of(b"x");
        let json = serde_json::to_string(&digest).expect("serializes");
        assert_eq!(json, format!("\"{}\"", digest.to_hex()));
        let back: Digest = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, digest);
        assert!(serde_json::from_str::<Digest>("\"nope\"").is_err());
    }

    #[test]
    fn verify_reports_both_digests_on_mismatch() {
        let expected = Digest::of(b"a");
        let actual = Digest::of(b"b");
        match verify(Some(expected), actual) {
            Err(Error::HashMismatch {
                expected: e,
                actual: a,
            }) => {
                assert_eq!((e, a), (expected.to_hex(), actual.to_hex()));
            }
            other => panic!("expected a hash mismatch, got {other:?}"),
        }
        assert!(verify(None, actual).is_ok());
        assert!(verify(Some(actual), actual).is_ok());
    }

    proptest! {
        #[test]
        fn any_32_bytes_round_trip_through_hex(bytes in proptest::array::uniform32(any::<u8>())) {
            let digest = Digest(bytes);
            let parsed = Digest::parse("digest", &digest.to_hex()).expect("own hex parses");
            prop_assert_eq!(parsed, digest);
            let (first, second) = digest.shard();
            let shard_prefix = format!("{first}{second}");
            prop_assert!(digest.to_hex().starts_with(&shard_prefix));
        }

        #[test]
        fn parse_accepts_exactly_lowercase_hex_of_length_64(text in "\\PC{0,70}") {
            let valid = text.len() == 64 && text.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
            match Digest::parse("digest", &text) {
                Ok(digest) => {
                    prop_assert!(valid);
                    prop_assert_eq!(digest.to_hex(), text);
                }
                Err(Error::Invalid { field, .. }) => {
                    prop_assert!(!valid);
                    prop_assert_eq!(field, "digest");
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }

        #[test]
        fn parse_accepts_hex_strings_of_length_64(text in "[0-9a-f]{64}") {
            prop_assert_eq!(Digest::parse("digest", &text).map(|d| d.to_hex()).ok(), Some(text));
        }
    }
}
