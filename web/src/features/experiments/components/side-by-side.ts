import type { FileDiff } from '../api/files';

export type DiffHunk = FileDiff['hunks'][number];
export type DiffLine = DiffHunk['lines'][number];

/** The line part of a diff, the same for files and source code. */
export interface TextDiff {
  hunks: readonly DiffHunk[];
  added: number;
  removed: number;
  truncated: boolean;
}

/** One row of a side-by-side table: a line on the left, the right or both (context). */
export interface DiffRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/**
 * Pairs a hunk's lines into rows: context lines sit on both sides; a run of removed lines
 * and the added lines after it are paired up in order, the longer run's rest alone.
 */
export function sideBySideRows(lines: readonly DiffLine[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      rows.push({ left: removed[i] ?? null, right: added[i] ?? null });
    }
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === 'REMOVED') {
      if (added.length > 0) flush();
      removed.push(line);
    } else if (line.kind === 'ADDED') {
      added.push(line);
    } else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}
