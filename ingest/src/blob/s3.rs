//! The scale-out blob store: an S3-compatible bucket (AWS S3, MinIO, …) through aws-sdk-s3.
//!
//! Keys are `<prefix>/<ab>/<digest>`; uploads whose digest is not known in advance go to
//! `<prefix>/.incoming/<uuid>` first (see `s3_upload`). A lifecycle rule that expires
//! `.incoming/` objects and aborts incomplete multipart uploads after a day cleans up after
//! crashed servers. Requests are retried by the SDK (standard retry mode); a server that cannot
//! be reached is [`Error::Unavailable`] naming the endpoint.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use graph::outbound::OutboundPolicy;

use super::{check_range, not_found, BlobStore, BlobStream, ByteSource, Digest, DigestStream, PutReceipt};
use crate::{Error, Result};

/// S3's smallest allowed multipart part (all but the last).
pub(super) const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// S3's largest single `CopyObject`.
const MAX_COPY_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The region used when neither the options nor the environment name one (MinIO ignores it).
const FALLBACK_REGION: &str = "us-east-1";

/// Static credentials for [`S3Options`]; `Debug` does not print the secret.
#[derive(Clone)]
pub struct S3Credentials {
    /// The access key id (`AWS_ACCESS_KEY_ID`).
    pub access_key_id: String,
    /// The secret access key (`AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key: String,
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish()
    }
}

/// How to reach the bucket. Fields left `None` come from the AWS environment (variables,
/// profiles, web identity, instance metadata), as the AWS CLI would find them.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// The bucket.
    pub bucket: String,
    /// The prefix of every key (no leading or trailing `/`; empty for the bucket's root).
    pub prefix: String,
    /// An S3-compatible endpoint such as `http://127.0.0.1:9000`; when set, requests use
    /// path-style addressing (`endpoint/bucket/key`), which MinIO and other servers expect.
    pub endpoint: Option<String>,
    /// The region; `us-east-1` when neither this nor the environment names one (with a custom
    /// endpoint, `AWS_REGION` or `AWS_DEFAULT_REGION`; profiles are not consulted then).
    pub region: Option<String>,
    /// Static credentials instead of the environment's.
    pub credentials: Option<S3Credentials>,
    /// Attempts per request, first try included (standard retry mode with backoff).
    pub max_attempts: u32,
    /// How long to wait for a TCP connection.
    pub connect_timeout: Duration,
    /// The size of multipart upload parts; content of at most one part is sent in one PUT.
    /// At least 5 MiB (S3's minimum).
    pub part_size: usize,
    /// Objects larger than this are copied server-side in parts of this size (S3 refuses a
    /// single copy above 5 GiB). At least 5 MiB, at most 5 GiB.
    pub copy_part_size: u64,
    /// The addresses a custom endpoint may have: public ones unless the operator allowed more
    /// (a MinIO on loopback or a private network needs `outbound_allow`).
    pub outbound: OutboundPolicy,
}

impl S3Options {
    /// Options for `bucket` with the defaults: no prefix, everything else from the environment,
    /// 3 attempts, 5 s connect timeout, 8 MiB parts.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            credentials: None,
            max_attempts: 3,
            connect_timeout: Duration::from_secs(5),
            part_size: 8 * 1024 * 1024,
            copy_part_size: MAX_COPY_OBJECT_SIZE,
            outbound: OutboundPolicy::default(),
        }
    }

    /// The addresses a custom endpoint may have besides public ones.
    pub fn with_outbound(mut self, outbound: OutboundPolicy) -> Self {
        self.outbound = outbound;
        self
    }

    /// Sets the key prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets an S3-compatible endpoint (path-style addressing).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets static credentials.
    pub fn with_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some(S3Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        });
        self
    }
}

/// A blob store in an S3-compatible bucket (`RSDK_BLOBS=s3://bucket/prefix`).
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    pub(super) client: Client,
    pub(super) bucket: String,
    /// `""` or `"prefix/"`: what every key starts with.
    pub(super) key_prefix: String,
    /// Where requests go, for error messages.
    pub(super) endpoint: String,
    pub(super) part_size: usize,
    pub(super) copy_part_size: u64,
}

impl S3BlobStore {
    /// Builds the client from `options` and the AWS environment. Does not contact the server
    /// (see [`BlobStore::check`]).
    pub async fn connect(options: S3Options) -> Result<Self> {
        let invalid = |field: &str, reason: String| Error::Invalid {
            field: field.to_owned(),
            reason,
        };
        if options.part_size < MIN_PART_SIZE {
            return Err(invalid(
                "part_size",
                format!("must be at least {MIN_PART_SIZE} bytes"),
            ));
        }
        if !(MIN_PART_SIZE as u64..=MAX_COPY_OBJECT_SIZE).contains(&options.copy_part_size) {
            return Err(invalid(
                "copy_part_size",
                format!("must be between {MIN_PART_SIZE} and {MAX_COPY_OBJECT_SIZE} bytes"),
            ));
        }
        // rustls with ring: the SDK's default TLS stack would build aws-lc from C sources.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .retry_config(RetryConfig::standard().with_max_attempts(options.max_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(options.connect_timeout)
                    .build(),
            );
        if let Some(region) = options
            .region
            .clone()
            .or_else(|| region_for_custom_endpoint(&options))
        {
            loader = loader.region(Region::new(region));
        }
        if let Some(endpoint) = &options.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        if let Some(credentials) = &options.credentials {
            loader = loader.credentials_provider(Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.clone(),
                None,
                None,
                "rsdk-options",
            ));
        }
        let shared = loader.load().await;
        // Checksums only where S3 requires them: newer default CRC trailers (aws-chunked
        // uploads) are not understood by every S3-compatible server. Content is verified by
        // sha256 anyway: single PUTs send it for the server to check, uploads hash as they go.
        let mut config = aws_sdk_s3::config::Builder::from(&shared)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        let region = shared
            .region()
            .map(ToString::to_string)
            .unwrap_or_else(|| FALLBACK_REGION.to_owned());
        if shared.region().is_none() {
            config = config.region(Region::new(FALLBACK_REGION));
        }
        let endpoint = match shared.endpoint_url() {
            Some(url) => {
                let (policy, checked) = (options.outbound.clone(), url.to_owned());
                tokio::task::spawn_blocking(move || {
                    policy.check_url("S3 endpoint (AWS_ENDPOINT_URL)", &checked)
                })
                .await
                .map_err(|error| Error::Internal(format!("checking the S3 endpoint failed: {error}")))??;
                config = config.force_path_style(true);
                url.to_owned()
            }
            None => format!("aws s3 in {region}"),
        };
        let prefix = options.prefix.trim_matches('/');
        Ok(Self {
            client: Client::from_conf(config.build()),
            bucket: options.bucket,
            key_prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            endpoint,
            part_size: options.part_size,
            copy_part_size: options.copy_part_size,
        })
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// `<prefix>/<ab>/<digest>`.
    pub(super) fn key(&self, digest: &Digest) -> String {
        let hex = digest.to_hex();
        format!("{}{}/{hex}", self.key_prefix, &hex[..2])
    }

    /// The digest a listed key names, if it is a blob key.
    fn digest_of_key(&self, key: &str) -> Option<Digest> {
        let (shard, hex) = key.strip_prefix(&self.key_prefix)?.split_once('/')?;
        let digest = Digest::parse("key", hex).ok()?;
        let shard_matches = shard.len() == 2 && hex.starts_with(shard);
        shard_matches.then_some(digest)
    }

    /// Maps an SDK error of `action` to the crate's error; `404`s are the caller's business.
    pub(super) fn error<E>(
        &self,
        action: &str,
        error: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let unavailable = |reason: String| Error::Unavailable {
            service: "s3",
            reason,
        };
        let detail = DisplayErrorContext(&error).to_string();
        match &error {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
                unavailable(format!("cannot reach {} ({action}): {detail}", self.endpoint))
            }
            SdkError::ServiceError(context) => {
                let status = context.raw().status().as_u16();
                let code = context.err().code().unwrap_or_default();
                if code == "NoSuchBucket" {
                    return unavailable(format!(
                        "bucket {} does not exist at {}",
                        self.bucket, self.endpoint
                    ));
                }
                if status == 403 || status == 401 || status == 429 || status >= 500 {
                    return unavailable(format!(
                        "{} refused {action} ({status} {code}): {detail}",
                        self.endpoint
                    ));
                }
                Error::Internal(format!("s3 {action} failed ({status} {code}): {detail}"))
            }
            _ => unavailable(format!("cannot {action} at {}: {detail}", self.endpoint)),
        }
    }

    /// The object's metadata, or `None` when it is not stored.
    async fn head_object(&self, digest: &Digest) -> Result<Option<HeadObjectOutput>> {
        let request = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.key(digest));
        match request.send().await {
            Ok(output) => Ok(Some(output)),
            Err(error) if Self::is_not_found(&error) => Ok(None),
            Err(error) => Err(self.error("head object", error)),
        }
    }

    fn is_not_found<E>(error: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> bool {
        status_of(error) == Some(404)
    }

    /// Starts a GET of `key` (optionally ranged), mapping a missing key to `NotFound`.
    async fn get_object(
        &self,
        digest: &Digest,
        range: Option<String>,
    ) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(digest))
            .set_range(range.clone());
        match request.send().await {
            Ok(output) => Ok(output),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.is_no_such_key()) =>
            {
                Err(not_found(digest))
            }
            Err(error) if Self::is_not_found(&error) && error.code() != Some("NoSuchBucket") => {
                Err(not_found(digest))
            }
            Err(error) if status_of(&error) == Some(416) => Err(Error::Invalid {
                field: "range".to_owned(),
                reason: format!("{} is outside the blob", range.unwrap_or_default()),
            }),
            Err(error) => Err(self.error("get object", error)),
        }
    }

    /// Wraps a response body as a blob stream; a failure mid-body ends it with `Unavailable`.
    fn body_stream(&self, body: ByteStream) -> BlobStream {
        let endpoint = self.endpoint.clone();
        stream::unfold(Some(body), move |state| {
            let endpoint = endpoint.clone();
            async move {
                let mut body = state?;
                match body.next().await? {
                    Ok(chunk) => Some((Ok(chunk), Some(body))),
                    Err(error) => {
                        let reason =
                            format!("reading from {endpoint} failed: {}", DisplayErrorContext(&error));
                        Some((
                            Err(Error::Unavailable {
                                service: "s3",
                                reason,
                            }),
                            None,
                        ))
                    }
                }
            }
        })
        .boxed()
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, content: Bytes, expected: Option<Digest>) -> Result<PutReceipt> {
        self.put_in_memory(content, expected, false).await
    }

    async fn put_stream(&self, source: ByteSource, expected: Option<Digest>) -> Result<PutReceipt> {
        self.put_streamed(source, expected).await
    }

    async fn get(&self, digest: &Digest) -> Result<BlobStream> {
        let output = self.get_object(digest, None).await?;
        Ok(self.body_stream(output.body))
    }

    async fn get_range(&self, digest: &Digest, range: Range<u64>) -> Result<BlobStream> {
        check_range(&range, u64::MAX)?;
        if range.is_empty() {
            let size = self.head(digest).await?.ok_or_else(|| not_found(digest))?;
            check_range(&range, size)?;
            return Ok(stream::empty().boxed());
        }
        let header = format!("bytes={}-{}", range.start, range.end - 1);
        let output = match self.get_object(digest, Some(header)).await {
            Err(unsatisfiable @ Error::Invalid { .. }) => {
                // The server refused the range: say how large the blob is, as the local store does.
                let size = self.head(digest).await?.ok_or_else(|| not_found(digest))?;
                check_range(&range, size)?;
                return Err(unsatisfiable);
            }
            other => other?,
        };
        let total = output
            .content_range()
            .and_then(total_of_content_range)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "s3 answered a ranged get without a usable content-range ({})",
                    self.endpoint
                ))
            })?;
        check_range(&range, total)?;
        Ok(self.body_stream(output.body))
    }

    async fn head(&self, digest: &Digest) -> Result<Option<u64>> {
        Ok(self
            .head_object(digest)
            .await?
            .map(|output| output.content_length().unwrap_or_default().max(0) as u64))
    }

    async fn stored_at(&self, digest: &Digest) -> Result<Option<DateTime<Utc>>> {
        Ok(self.head_object(digest).await?.and_then(|output| {
            let at = output.last_modified()?;
            DateTime::from_timestamp(at.secs(), at.subsec_nanos())
        }))
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        let request = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.key(digest));
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) if Self::is_not_found(&error) && error.code() != Some("NoSuchBucket") => Ok(()),
            Err(error) => Err(self.error("delete object", error)),
        }
    }

    fn list(&self) -> DigestStream {
        let store = self.clone();
        let pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.key_prefix)
            .into_paginator()
            .send();
        let page_store = store.clone();
        stream::unfold(Some(pages), move |state| {
            let store = page_store.clone();
            async move {
                let mut pages = state?;
                match pages.next().await? {
                    Ok(page) => Some((Ok(page), Some(pages))),
                    Err(error) => Some((Err(store.error("list objects", error)), None)),
                }
            }
        })
        .map_ok(move |page| {
            let digests: Vec<Result<Digest>> = page
                .contents()
                .iter()
                .filter_map(|object| store.digest_of_key(object.key()?))
                .map(Ok)
                .collect();
            stream::iter(digests)
        })
        .try_flatten()
        .boxed()
    }

    async fn check(&self) -> Result<()> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(error) if Self::is_not_found(&error) => Err(Error::Unavailable {
                service: "s3",
                reason: format!("bucket {} does not exist at {}", self.bucket, self.endpoint),
            }),
            Err(error) => Err(self.error("head bucket", error)),
        }
    }
}

/// With an S3-compatible endpoint and no region in the environment, the region is
/// [`FALLBACK_REGION`] rather than the result of asking the EC2 instance metadata service,
/// which off AWS only costs a timeout.
fn region_for_custom_endpoint(options: &S3Options) -> Option<String> {
    let custom_endpoint = options.endpoint.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let region_in_environment =
        std::env::var_os("AWS_REGION").is_some() || std::env::var_os("AWS_DEFAULT_REGION").is_some();
    (custom_endpoint && !region_in_environment).then(|| FALLBACK_REGION.to_owned())
}

/// The HTTP status of a service error.
fn status_of<E>(error: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    match error {
        SdkError::ServiceError(context) => Some(context.raw().status().as_u16()),
        _ => None,
    }
}

/// The total size in a `Content-Range: bytes START-END/TOTAL` header.
fn total_of_content_range(header: &str) -> Option<u64> {
    header.rsplit_once('/')?.1.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_total_is_the_part_after_the_slash() {
        assert_eq!(total_of_content_range("bytes 0-9/15"), Some(15));
        assert_eq!(total_of_content_range("bytes 0-9/*"), None);
        assert_eq!(total_of_content_range("garbage"), None);
    }

    #[test]
    fn credentials_debug_hides_the_secret() {
        let options = S3Options::new("bucket").with_credentials("AKIA", "very-secret");
        let printed = format!("{options:?}");
        assert!(
            printed.contains("AKIA") && !printed.contains("very-secret"),
            "{printed}"
        );
    }

    #[tokio::test]
    async fn keys_are_prefix_shard_digest_and_only_those_list() {
        let options = S3Options::new("bucket")
            .with_prefix("/team/blobs/")
            .with_endpoint("http://127.0.0.1:1")
            .with_region("us-east-1")
            .with_credentials("key", "secret")
            .with_outbound(OutboundPolicy::allow_all());
        let store = S3BlobStore::connect(options)
            .await
            .expect("connects without network");
        let digest = Digest::of(b"key");
        let hex = digest.to_hex();
        let key = store.key(&digest);
        assert_eq!(key, format!("team/blobs/{}/{hex}", &hex[..2]));
        assert_eq!(store.digest_of_key(&key), Some(digest));
        assert_eq!(store.digest_of_key(&format!("team/blobs/.incoming/{hex}")), None);
        assert_eq!(store.digest_of_key(&format!("team/blobs/zz/{hex}")), None);
        assert_eq!(store.digest_of_key(&format!("other/{}/{hex}", &hex[..2])), None);
    }

    #[tokio::test]
    async fn part_size_below_the_s3_minimum_is_rejected() {
        let mut options = S3Options::new("bucket").with_endpoint("http://127.0.0.1:1");
        options.part_size = 1024;
        let outcome = S3BlobStore::connect(options).await;
        assert!(
            matches!(outcome, Err(Error::Invalid { ref field, .. }) if field == "part_size"),
            "{outcome:?}"
        );
    }
}
