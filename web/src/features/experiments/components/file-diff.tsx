import { Fragment } from 'react';
import { cn } from '@/lib/utils';
import type { FileDiff } from '../api/files';
import { type DiffLine, sideBySideRows, type TextDiff } from './side-by-side';

function Cell({ line, side }: { line: DiffLine | null; side: 'left' | 'right' }) {
  if (!line) return <><td className="w-10 select-none bg-muted/40" /><td className="bg-muted/40" /></>;
  const number = side === 'left' ? line.oldNumber : line.newNumber;
  const kind = line.kind === 'CONTEXT' ? 'context' : line.kind === 'ADDED' ? 'added' : 'removed';
  const tone =
    kind === 'added' ? 'bg-green-500/15' : kind === 'removed' ? 'bg-red-500/15' : '';
  return (
    <>
      <td className={cn('w-10 select-none pr-2 text-right text-muted-foreground', tone)}>{number ?? ''}</td>
      <td className={cn('whitespace-pre-wrap break-all pl-2', tone)} data-kind={kind} data-side={side}>
        {kind === 'added' ? '+' : kind === 'removed' ? '−' : ' '}
        {line.segments.map((segment, i) =>
          segment.changed && kind !== 'context' ? (
            <mark
              key={i}
              data-testid="diff-highlight"
              className={cn('rounded-sm text-inherit', kind === 'added' ? 'bg-green-500/40!' : 'bg-red-500/40!')}
            >
              {segment.text}
            </mark>
          ) : (
            <span key={i}>{segment.text}</span>
          ),
        )}
      </td>
    </>
  );
}

function sizeText(version: FileDiff['left']) {
  return version ? `${version.size} B, ${version.mime}, sha256 ${version.hash.slice(0, 12)}` : 'absent';
}

/** A file diff as a two-column table (left: the other experiment, right: this one); binary files by size and hash. */
export function SideBySideDiff({ diff }: { diff: FileDiff }) {
  if (diff.binary) {
    return (
      <div data-testid="binary-diff" className="rounded-md border border-border p-3 text-sm">
        <p className="font-medium">binary: sizes/hashes differ</p>
        <p className="text-muted-foreground">before: {sizeText(diff.left)}</p>
        <p className="text-muted-foreground">after: {sizeText(diff.right)}</p>
      </div>
    );
  }
  return <TextDiffTable diff={diff} />;
}

/** The hunks of a text diff side by side, with word highlights inside changed lines. */
export function TextDiffTable({ diff }: { diff: TextDiff }) {
  if (diff.hunks.length === 0) return <p className="text-sm text-muted-foreground">No line changes.</p>;
  return (
    <div className="overflow-x-auto">
      <p className="mb-1 text-xs text-muted-foreground">
        <span className="text-green-700 dark:text-green-400">+{diff.added}</span>{' '}
        <span className="text-red-700 dark:text-red-400">−{diff.removed}</span>
        {diff.truncated ? ' (cut at the line limit)' : null}
      </p>
      <table data-testid="file-diff" className="w-full table-fixed border-collapse font-mono text-xs">
        <colgroup>
          <col className="w-10" />
          <col />
          <col className="w-10" />
          <col />
        </colgroup>
        <tbody>
          {diff.hunks.map((hunk, h) => (
            <Fragment key={h}>
              <tr>
                <td colSpan={4} className="bg-muted px-2 text-muted-foreground">
                  @@ −{hunk.oldStart},{hunk.oldLines} +{hunk.newStart},{hunk.newLines} @@
                </td>
              </tr>
              {sideBySideRows(hunk.lines).map((row, r) => (
                <tr key={r} data-testid="diff-row">
                  <Cell line={row.left} side="left" />
                  <Cell line={row.right} side="right" />
                </tr>
              ))}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
