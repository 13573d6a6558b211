import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { FileDiff } from '../api/files';
import { SideBySideDiff } from './file-diff';
import { sideBySideRows } from './side-by-side';

const line = (kind: 'CONTEXT' | 'ADDED' | 'REMOVED', oldNumber: number | null, newNumber: number | null, ...segments: [string, boolean][]) => ({
  kind,
  oldNumber,
  newNumber,
  segments: segments.map(([text, changed]) => ({ text, changed })),
});

const diff: FileDiff = {
  path: 'config.yaml',
  binary: false,
  left: { hash: 'a'.repeat(64), size: 30, mime: 'text/plain' },
  right: { hash: 'b'.repeat(64), size: 31, mime: 'text/plain' },
  added: 2,
  removed: 1,
  truncated: false,
  hunks: [
    {
      oldStart: 1,
      oldLines: 2,
      newStart: 1,
      newLines: 3,
      lines: [
        line('CONTEXT', 1, 1, ['name: <b>run</b>', false]),
        line('REMOVED', 2, null, ['lr: ', false], ['0.1', true]),
        line('ADDED', null, 2, ['lr: ', false], ['0.001', true]),
        line('ADDED', null, 3, ['<script>alert(1)</script>', false]),
      ],
    },
  ],
};

describe('sideBySideRows', () => {
  it('pairs removed runs with the added lines after them, context on both sides', () => {
    const rows = sideBySideRows(diff.hunks[0]!.lines);
    expect(rows.map((r) => [r.left?.oldNumber ?? null, r.right?.newNumber ?? null])).toEqual([
      [1, 1],
      [2, 2],
      [null, 3],
    ]);
  });
});

describe('SideBySideDiff', () => {
  it('renders added and removed rows with inline highlights', () => {
    const { container } = render(<SideBySideDiff diff={diff} />);
    const rows = screen.getAllByTestId('diff-row');
    expect(rows).toHaveLength(3);
    const removed = container.querySelectorAll('[data-kind="removed"]');
    const added = container.querySelectorAll('[data-kind="added"]');
    expect(removed).toHaveLength(1);
    expect(added).toHaveLength(2);
    expect(removed[0]).toHaveAttribute('data-side', 'left');
    expect(within(rows[1]!).getAllByTestId('diff-highlight').map((m) => m.textContent)).toEqual(['0.1', '0.001']);
    // The lone added line has an empty left side.
    expect(rows[2]!.querySelector('[data-side="left"]')).toBeNull();
  });

  it('keeps HTML in file content as text', () => {
    const { container } = render(<SideBySideDiff diff={diff} />);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(screen.getByText('<script>alert(1)</script>')).toBeInTheDocument();
    expect(screen.getAllByText('name: <b>run</b>')).toHaveLength(2); // a context line, on both sides
  });

  it('shows the binary fallback with sizes and hashes', () => {
    render(<SideBySideDiff diff={{ ...diff, binary: true, hunks: [] }} />);
    const box = screen.getByTestId('binary-diff');
    expect(box).toHaveTextContent('binary: sizes/hashes differ');
    expect(box).toHaveTextContent('30 B');
    expect(box).toHaveTextContent('aaaaaaaaaaaa');
    expect(box).toHaveTextContent('31 B');
  });
});
