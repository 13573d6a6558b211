//! The `RSDK_BLOBS` setting: which blob store to open.

use std::path::PathBuf;
use std::sync::Arc;

use graph::outbound::OutboundPolicy;

use super::{BlobStore, LocalBlobStore, S3BlobStore, S3Options};
use crate::{Error, Result};

/// The configuration field the URL comes from (`RSDK_BLOBS`, `blobs` in `rsdk.toml`).
const FIELD: &str = "blobs";
const EXPECTED: &str = "expected file:PATH or s3://BUCKET/PREFIX";

/// Where blobs live, as written in `RSDK_BLOBS`.
///
/// - `file:PATH` (also `file://PATH`): a local directory, created if missing;
/// - `s3://BUCKET` or `s3://BUCKET/PREFIX`: an S3-compatible bucket, with credentials, region
///   and endpoint from the usual AWS settings (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
///   `AWS_REGION`, `AWS_ENDPOINT_URL` for MinIO and other S3-compatible servers, profiles,
///   web identity, instance metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobUrl {
    /// A local directory.
    File {
        /// The store's root directory.
        root: PathBuf,
    },
    /// A bucket, with an optional key prefix (no leading or trailing `/`; may be empty).
    S3 {
        /// The bucket name.
        bucket: String,
        /// The prefix of every key the store writes.
        prefix: String,
    },
}

impl BlobUrl {
    /// Parses the setting; a malformed value is an [`Error::Invalid`] on the field `blobs`
    /// that says what was expected.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("file:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(invalid(format!("{EXPECTED}: the path after file: is empty")));
            }
            return Ok(Self::File {
                root: PathBuf::from(path),
            });
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            check_bucket_name(bucket)?;
            let prefix = prefix.trim_matches('/');
            let bad_segment = |segment: &str| segment.is_empty() || segment == "." || segment == "..";
            if !prefix.is_empty() && prefix.split('/').any(bad_segment) {
                return Err(invalid(format!(
                    "{EXPECTED}: the prefix {prefix:?} has an empty, . or .. segment"
                )));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        Err(invalid(format!("{EXPECTED}, got {text:?}")))
    }

    /// Opens the store. For S3 this reads the AWS settings from the environment and checks a
    /// custom endpoint's addresses against `outbound`; it does not contact the server (see
    /// [`BlobStore::check`]).
    pub async fn open(&self, outbound: &OutboundPolicy) -> Result<Arc<dyn BlobStore>> {
        match self {
            Self::File { root } => Ok(Arc::new(LocalBlobStore::open(root.clone()).await?)),
            Self::S3 { bucket, prefix } => {
                let options = S3Options::new(bucket.clone())
                    .with_prefix(prefix.clone())
                    .with_outbound(outbound.clone());
                Ok(Arc::new(S3BlobStore::connect(options).await?))
            }
        }
    }
}

impl std::fmt::Display for BlobUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { root } => write!(formatter, "file:{}", root.display()),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(formatter, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(formatter, "s3://{bucket}/{prefix}"),
        }
    }
}

impl std::str::FromStr for BlobUrl {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

/// S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting
/// and ending with a letter or digit.
fn check_bucket_name(bucket: &str) -> Result<()> {
    let allowed = bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if (3..=63).contains(&bucket.len()) && allowed && ends_ok {
        return Ok(());
    }
    Err(invalid(format!(
        "{EXPECTED}: {bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, dots or hyphens)"
    )))
}

fn invalid(reason: String) -> Error {
    Error::Invalid {
        field: FIELD.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> BlobUrl {
        BlobUrl::parse(text).unwrap_or_else(|error| panic!("{text:?} does not parse: {error}"))
    }

    fn rejection(text: &str) -> String {
        match BlobUrl::parse(text) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "blobs");
                reason
            }
            other => panic!("{text:?}: expected an invalid blobs setting, got {other:?}"),
        }
    }

    #[test]
    fn file_urls_name_a_directory() {
        assert_eq!(
            parsed("file:/data/blobs"),
            BlobUrl::File {
                root: "/data/blobs".into()
            }
        );
        assert_eq!(
            parsed("file:///data/blobs"),
            BlobUrl::File {
                root: "/data/blobs".into()
            }
        );
        assert_eq!(
            parsed("file:relative/dir"),
            BlobUrl::File {
                root: "relative/dir".into()
            }
        );
    }

    #[test]
    fn s3_urls_name_a_bucket_and_an_optional_prefix() {
        assert_eq!(
            parsed("s3://rsdk-blobs"),
            BlobUrl::S3 {
                bucket: "rsdk-blobs".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            parsed("s3://rsdk-blobs/team/a/"),
            BlobUrl::S3 {
                bucket: "rsdk-blobs".into(),
                prefix: "team/a".into()
            }
        );
        assert_eq!(
            parsed("s3://rsdk-blobs/team/a").to_string(),
            "s3://rsdk-blobs/team/a"
        );
    }

    #[test]
    fn bad_urls_say_what_is_expected() {
        for text in [
            "",
            "ftp://x",
            "/data/blobs",
            "file:",
            "s3://",
            "s3://UPPER",
            "s3://a",
            "s3://b/x//y",
            "s3://b/../y",
        ] {
            let reason = rejection(text);
            assert!(
                reason.contains("expected file:PATH or s3://BUCKET/PREFIX"),
                "{text:?}: {reason}"
            );
        }
    }
}
