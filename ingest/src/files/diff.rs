//! The side-by-side text diff the UI shows: hunks of numbered lines with the changed words of
//! a replaced line marked.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp};

/// How many leading bytes [`is_text`] looks at for NUL bytes.
const SNIFF_BYTES: usize = 8 * 1024;
/// How long the line diff and the word highlights of one call may take together; past it
/// similar approximates (a correct but less minimal diff) instead of going on.
const DIFF_TIMEOUT: Duration = Duration::from_millis(500);
/// Replaced blocks larger than this many lines (both sides together) get no word highlight:
/// the UI cannot show more anyway and the word diff would dominate the time.
const MAX_INLINE_LINES: usize = 200;

/// A file version as the diff sees it: text, or bytes it does not diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileContent<'a> {
    /// UTF-8 text.
    Text(&'a str),
    /// Anything else (images, checkpoints, ...); only "changed or not" is shown.
    Binary,
}

impl<'a> FileContent<'a> {
    /// Text when [`is_text`] says so, else binary.
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) if !has_early_nul(bytes) => FileContent::Text(text),
            _ => FileContent::Binary,
        }
    }
}

/// Whether `bytes` are text: valid UTF-8 throughout and no NUL in the first 8 KiB.
pub fn is_text(bytes: &[u8]) -> bool {
    !has_early_nul(bytes) && std::str::from_utf8(bytes).is_ok()
}

/// Whether the first bytes of a longer content look like text: no NUL in the first 8 KiB and
/// valid UTF-8, except for a character cut at the end (a streamed upload is classified by its
/// first chunk).
pub fn starts_like_text(prefix: &[u8]) -> bool {
    !has_early_nul(prefix)
        && match std::str::from_utf8(prefix) {
            Ok(_) => true,
            Err(error) => error.error_len().is_none(),
        }
}

/// A NUL in the first 8 KiB: what git and most tools take for binary.
fn has_early_nul(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0)
}

/// What a diff line is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LineKind {
    /// Unchanged, shown around changes.
    Context,
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
}

/// A run of a line's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub text: String,
    /// Whether this run is a word that changed (only in a removed or added line paired with
    /// its counterpart).
    pub changed: bool,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    /// 1-based line number in the old version (context and removed lines).
    pub old_number: Option<u32>,
    /// 1-based line number in the new version (context and added lines).
    pub new_number: Option<u32>,
    /// The line's text without its line ending, in runs; they concatenate to the text.
    pub segments: Vec<Segment>,
    /// Whether the line has no line ending (the last line of a file that does not end with
    /// one), so "no newline at end of file" can be shown.
    pub missing_newline: bool,
}

/// A run of changes with context around it, numbered like a unified diff hunk: a side with no
/// lines starts at the line before the change (0 at the start of the file).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hunk {
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    pub lines: Vec<DiffLine>,
}

/// The diff of two texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextDiff {
    pub hunks: Vec<Hunk>,
    /// Lines added over the whole diff, including any cut off by `max_lines`.
    pub added: u32,
    /// Lines removed over the whole diff, including any cut off by `max_lines`.
    pub removed: u32,
    /// Whether hunks were cut to stay within `max_lines`.
    pub truncated: bool,
}

/// Diffs `old` against `new` line by line, with `context` unchanged lines around each change
/// and at most `max_lines` lines in all hunks together (`truncated` says when lines were cut).
///
/// Lines end at `\n`, `\r\n` or `\r`. Within a replaced block the words that changed are
/// marked. The work is bounded by a deadline: past it the diff is still correct but may mark
/// more lines as changed than a minimal diff would.
pub fn text_diff(old: &str, new: &str, context: usize, max_lines: usize) -> TextDiff {
    let deadline = Instant::now() + DIFF_TIMEOUT;
    let diff = similar::TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(deadline)
        .diff_lines(old, new);

    let (mut added, mut removed) = (0usize, 0usize);
    for op in diff.ops() {
        match op.tag() {
            similar::DiffTag::Equal => {}
            _ => {
                added += op.new_range().len();
                removed += op.old_range().len();
            }
        }
    }

    // similar doubles the context when grouping; keep it from overflowing.
    let context = context.min(usize::MAX / 4);
    let mut builder = HunkBuilder {
        diff: &diff,
        deadline,
        hunks: Vec::new(),
        budget: max_lines,
        truncated: false,
    };
    for group in diff.grouped_ops(context) {
        if !builder.add_group(&group) {
            break;
        }
    }
    TextDiff {
        hunks: builder.hunks,
        added: saturate(added),
        removed: saturate(removed),
        truncated: builder.truncated,
    }
}

/// A line diff borrowed for as long as its inputs (similar's inline changes require it; the
/// diff's lifetimes shrink to the borrow's).
type LineDiff<'d> = similar::TextDiff<'d, 'd, 'd, str>;

/// Turns similar's grouped ops into hunks within the line budget.
struct HunkBuilder<'d> {
    diff: &'d LineDiff<'d>,
    deadline: Instant,
    hunks: Vec<Hunk>,
    /// Lines that may still be emitted.
    budget: usize,
    truncated: bool,
}

impl HunkBuilder<'_> {
    /// Adds one group as a hunk; false once the budget is spent (the diff is then truncated).
    fn add_group(&mut self, group: &[DiffOp]) -> bool {
        let Some(first) = group.first() else {
            return true;
        };
        let old_index = first.old_range().start;
        let new_index = first.new_range().start;
        let mut lines = Vec::new();
        let mut complete = true;
        'ops: for op in group {
            // One line past the budget is enough to know the diff is cut.
            for line in self.op_lines(op, self.budget.saturating_add(1)) {
                if self.budget == 0 {
                    complete = false;
                    break 'ops;
                }
                self.budget -= 1;
                lines.push(line);
            }
        }
        if !complete {
            self.truncated = true;
        }
        if lines.iter().any(|line| line.kind != LineKind::Context) {
            self.hunks.push(hunk(old_index, new_index, lines));
        }
        complete
    }

    /// The first `limit` lines of one op, with word highlights for a replaced block that is
    /// not too large.
    fn op_lines(&self, op: &DiffOp, limit: usize) -> Vec<DiffLine> {
        let diff = self.diff;
        let block_lines = op.old_range().len() + op.new_range().len();
        if op.tag() == similar::DiffTag::Replace && block_lines <= MAX_INLINE_LINES {
            return diff
                .iter_inline_changes_deadline(op, Some(self.deadline))
                .map(|change| {
                    let words = change.values().iter().map(|&(changed, text)| (changed, text));
                    self.line(change.tag(), change.old_index(), change.new_index(), words)
                })
                .take(limit)
                .collect();
        }
        diff.iter_changes(op)
            .take(limit)
            .map(|change| {
                let words = std::iter::once((false, change.value()));
                self.line(change.tag(), change.old_index(), change.new_index(), words)
            })
            .collect()
    }

    /// One line, its text cut into `words` (which include the line ending).
    fn line<'w>(
        &self,
        tag: ChangeTag,
        old_index: Option<usize>,
        new_index: Option<usize>,
        words: impl Iterator<Item = (bool, &'w str)>,
    ) -> DiffLine {
        let full_line = match (tag, old_index, new_index) {
            (ChangeTag::Insert, _, Some(index)) => self.diff.new_slices().get(index),
            (_, Some(index), _) => self.diff.old_slices().get(index),
            _ => None,
        }
        .copied()
        .unwrap_or_default();
        let text = strip_line_ending(full_line);
        DiffLine {
            kind: match tag {
                ChangeTag::Equal => LineKind::Context,
                ChangeTag::Insert => LineKind::Added,
                ChangeTag::Delete => LineKind::Removed,
            },
            old_number: old_index.map(line_number),
            new_number: new_index.map(line_number),
            segments: segments(text, words),
            missing_newline: text.len() == full_line.len(),
        }
    }
}

/// A hunk starting at the given 0-based indices, numbered like a unified diff.
fn hunk(old_index: usize, new_index: usize, lines: Vec<DiffLine>) -> Hunk {
    let old_lines = lines.iter().filter(|line| line.kind != LineKind::Added).count();
    let new_lines = lines.iter().filter(|line| line.kind != LineKind::Removed).count();
    let start = |index: usize, count: usize| {
        if count == 0 {
            saturate(index)
        } else {
            line_number(index)
        }
    };
    Hunk {
        old_start: start(old_index, old_lines),
        old_lines: saturate(old_lines),
        new_start: start(new_index, new_lines),
        new_lines: saturate(new_lines),
        lines,
    }
}

/// The segments of `text` from `words` (which cover the line, ending included), adjacent
/// words of the same kind merged; one unchanged segment when they do not add up to the text.
fn segments<'w>(text: &str, words: impl Iterator<Item = (bool, &'w str)>) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut remaining = text.len();
    for (changed, word) in words {
        if remaining == 0 {
            break;
        }
        // Cut the line ending off the last words; `get` keeps a char boundary or gives up.
        let Some(word) = word.get(..word.len().min(remaining)) else {
            break;
        };
        remaining -= word.len();
        match segments.last_mut() {
            Some(last) if last.changed == changed => last.text.push_str(word),
            _ => segments.push(Segment {
                text: word.to_owned(),
                changed,
            }),
        }
    }
    let joined: String = segments.iter().map(|segment| segment.text.as_str()).collect();
    if joined != text {
        return vec![Segment {
            text: text.to_owned(),
            changed: false,
        }];
    }
    segments
}

/// A line without its `\n`, `\r\n` or `\r`.
fn strip_line_ending(line: &str) -> &str {
    line.strip_suffix("\r\n")
        .or_else(|| line.strip_suffix('\n'))
        .or_else(|| line.strip_suffix('\r'))
        .unwrap_or(line)
}

fn line_number(index: usize) -> u32 {
    saturate(index.saturating_add(1))
}

fn saturate(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_text(line: &DiffLine) -> String {
        line.segments
            .iter()
            .map(|segment| segment.text.as_str())
            .collect()
    }

    fn changed_words(line: &DiffLine) -> Vec<&str> {
        line.segments
            .iter()
            .filter(|segment| segment.changed)
            .map(|segment| segment.text.as_str())
            .collect()
    }

    #[test]
    fn identical_texts_have_no_hunks() {
        let diff = text_diff("a\nb\n", "a\nb\n", 3, 100);
        assert_eq!(
            diff,
            TextDiff {
                hunks: vec![],
                added: 0,
                removed: 0,
                truncated: false
            }
        );
    }

    #[test]
    fn a_changed_line_is_paired_and_its_changed_word_marked() {
        let old = "lr: 0.1\nepochs: 10\nbatch: 32\n";
        let new = "lr: 0.1\nepochs: 20\nbatch: 32\n";
        let diff = text_diff(old, new, 1, 100);
        assert_eq!((diff.added, diff.removed, diff.truncated), (1, 1, false));
        let [hunk] = &diff.hunks[..] else {
            panic!("one hunk expected: {diff:?}");
        };
        assert_eq!(
            (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines),
            (1, 3, 1, 3)
        );
        let kinds: Vec<_> = hunk.lines.iter().map(|line| line.kind.clone()).collect();
        use LineKind::*;
        assert_eq!(kinds, [Context, Removed, Added, Context]);
        let removed = &hunk.lines[1];
        let added = &hunk.lines[2];
        assert_eq!((removed.old_number, removed.new_number), (Some(2), None));
        assert_eq!((added.old_number, added.new_number), (None, Some(2)));
        assert_eq!(line_text(removed), "epochs: 10");
        assert_eq!(line_text(added), "epochs: 20");
        assert_eq!(changed_words(removed), ["10"]);
        assert_eq!(changed_words(added), ["20"]);
        assert!(!hunk.lines[0].missing_newline);
        assert!(changed_words(&hunk.lines[0]).is_empty());
    }

    #[test]
    fn line_endings_are_not_part_of_the_text_and_a_missing_one_is_flagged() {
        let diff = text_diff("a\r\nb\r\n", "a\r\nc", 0, 100);
        let lines = &diff.hunks[0].lines;
        assert_eq!(line_text(&lines[0]), "b");
        assert_eq!(line_text(&lines[1]), "c");
        assert!(!lines[0].missing_newline);
        assert!(lines[1].missing_newline);
    }

    #[test]
    fn pure_additions_are_numbered_like_unified_diffs() {
        let diff = text_diff("a\nb\n", "a\nnew\nb\n", 0, 100);
        let hunk = &diff.hunks[0];
        assert_eq!(
            (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines),
            (1, 0, 2, 1)
        );
        let diff = text_diff("", "x\n", 0, 100);
        let hunk = &diff.hunks[0];
        assert_eq!(
            (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines),
            (0, 0, 1, 1)
        );
    }

    #[test]
    fn max_lines_truncates_but_counts_everything() {
        let old: String = (0..100).map(|i| format!("{i}\n")).collect();
        let new: String = (0..100).map(|i| format!("{}\n", i * 7)).collect();
        let diff = text_diff(&old, &new, 3, 10);
        assert!(diff.truncated);
        let shown: usize = diff.hunks.iter().map(|hunk| hunk.lines.len()).sum();
        assert_eq!(shown, 10);
        assert!(diff.added > 10 && diff.removed > 10);
        for hunk in &diff.hunks {
            let old_side = hunk
                .lines
                .iter()
                .filter(|line| line.kind != LineKind::Added)
                .count();
            assert_eq!(hunk.old_lines as usize, old_side);
        }
        let nothing = text_diff("a\n", "b\n", 3, 0);
        assert!(nothing.truncated && nothing.hunks.is_empty());
    }

    #[test]
    fn huge_context_does_not_overflow() {
        let diff = text_diff("a\nb\nc\n", "a\nB\nc\n", usize::MAX, usize::MAX);
        assert_eq!(diff.hunks[0].lines.len(), 4);
    }

    #[test]
    fn is_text_refuses_invalid_utf8_and_early_nul() {
        assert!(is_text(b"hello\n"));
        assert!(is_text(b""));
        assert!(!is_text(b"a\0b"));
        assert!(!is_text(&[0xff, 0xfe]));
        let mut late_nul = vec![b'a'; SNIFF_BYTES];
        late_nul.push(0);
        assert!(is_text(&late_nul), "NUL past the first 8 KiB is not looked at");
        assert_eq!(FileContent::from_bytes(b"x"), FileContent::Text("x"));
        let cut = &"état".as_bytes()[..1];
        assert!(starts_like_text(cut), "a character cut at the end of a prefix");
        assert!(!starts_like_text(&[0xff, b'a']));
        assert!(!starts_like_text(b"a\0"));
        assert_eq!(FileContent::from_bytes(b"\0"), FileContent::Binary);
    }

    #[test]
    #[ignore = "timing; run with --release -- --ignored --nocapture"]
    fn time_a_10000_line_diff_with_50_changes() {
        let old: Vec<String> = (0..10_000)
            .map(|i| format!("line {i}: value = {}", i * 31 % 977))
            .collect();
        let mut new = old.clone();
        for i in (0..10_000).step_by(200) {
            new[i] = format!("line {i}: value = changed {i}");
        }
        let (old, new) = (old.join("\n") + "\n", new.join("\n") + "\n");
        let started = Instant::now();
        let runs = 20;
        for _ in 0..runs {
            let diff = text_diff(&old, &new, 3, 100_000);
            assert_eq!((diff.added, diff.removed), (50, 50));
        }
        println!(
            "text_diff 10,000 lines, 50 changed: {:?} per call",
            started.elapsed() / runs
        );

        // Few lines in common: Myers' worst case, cut short by the deadline.
        let old: String = (0..20_000)
            .map(|i| {
                if i % 2 == 0 {
                    "same\n".to_string()
                } else {
                    format!("old {i}\n")
                }
            })
            .collect();
        let new: String = (0..20_000)
            .map(|i| {
                if i % 3 == 0 {
                    "same\n".to_string()
                } else {
                    format!("new {i}\n")
                }
            })
            .collect();
        let started = Instant::now();
        let diff = text_diff(&old, &new, 3, 1_000);
        println!(
            "text_diff 20,000 mostly different lines: {:?} (truncated: {})",
            started.elapsed(),
            diff.truncated
        );
    }
}
