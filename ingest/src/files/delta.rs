//! Compact storage of a file version as a delta against a base version: copies of base lines
//! plus inserted bytes. Works on any bytes; "lines" are runs ending at `\n` (the last one may
//! not end with it), so binary files round-trip too, just with larger deltas.
//!
//! # Format (version 1)
//!
//! ```text
//! "RD" 0x01                       magic and version
//! varint base_len                 the base's length in bytes (checked on apply)
//! varint target_len               the result's length in bytes
//! then operations to the end:
//!   0x01 varint first varint count    copy base lines first..first+count
//!   0x02 varint len <len bytes>       insert the bytes
//! ```
//!
//! Varints are unsigned LEB128 (7 bits a byte, least significant first, at most 10 bytes).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp};

use super::invalid;
use crate::{Error, Result};

/// The format version [`encode_delta`] writes (the third byte of a delta).
pub const DELTA_VERSION: u8 = 1;
const MAGIC: &[u8; 2] = b"RD";
const OP_COPY: u8 = 0x01;
const OP_INSERT: u8 = 0x02;
/// How long the line diff may take; past it similar approximates (still a correct delta).
const DIFF_TIMEOUT: Duration = Duration::from_secs(1);
/// Over this many lines (both sides together) the delta is one insert: interning and diffing
/// that many lines costs more than the delta saves.
const MAX_DIFF_LINES: usize = 4_000_000;

/// Encodes `target` as copies of `base` lines plus inserted bytes; [`apply_delta`] with the
/// same base gives `target` back. For a large text with few changed lines the delta is a few
/// dozen bytes plus the changed lines.
pub fn encode_delta(base: &[u8], target: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(MAGIC);
    out.push(DELTA_VERSION);
    write_varint(&mut out, base.len() as u64);
    write_varint(&mut out, target.len() as u64);

    let base_lines = split_lines(base);
    let target_lines = split_lines(target);
    let mut ops = OpWriter::new(out);
    if base_lines.len() + target_lines.len() > MAX_DIFF_LINES {
        ops.insert(target);
        return ops.finish();
    }

    // Diff line ids rather than the lines: one hash per line, then cheap comparisons.
    let mut ids: HashMap<&[u8], u32> = HashMap::new();
    let base_ids = intern_lines(&mut ids, &base_lines);
    let target_ids = intern_lines(&mut ids, &target_lines);
    let deadline = Instant::now() + DIFF_TIMEOUT;
    let diff =
        similar::capture_diff_slices_deadline(Algorithm::Myers, &base_ids, &target_ids, Some(deadline));

    for op in diff {
        match op {
            DiffOp::Equal { old_index, len, .. } => ops.copy(old_index, len),
            DiffOp::Delete { .. } => {}
            DiffOp::Insert { .. } | DiffOp::Replace { .. } => {
                for line in &target_lines[op.new_range()] {
                    ops.insert(line);
                }
            }
        }
    }
    ops.finish()
}

/// The id of each line, equal lines getting equal ids.
fn intern_lines<'a>(ids: &mut HashMap<&'a [u8], u32>, lines: &[&'a [u8]]) -> Vec<u32> {
    lines
        .iter()
        .map(|&line| {
            // At most MAX_DIFF_LINES distinct lines, so the count fits a u32.
            let next = ids.len() as u32;
            *ids.entry(line).or_insert(next)
        })
        .collect()
}

/// Rebuilds the target from `base` and a delta made by [`encode_delta`] against it.
///
/// Refuses (`Error::Invalid` with the field `delta`) a delta of another format or version,
/// one made for a base of another length, a truncated or malformed one and copies outside
/// the base. Never allocates more than the declared target length.
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>> {
    let mut reader = Reader { bytes: delta };
    if reader.take(MAGIC.len())? != MAGIC {
        return Err(refused("is not a delta (wrong magic bytes)"));
    }
    let version = reader.byte()?;
    if version != DELTA_VERSION {
        return Err(refused(format!(
            "has version {version}, only {DELTA_VERSION} is supported"
        )));
    }
    let base_len = reader.varint()?;
    if base_len != base.len() as u64 {
        return Err(refused(format!(
            "was made for a base of {base_len} bytes, this base has {}",
            base.len()
        )));
    }
    let target_len = reader.varint()?;
    let Ok(target_len) = usize::try_from(target_len) else {
        return Err(refused(format!(
            "declares {target_len} bytes, too many for this machine"
        )));
    };

    let line_starts = line_starts(base);
    let line_count = line_starts.len() - 1;
    // What a valid delta can produce is bounded by the declared length; a forged length is
    // caught below before anything past it is written.
    let mut target = Vec::with_capacity(target_len.min(base.len().saturating_add(delta.len())));
    while !reader.bytes.is_empty() {
        let piece = match reader.byte()? {
            OP_COPY => {
                let first = reader.varint()?;
                let count = reader.varint()?;
                let end = first.checked_add(count).filter(|&end| end <= line_count as u64);
                let Some(end) = end else {
                    return Err(refused(format!(
                        "copies {count} lines from line {first}, but the base has {line_count} lines"
                    )));
                };
                // Both are at most line_count here, so they fit a usize.
                &base[line_starts[first as usize]..line_starts[end as usize]]
            }
            OP_INSERT => {
                let len = reader.varint()?;
                let len = usize::try_from(len).map_err(|_| refused("is truncated"))?;
                reader.take(len)?
            }
            other => return Err(refused(format!("has an unknown operation 0x{other:02x}"))),
        };
        if piece.len() > target_len - target.len() {
            return Err(refused(format!(
                "produces more than the declared {target_len} bytes"
            )));
        }
        target.extend_from_slice(piece);
    }
    if target.len() != target_len {
        return Err(refused(format!(
            "produces {} bytes but declares {target_len}",
            target.len()
        )));
    }
    Ok(target)
}

fn refused(reason: impl Into<String>) -> Error {
    invalid("delta", reason)
}

/// The bytes cut after each `\n`; the last line may lack it. No lines for no bytes.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&byte| byte == b'\n').collect()
}

/// Where each line of `bytes` starts, plus `bytes.len()` at the end.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        bytes
            .iter()
            .enumerate()
            .filter(|&(index, &byte)| byte == b'\n' && index + 1 < bytes.len())
            .map(|(index, _)| index + 1),
    );
    if bytes.is_empty() {
        return starts;
    }
    starts.push(bytes.len());
    starts
}

/// Writes operations, merging adjacent copies and adjacent inserts.
struct OpWriter {
    out: Vec<u8>,
    pending_copy: Option<(usize, usize)>,
    pending_insert: Vec<u8>,
}

impl OpWriter {
    fn new(out: Vec<u8>) -> Self {
        OpWriter {
            out,
            pending_copy: None,
            pending_insert: Vec::new(),
        }
    }

    fn copy(&mut self, first: usize, count: usize) {
        if count == 0 {
            return;
        }
        self.flush_insert();
        match &mut self.pending_copy {
            Some((pending_first, pending_count)) if *pending_first + *pending_count == first => {
                *pending_count += count;
            }
            _ => {
                self.flush_copy();
                self.pending_copy = Some((first, count));
            }
        }
    }

    fn insert(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.flush_copy();
        self.pending_insert.extend_from_slice(bytes);
    }

    fn flush_copy(&mut self) {
        if let Some((first, count)) = self.pending_copy.take() {
            self.out.push(OP_COPY);
            write_varint(&mut self.out, first as u64);
            write_varint(&mut self.out, count as u64);
        }
    }

    fn flush_insert(&mut self) {
        if self.pending_insert.is_empty() {
            return;
        }
        self.out.push(OP_INSERT);
        write_varint(&mut self.out, self.pending_insert.len() as u64);
        self.out.append(&mut self.pending_insert);
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush_copy();
        self.flush_insert();
        self.out
    }
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a delta front to back; running out of bytes is a refusal, never a panic.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        if len > self.bytes.len() {
            return Err(refused("is truncated"));
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(refused("has a number over 64 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(refused("has a number over 64 bits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(base: &[u8], target: &[u8]) -> Vec<u8> {
        let delta = encode_delta(base, target);
        assert_eq!(apply_delta(base, &delta).expect("applies"), target);
        delta
    }

    fn refusal(base: &[u8], delta: &[u8]) -> String {
        match apply_delta(base, delta) {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "delta");
                reason
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn round_trips_edge_cases() {
        round_trip(b"", b"");
        round_trip(b"", b"new\n");
        round_trip(b"old\n", b"");
        round_trip(b"a\nb", b"a\nb\n");
        round_trip(b"a\nb\n", b"a\nb");
        round_trip(b"\n\n\n", b"\n\n");
        round_trip(&[0, 159, 146, 150, b'\n', 255], &[255, b'\n', 0]);
    }

    #[test]
    fn one_changed_line_in_ten_thousand_is_a_tiny_delta() {
        let base: String = (0..10_000)
            .map(|i| format!("step {i}: loss = {}\n", 1.0 / (i + 1) as f64))
            .collect();
        let target = base.replace("step 5000: loss", "step 5000: LOSS");
        let delta = round_trip(base.as_bytes(), target.as_bytes());
        println!(
            "delta of 1 changed line in 10,000: {} bytes for a {}-byte target",
            delta.len(),
            target.len()
        );
        assert!(delta.len() * 100 < target.len(), "{} bytes", delta.len());
    }

    #[test]
    fn refuses_malformed_deltas_naming_the_field() {
        let base = b"a\nb\n";
        let good = encode_delta(base, b"a\nc\nb\n");
        assert!(refusal(base, b"").contains("truncated"));
        assert!(refusal(base, b"XX\x01").contains("magic"));
        assert!(refusal(base, b"RD\x09").contains("version 9"));
        assert!(refusal(b"other", &good).contains("base of 4 bytes"));
        assert!(refusal(base, &good[..good.len() - 1]).contains("truncated"));

        let header = |target_len: u8| vec![b'R', b'D', 1, 4, target_len];
        let mut beyond = header(4);
        beyond.extend([OP_COPY, 1, 5]);
        assert!(refusal(base, &beyond).contains("the base has 2 lines"));
        let mut overflow = header(4);
        overflow.extend([
            OP_COPY, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1,
        ]);
        assert!(refusal(base, &overflow).contains("the base has 2 lines"));
        let mut too_long = header(4);
        too_long.extend([0xff; 11]);
        assert!(refusal(base, &too_long).contains("unknown operation"));
        let mut too_much = header(1);
        too_much.extend([OP_COPY, 0, 2]);
        assert!(refusal(base, &too_much).contains("more than the declared 1 bytes"));
        let mut too_little = header(9);
        too_little.extend([OP_COPY, 0, 2]);
        assert!(refusal(base, &too_little).contains("produces 4 bytes but declares 9"));
        let mut huge_varint = header(4);
        huge_varint.extend([
            OP_INSERT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ]);
        assert!(refusal(base, &huge_varint).contains("over 64 bits"));
    }
}
