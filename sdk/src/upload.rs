//! Uploading contents: ask the server which it lacks (`…/plan`), send only those
//! (`PUT …/content`, verified by sha256), then record what they belong to.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::api::{self, ContentBody, ManifestFile, UploadKind};
use crate::client::Client;
use crate::code::{Capture, SourceFile};
use crate::error::{Error, Result};

/// Where the server keeps a snapshot's patch.
pub const PATCH_PATH: &str = ".rsdk/patch.diff";

/// A content to upload and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub entry: ManifestFile,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// The sha256 of `bytes`, lowercase hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The media type stored with a file, from its extension.
pub fn mime_for(path: &str) -> &'static str {
    let extension = Path::new(path)
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "json" => "application/json",
        "txt" | "log" | "md" | "py" | "yaml" | "yml" | "toml" | "cfg" | "ini" | "sh" => "text/plain",
        "csv" => "text/csv",
        "html" => "text/html",
        _ => "application/octet-stream",
    }
}

/// Sends the contents the server lacks.
pub fn upload_contents(
    client: &Client,
    experiment_id: &str,
    kind: UploadKind,
    uploads: &[Upload],
    policy: Option<&str>,
    progress: Option<&ProgressBar>,
) -> Result<()> {
    let entries: Vec<ManifestFile> = uploads.iter().map(|upload| upload.entry.clone()).collect();
    let lacking = api::plan(client, experiment_id, kind, &entries, policy)?;
    if let Some(bar) = progress {
        let bytes: u64 = uploads
            .iter()
            .filter(|upload| lacking.contains(&upload.entry.path))
            .map(|upload| upload.entry.size)
            .sum();
        bar.set_length(bytes);
    }
    for upload in uploads
        .iter()
        .filter(|upload| lacking.contains(&upload.entry.path))
    {
        match &upload.source {
            Source::Bytes(bytes) => api::put_content(
                client,
                experiment_id,
                kind,
                &upload.entry,
                ContentBody::Bytes(bytes),
            )?,
            Source::Path(path) => {
                let file = std::fs::File::open(path).map_err(|error| Error::io(path, error))?;
                api::put_content(
                    client,
                    experiment_id,
                    kind,
                    &upload.entry,
                    ContentBody::File(file),
                )?
            }
        }
        if let Some(bar) = progress {
            bar.inc(upload.entry.size);
        }
    }
    Ok(())
}

/// Sends the contents the server lacks, then commits them as experiment files (others stay).
pub fn send_files(
    client: &Client,
    experiment_id: &str,
    uploads: &[Upload],
    policy: Option<&str>,
) -> Result<()> {
    upload_contents(client, experiment_id, UploadKind::Files, uploads, policy, None)?;
    let entries: Vec<ManifestFile> = uploads.iter().map(|upload| upload.entry.clone()).collect();
    api::commit_files(client, experiment_id, &entries, policy)
}

/// Sends the contents the server lacks, then records the code snapshot `body` describes.
pub fn send_code(client: &Client, experiment_id: &str, uploads: &[Upload], body: &Value) -> Result<()> {
    upload_contents(client, experiment_id, UploadKind::Code, uploads, None, None)?;
    api::record_code(client, experiment_id, body).map(|_| ())
}

/// What recording a captured snapshot needs: `POST …/code`'s body and the contents to upload.
pub fn code_uploads(capture: &Capture) -> (Value, Vec<Upload>) {
    let mut uploads: Vec<Upload> = capture
        .files
        .iter()
        .filter(|file| file.stored)
        .map(|file| Upload {
            entry: ManifestFile {
                path: file.path.clone(),
                size: file.size,
                hash: file.hash.clone(),
                mime: "application/octet-stream".into(),
            },
            source: Source::Path(capture.absolute(file)),
        })
        .collect();
    let mut body = json!({
        "format": capture.format,
        "git": {
            "repository": capture.git.repository,
            "remote_url": capture.git.remote_url,
            "branch": capture.git.branch,
            "commit": capture.git.commit,
        },
        "files": capture.files.iter().map(source_json).collect::<Vec<_>>(),
    });
    if let Some(patch) = &capture.patch {
        let hash = sha256_bytes(patch);
        body["patch"] = json!({ "hash": hash, "size": patch.len() });
        uploads.push(Upload {
            entry: ManifestFile {
                path: PATCH_PATH.into(),
                size: patch.len() as u64,
                hash,
                mime: "text/x-diff".into(),
            },
            source: Source::Bytes(patch.clone()),
        });
    }
    (body, uploads)
}

fn source_json(file: &SourceFile) -> Value {
    json!({
        "path": file.path,
        "hash": file.hash,
        "size": file.size,
        "executable": file.executable,
        "untracked": file.untracked,
        "stored": file.stored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_follow_the_extension() {
        assert_eq!(mime_for("media/attention/00000010.png"), "image/png");
        assert_eq!(mime_for("tables/x.JSON"), "application/json");
        assert_eq!(mime_for("weights.bin"), "application/octet-stream");
    }

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
