//! Experiment files as tar archives: a deterministic writer for downloads and a reader for
//! uploads that refuses what could escape the experiment root or expand without bound.
//!
//! Only plain tar is read; gzip is not supported (no gzip crate is in the dependency tree).

use std::collections::HashSet;
use std::io::{Read, Write};

use tar::{EntryType, Header};

use super::{invalid, validate_path};
use crate::{Error, Result};

/// The longest entry path quoted in a field name; longer ones are cut (with `...`).
const MAX_QUOTED_PATH_CHARS: usize = 200;

/// What [`read_tar`] accepts at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Entries of any kind (files and directories).
    pub max_entries: usize,
    /// Bytes of all files together, once expanded.
    pub max_total_bytes: u64,
    /// How many times the archive's own size the files may expand to.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    /// 100,000 entries, 20 GiB, 200 times the archive size.
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 100_000,
            max_total_bytes: 20 * 1024 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// One file read from an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The normalized path ([`validate_path`]).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Writes `entries` (path, content) to `out` as a tar of regular files (mode 0644, mtime 0,
/// owner 0, so the same files give the same bytes) and returns `out`.
///
/// Paths are validated and normalized with [`validate_path`] (field `path`); a path given
/// twice is refused, since [`read_tar`] would refuse the archive. Long paths use the GNU
/// long-name extension. A failing writer is `Error::Unavailable`.
pub fn write_tar<W: Write>(out: W, entries: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<W> {
    let mut builder = tar::Builder::new(out);
    let mut seen = HashSet::new();
    for (path, bytes) in entries {
        let path = validate_path("path", &path)?;
        if !seen.insert(path.clone()) {
            return Err(invalid("path", format!("{path} is given more than once")));
        }
        let mut header = Header::new_gnu();
        header.set_entry_type(EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder
            .append_data(&mut header, &path, bytes.as_slice())
            .map_err(write_failed)?;
    }
    builder.into_inner().map_err(write_failed)
}

/// The end of an archive: two zero blocks, after the last member.
pub const TAR_END: [u8; 1024] = [0; 1024];

/// The header block(s) of a regular file of `size` bytes at `path` with `mode`, exactly as
/// [`write_tar`] writes them (a GNU long-name entry first for a long path), for an
/// archive streamed a member at a time: the header, the `size` content bytes, then
/// [`tar_padding`]; [`TAR_END`] after the last member. The caller keeps paths unique.
pub fn tar_header(path: &str, size: u64, mode: u32) -> Result<Vec<u8>> {
    let path = validate_path("path", path)?;
    let mut header = Header::new_gnu();
    header.set_entry_type(EntryType::Regular);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    // The builder writes the header blocks, then copies no content and pads nothing.
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(&mut header, &path, std::io::empty())
        .map_err(write_failed)?;
    Ok(builder.get_ref().clone())
}

/// The zero bytes after a member of `size` bytes, up to the next 512-byte block.
pub fn tar_padding(size: u64) -> &'static [u8] {
    static ZEROS: [u8; 512] = [0; 512];
    &ZEROS[..((512 - size % 512) % 512) as usize]
}

fn write_failed(error: std::io::Error) -> Error {
    Error::Unavailable {
        service: "archive writer",
        reason: error.to_string(),
    }
}

/// Reads the regular files of a tar archive, with normalized paths; directories are skipped.
///
/// Refused as `Error::Invalid` with the field `archive[<path>]` naming the entry: a path
/// [`validate_path`] refuses (or that is not UTF-8), a path given twice, links of any kind,
/// devices, fifos and other special entries, and a file whose declared size takes the total
/// over `max_total_bytes` or over `max_ratio` times the archive's size; sizes are checked
/// before the content is read, so a bomb is refused without expanding it. With the field
/// `archive`: more than `max_entries` entries, and a corrupt or truncated archive.
pub fn read_tar(archive: &[u8], limits: &ArchiveLimits) -> Result<Vec<ArchiveEntry>> {
    let max_expanded = limits.max_ratio.saturating_mul(archive.len() as u64);
    let mut reader = tar::Archive::new(archive);
    let entries = reader.entries().map_err(corrupt)?;
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut entry_count = 0usize;
    let mut total_bytes = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(corrupt)?;
        let entry_type = entry.header().entry_type();
        // A pax global header (`git archive` writes one) is metadata, not a member.
        if entry_type.is_pax_global_extensions() {
            continue;
        }
        entry_count += 1;
        if entry_count > limits.max_entries {
            return Err(invalid(
                "archive",
                format!("has more than {} entries", limits.max_entries),
            ));
        }

        let raw_path = entry.path_bytes().into_owned();
        let field = entry_field(&raw_path);
        let Ok(raw_path) = String::from_utf8(raw_path) else {
            return Err(invalid(field, "has a path that is not valid utf-8"));
        };
        // Old (v7) tars mark directories with a trailing slash only.
        let is_directory = entry_type.is_dir() || (entry_type.is_file() && raw_path.ends_with('/'));
        if is_directory {
            if !names_the_root(&raw_path) {
                validate_path(&field, &raw_path)?;
            }
            continue;
        }
        if let Some(kind) = refused_kind(entry_type) {
            return Err(invalid(
                field,
                format!("is a {kind}; only regular files and directories are accepted"),
            ));
        }
        let path = validate_path(&field, &raw_path)?;
        if !seen.insert(path.clone()) {
            return Err(invalid(field, "appears more than once in the archive"));
        }

        let size = entry.size();
        total_bytes = total_bytes.saturating_add(size);
        if total_bytes > limits.max_total_bytes {
            return Err(invalid(
                field,
                format!(
                    "declares {size} bytes, taking the archive over its limit of {} bytes",
                    limits.max_total_bytes
                ),
            ));
        }
        if total_bytes > max_expanded {
            return Err(invalid(
                field,
                format!(
                    "declares {size} bytes, expanding the {}-byte archive more than {} times",
                    archive.len(),
                    limits.max_ratio
                ),
            ));
        }
        // Content cannot be longer than the archive it is in; the size may be forged.
        let capacity = usize::try_from(size).unwrap_or(usize::MAX).min(archive.len());
        let mut bytes = Vec::with_capacity(capacity);
        entry.read_to_end(&mut bytes).map_err(corrupt)?;
        if bytes.len() as u64 != size {
            return Err(invalid(
                field,
                format!("is truncated: declares {size} bytes, has {}", bytes.len()),
            ));
        }
        files.push(ArchiveEntry { path, bytes });
    }
    Ok(files)
}

/// Why an entry type other than a regular file or directory is refused, named for the user.
fn refused_kind(entry_type: EntryType) -> Option<&'static str> {
    let kind = match entry_type {
        EntryType::Regular | EntryType::Continuous => return None,
        EntryType::Symlink => "symbolic link",
        EntryType::Link => "hard link",
        EntryType::Char => "character device",
        EntryType::Block => "block device",
        EntryType::Fifo => "fifo",
        EntryType::GNUSparse => "sparse file",
        EntryType::GNULongLink => "gnu long link",
        _ => "special entry",
    };
    Some(kind)
}

/// `.`, `./` and the like: the archive's root directory, which tar writes for `tar -C dir .`.
fn names_the_root(path: &str) -> bool {
    path.split('/')
        .all(|segment| segment.is_empty() || segment == ".")
}

/// `archive[<path>]` with the raw path, control characters escaped and long paths cut.
fn entry_field(raw_path: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(raw_path);
    let mut quoted = String::new();
    for (count, character) in lossy.chars().enumerate() {
        if count == MAX_QUOTED_PATH_CHARS {
            quoted.push_str("...");
            break;
        }
        if character.is_control() {
            quoted.extend(character.escape_default());
        } else {
            quoted.push(character);
        }
    }
    format!("archive[{quoted}]")
}

fn corrupt(error: std::io::Error) -> Error {
    invalid("archive", format!("is not a valid tar archive: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw tar header, so tests can write what the builder refuses (`..`, `/`, links).
    fn raw_header(path: &str, entry_type: EntryType, size: u64) -> Header {
        let mut header = Header::new_ustar();
        let name = &mut header.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_entry_type(entry_type);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_cksum();
        header
    }

    /// An archive of raw entries; each gets `size` bytes of content unless `content` is false.
    fn raw_archive(entries: &[(&str, EntryType, u64)], content: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for &(path, entry_type, size) in entries {
            out.extend_from_slice(raw_header(path, entry_type, size).as_bytes());
            if content {
                let padded = size.div_ceil(512) * 512;
                out.extend(std::iter::repeat_n(b'x', size as usize));
                out.extend(std::iter::repeat_n(0, (padded - size) as usize));
            }
        }
        out.extend([0; 1024]);
        out
    }

    fn refusal(archive: &[u8], limits: &ArchiveLimits) -> (String, String) {
        match read_tar(archive, limits) {
            Err(Error::Invalid { field, reason }) => (field, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn round_trips_files_deterministically() {
        let long_path = format!("{}model.pt", "deep/".repeat(60));
        let files = vec![
            ("./configs//a.yaml".to_string(), b"lr: 0.1\n".to_vec()),
            ("empty".to_string(), vec![]),
            (long_path.clone(), vec![7; 1000]),
        ];
        let archive = write_tar(Vec::new(), files.clone()).expect("written");
        assert_eq!(write_tar(Vec::new(), files).expect("written"), archive);
        let read = read_tar(&archive, &ArchiveLimits::default()).expect("read");
        let paths: Vec<&str> = read.iter().map(|entry| entry.path.as_str()).collect();
        assert_eq!(paths, ["configs/a.yaml", "empty", long_path.as_str()]);
        assert_eq!(read[0].bytes, b"lr: 0.1\n");
        assert_eq!(read[2].bytes, vec![7; 1000]);
    }

    #[test]
    fn write_refuses_bad_and_repeated_paths() {
        let refused = write_tar(Vec::new(), [("../x".to_string(), vec![])]);
        assert!(matches!(refused, Err(Error::Invalid { field, .. }) if field == "path"));
        let twice = write_tar(
            Vec::new(),
            [("a".to_string(), vec![]), ("./a".to_string(), vec![])],
        );
        assert!(
            matches!(twice, Err(Error::Invalid { field, reason }) if field == "path" && reason.contains("more than once"))
        );
    }

    #[test]
    fn refuses_paths_escaping_the_root() {
        let limits = ArchiveLimits::default();
        let (field, reason) = refusal(&raw_archive(&[("../evil", EntryType::Regular, 3)], true), &limits);
        assert_eq!(field, "archive[../evil]");
        assert!(reason.contains("'..'"), "{reason}");
        let (field, reason) = refusal(
            &raw_archive(&[("/etc/passwd", EntryType::Regular, 3)], true),
            &limits,
        );
        assert_eq!(field, "archive[/etc/passwd]");
        assert!(reason.contains("absolute"), "{reason}");
        let (field, _) = refusal(&raw_archive(&[("../up", EntryType::Directory, 0)], true), &limits);
        assert_eq!(field, "archive[../up]");
    }

    #[test]
    fn refuses_links_and_devices_naming_them() {
        let limits = ArchiveLimits::default();
        let cases = [
            (EntryType::Symlink, "symbolic link"),
            (EntryType::Link, "hard link"),
            (EntryType::Char, "character device"),
            (EntryType::Block, "block device"),
            (EntryType::Fifo, "fifo"),
        ];
        for (entry_type, kind) in cases {
            let archive = raw_archive(&[("etc", entry_type, 0)], true);
            let (field, reason) = refusal(&archive, &limits);
            assert_eq!(field, "archive[etc]");
            assert!(reason.starts_with(&format!("is a {kind};")), "{reason}");
        }
    }

    #[test]
    fn refuses_a_symlink_to_etc_written_by_the_builder() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = Header::new_gnu();
        header.set_entry_type(EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, "config", "/etc").expect("link");
        let archive = builder.into_inner().expect("archive");
        let (field, reason) = refusal(&archive, &ArchiveLimits::default());
        assert_eq!(field, "archive[config]");
        assert!(reason.contains("symbolic link"));
    }

    #[test]
    fn refuses_more_entries_than_the_limit() {
        let limits = ArchiveLimits {
            max_entries: 10,
            ..ArchiveLimits::default()
        };
        let names: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, EntryType, u64)> = names
            .iter()
            .map(|name| (name.as_str(), EntryType::Regular, 0))
            .collect();
        let (field, reason) = refusal(&raw_archive(&entries, true), &limits);
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("archive", "has more than 10 entries")
        );
        assert_eq!(
            read_tar(&raw_archive(&entries[..10], true), &limits)
                .expect("10 is fine")
                .len(),
            10
        );
    }

    #[test]
    fn refuses_a_declared_terabyte_without_reading_it() {
        let terabyte = 1u64 << 40;
        let archive = raw_archive(&[("big.bin", EntryType::Regular, terabyte)], false);
        let (field, reason) = refusal(&archive, &ArchiveLimits::default());
        assert_eq!(field, "archive[big.bin]");
        assert!(reason.contains("over its limit"), "{reason}");

        let unlimited_total = ArchiveLimits {
            max_total_bytes: u64::MAX,
            ..ArchiveLimits::default()
        };
        let (field, reason) = refusal(&archive, &unlimited_total);
        assert_eq!(field, "archive[big.bin]");
        assert!(reason.contains("more than 200 times"), "{reason}");
    }

    #[test]
    fn refuses_truncated_repeated_and_corrupt_archives() {
        let limits = ArchiveLimits::default();
        let mut truncated = raw_archive(&[("a", EntryType::Regular, 1000)], true);
        truncated.truncate(700);
        let (field, _) = refusal(&truncated, &limits);
        assert_eq!(field, "archive[a]");

        let twice = raw_archive(
            &[("a", EntryType::Regular, 1), ("./a", EntryType::Regular, 1)],
            true,
        );
        let (field, reason) = refusal(&twice, &limits);
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("archive[./a]", "appears more than once in the archive")
        );

        let mut bad_checksum = raw_archive(&[("a", EntryType::Regular, 1)], true);
        bad_checksum[0] = b'b';
        let (field, reason) = refusal(&bad_checksum, &limits);
        assert_eq!(field, "archive");
        assert!(reason.contains("checksum"), "{reason}");
        let (field, _) = refusal(&[1; 100], &limits);
        assert_eq!(field, "archive");
    }

    #[test]
    fn skips_directories_and_the_root() {
        let archive = raw_archive(
            &[
                ("./", EntryType::Directory, 0),
                ("dir/", EntryType::Directory, 0),
                ("old-style-dir/", EntryType::Regular, 0),
                ("./dir/a", EntryType::Regular, 2),
            ],
            true,
        );
        let read = read_tar(&archive, &ArchiveLimits::default()).expect("read");
        assert_eq!(
            read,
            [ArchiveEntry {
                path: "dir/a".into(),
                bytes: b"xx".to_vec()
            }]
        );
        assert_eq!(read_tar(&[], &ArchiveLimits::default()).expect("empty"), []);
    }

    #[test]
    fn field_names_escape_control_characters() {
        assert_eq!(entry_field(b"a\nb"), "archive[a\\nb]");
        assert!(entry_field(&[b'a'; 300]).ends_with("a...]"));
    }
}
