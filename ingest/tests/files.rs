//! Property tests of the experiment-files core through its public API: path normalization,
//! text diffs, storage deltas and tar archives never panic and round-trip.

use ingest::files::{
    apply_delta, encode_delta, read_tar, tar_header, tar_padding, text_diff, validate_path, write_tar,
    ArchiveLimits, CapturePolicy, LineKind, TextDiff, TAR_END,
};
use proptest::prelude::*;

/// Lines as similar cuts them (at `\r\n`, `\n` or `\r`), without their endings.
fn line_texts(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\n' => lines.push(std::mem::take(&mut current)),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut current));
            }
            other => current.push(other),
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Applies the hunks' removed and added lines to the lines of `old`, checking the line
/// numbers on the way; the lines of the new text come out.
fn apply_hunks(old: &str, diff: &TextDiff) -> Vec<String> {
    let old_lines = line_texts(old);
    let mut result: Vec<String> = Vec::new();
    let mut cursor = 0usize;
    for hunk in &diff.hunks {
        let hunk_start = if hunk.old_lines == 0 {
            hunk.old_start as usize
        } else {
            hunk.old_start as usize - 1
        };
        assert!(hunk_start >= cursor, "hunks are in order");
        result.extend_from_slice(&old_lines[cursor..hunk_start]);
        cursor = hunk_start;
        for line in &hunk.lines {
            let text: String = line
                .segments
                .iter()
                .map(|segment| segment.text.as_str())
                .collect();
            match line.kind {
                LineKind::Context | LineKind::Removed => {
                    let old_number = line.old_number.expect("old number") as usize;
                    assert_eq!(old_number, cursor + 1, "old lines are numbered in order");
                    assert_eq!(text, old_lines[cursor]);
                    cursor += 1;
                }
                LineKind::Added => assert_eq!(line.old_number, None),
            }
            match line.kind {
                LineKind::Context | LineKind::Added => {
                    assert_eq!(line.new_number, Some(result.len() as u32 + 1));
                    result.push(text);
                }
                LineKind::Removed => assert_eq!(line.new_number, None),
            }
        }
    }
    result.extend_from_slice(&old_lines[cursor..]);
    result
}

/// Texts made of few distinct lines, so that diffs have equal runs, replacements and
/// word-level changes; endings vary, the last line may have none.
fn text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("alpha beta"),
        Just("alpha gamma"),
        Just("lr: 0.1"),
        Just("lr: 0.2"),
        Just(""),
        Just("é ü 日本"),
        Just("  indented line"),
    ];
    let ending = prop_oneof![4 => Just("\n"), 1 => Just("\r\n"), 1 => Just("\r"), 1 => Just("")];
    prop::collection::vec((line, ending), 0..30).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(line, ending)| format!("{line}{ending}"))
            .collect()
    })
}

/// Paths built from the segments that matter to the rules.
fn path_like() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just(""),
        Just("."),
        Just(".."),
        Just("a"),
        Just("b.txt"),
        Just("C:"),
        Just("c:\\x"),
        Just("é"),
        Just("a\0b"),
        Just(" "),
        Just("..."),
    ];
    prop::collection::vec(segment, 0..8).prop_map(|segments| segments.join("/"))
}

/// Bytes with few distinct lines, and a copy of them with lines replaced, inserted and removed.
fn base_and_edit() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let line = prop_oneof![
        Just(b"one\n".to_vec()),
        Just(b"two\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(vec![0, 255, b'\n']),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    let lines = prop::collection::vec(line, 0..40);
    (
        lines,
        prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<u8>()), 0..6),
    )
        .prop_map(|(lines, edits)| {
            let mut edited = lines.clone();
            for (at, kind, byte) in edits {
                if edited.is_empty() {
                    edited.push(vec![byte]);
                    continue;
                }
                let index = at.index(edited.len());
                match kind {
                    0 => edited[index] = vec![byte, b'\n'],
                    1 => edited.insert(index, vec![byte]),
                    _ => {
                        edited.remove(index);
                    }
                }
            }
            (lines.concat(), edited.concat())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn accepted_paths_are_safe_fixed_points(path in prop_oneof![path_like(), any::<String>()]) {
        if let Ok(normalized) = validate_path("path", &path) {
            prop_assert!(!normalized.starts_with('/'));
            prop_assert!(!normalized.split('/').any(|segment| segment == ".."));
            prop_assert!(!normalized.split('/').any(|segment| segment.is_empty() || segment == "."));
            prop_assert_eq!(validate_path("path", &normalized).ok(), Some(normalized));
        }
    }

    #[test]
    fn policy_checks_never_panic(path in prop_oneof![path_like(), any::<String>()], size in any::<u64>()) {
        let matcher = CapturePolicy::project_default().matcher().expect("valid");
        let _ = matcher.check_file("path", &path, size);
    }

    #[test]
    fn hunks_turn_old_into_new(old in text(), new in text(), context in 0usize..4) {
        let diff = text_diff(&old, &new, context, usize::MAX);
        prop_assert!(!diff.truncated);
        prop_assert_eq!(apply_hunks(&old, &diff), line_texts(&new));
        let lines = diff.hunks.iter().flat_map(|hunk| &hunk.lines);
        let added = lines.clone().filter(|line| line.kind == LineKind::Added).count();
        let removed = lines.filter(|line| line.kind == LineKind::Removed).count();
        prop_assert_eq!((diff.added as usize, diff.removed as usize), (added, removed));
    }

    #[test]
    fn identical_texts_give_no_hunks(text in text()) {
        let diff = text_diff(&text, &text, 3, 1000);
        prop_assert!(diff.hunks.is_empty());
        prop_assert_eq!((diff.added, diff.removed, diff.truncated), (0, 0, false));
    }

    #[test]
    fn diffs_stay_within_max_lines(old in text(), new in text(), context in 0usize..4, max_lines in 0usize..20) {
        let diff = text_diff(&old, &new, context, max_lines);
        let shown: usize = diff.hunks.iter().map(|hunk| hunk.lines.len()).sum();
        prop_assert!(shown <= max_lines);
        if !diff.truncated {
            prop_assert_eq!(apply_hunks(&old, &diff), line_texts(&new));
        }
    }

    #[test]
    fn diffs_of_any_strings_never_panic(old in any::<String>(), new in any::<String>()) {
        let _ = text_diff(&old, &new, 2, 50);
    }

    #[test]
    fn deltas_round_trip_edits((base, target) in base_and_edit()) {
        let delta = encode_delta(&base, &target);
        prop_assert_eq!(apply_delta(&base, &delta).expect("applies"), target);
    }

    #[test]
    fn deltas_round_trip_any_bytes(base in prop::collection::vec(any::<u8>(), 0..300),
                                   target in prop::collection::vec(any::<u8>(), 0..300)) {
        let delta = encode_delta(&base, &target);
        prop_assert_eq!(apply_delta(&base, &delta).expect("applies"), target);
    }

    #[test]
    fn applying_garbage_never_panics(base in prop::collection::vec(any::<u8>(), 0..64),
                                     tail in prop::collection::vec(any::<u8>(), 0..64),
                                     header in any::<bool>()) {
        let mut delta = Vec::new();
        if header {
            // Past the header, so the operations are what gets exercised.
            delta.extend_from_slice(b"RD\x01");
            delta.push(base.len() as u8);
        }
        delta.extend_from_slice(&tail);
        if let Err(error) = apply_delta(&base, &delta) {
            let names_the_delta = matches!(error, ingest::Error::Invalid { ref field, .. } if field == "delta");
            prop_assert!(names_the_delta, "{error:?}");
        }
    }

    #[test]
    fn corrupted_deltas_never_panic((base, target) in base_and_edit(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut delta = encode_delta(&base, &target);
        let index = at.index(delta.len());
        delta[index] = byte;
        let _ = apply_delta(&base, &delta);
    }

    #[test]
    fn tars_round_trip(files in prop::collection::btree_map("[a-z]{1,8}(/[a-z]{1,8}){0,3}", prop::collection::vec(any::<u8>(), 0..600), 0..6)) {
        let entries: Vec<(String, Vec<u8>)> = files.clone().into_iter().collect();
        let archive = write_tar(Vec::new(), entries.clone()).expect("written");
        let read = read_tar(&archive, &ArchiveLimits::default()).expect("read");
        let read: Vec<(String, Vec<u8>)> = read.into_iter().map(|entry| (entry.path, entry.bytes)).collect();
        prop_assert_eq!(read, entries);
    }

    #[test]
    fn a_streamed_tar_is_the_written_tar(files in prop::collection::btree_map("[a-z]{1,40}(/[a-z]{1,40}){0,4}", prop::collection::vec(any::<u8>(), 0..1100), 0..6)) {
        let entries: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        let written = write_tar(Vec::new(), entries.clone()).expect("written");
        let mut streamed = Vec::new();
        for (path, bytes) in &entries {
            streamed.extend(tar_header(path, bytes.len() as u64, 0o644).expect("a header"));
            streamed.extend(bytes);
            streamed.extend(tar_padding(bytes.len() as u64));
        }
        streamed.extend(TAR_END);
        prop_assert_eq!(streamed, written);
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(error) = read_tar(&bytes, &ArchiveLimits::default()) {
            let names_the_archive =
                matches!(error, ingest::Error::Invalid { ref field, .. } if field.starts_with("archive"));
            prop_assert!(names_the_archive, "{error:?}");
        }
    }

    #[test]
    fn reading_corrupted_archives_never_panics(content in prop::collection::vec(any::<u8>(), 0..1200),
                                               flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut archive = write_tar(Vec::new(), [("dir/file.bin".to_string(), content)]).expect("written");
        for (at, byte) in flips {
            let index = at.index(archive.len());
            archive[index] = byte;
        }
        // Fix the checksum now and then so corrupt headers get past it into the parser.
        let _ = read_tar(&archive, &ArchiveLimits::default());
        let mut header = tar::Header::new_old();
        header.as_mut_bytes().copy_from_slice(&archive[..512]);
        header.set_cksum();
        archive[..512].copy_from_slice(header.as_bytes());
        let _ = read_tar(&archive, &ArchiveLimits::default());
    }
}
