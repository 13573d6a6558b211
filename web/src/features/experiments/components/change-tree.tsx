import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';
import type { FileStatusGql } from '@/lib/generated/graphql';
import { cn } from '@/lib/utils';

/** One path with its status against the other experiment (files and source code alike). */
export interface ChangeEntry {
  path: string;
  status: FileStatusGql;
}

/** What a tree view of an experiment is given: the run, and the selected path in the URL. */
export interface TreeProps {
  project: string;
  number: number;
  selected: string;
  onSelect: (path: string) => void;
}

/** One path's diff between experiments `left` (the other) and `right` (this one). */
export interface DiffTarget {
  project: string;
  left: number;
  right: number;
  path: string;
}

const STATUS: Record<FileStatusGql, { label: string; tone: string }> = {
  ADDED: { label: 'added', tone: 'border-green-600/50 text-green-700 dark:text-green-400' },
  MODIFIED: { label: 'changed', tone: 'border-amber-600/50 text-amber-700 dark:text-amber-400' },
  DELETED: { label: 'removed', tone: 'border-red-600/50 text-red-700 dark:text-red-400' },
  UNCHANGED: { label: 'unchanged', tone: 'text-muted-foreground' },
};

/** Entries grouped by folder (`` for the root), folders and names sorted. */
export function groupByFolder<E extends ChangeEntry>(entries: readonly E[]): [string, E[]][] {
  const groups = new Map<string, E[]>();
  for (const entry of entries) {
    const slash = entry.path.lastIndexOf('/');
    const folder = slash < 0 ? '' : entry.path.slice(0, slash);
    groups.set(folder, [...(groups.get(folder) ?? []), entry]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([folder, list]) => [folder, list.sort((a, b) => a.path.localeCompare(b.path))]);
}

/**
 * Paths by folder with their status against experiment `against`; a changed path is a button
 * that selects it, and `renderDiff` draws the selected one's diff below the tree.
 */
export function ChangeTree({
  label,
  testId,
  entries,
  against,
  number,
  selected,
  onSelect,
  renderDiff,
}: {
  /** The list's accessible name. */
  label: string;
  /** Test ids: `<testId>-changes` for the whole, `<testId>-entry` for each path. */
  testId: string;
  entries: readonly ChangeEntry[];
  against: number | null;
  number: number;
  selected: string;
  onSelect: (path: string) => void;
  renderDiff: (path: string, against: number) => ReactNode;
}) {
  const current = entries.find((e) => e.path === selected);
  return (
    <div className="flex flex-col gap-3" data-testid={`${testId}-changes`}>
      <ul aria-label={label} className="flex flex-col gap-2 text-sm">
        {groupByFolder(entries).map(([folder, list]) => (
          <li key={folder}>
            <p className="font-mono text-xs text-muted-foreground">{folder === '' ? './' : `${folder}/`}</p>
            <ul className="ml-3">
              {list.map((entry) => {
                const name = entry.path.slice(folder === '' ? 0 : folder.length + 1);
                const status = STATUS[entry.status];
                const diffable = against != null && entry.status !== 'UNCHANGED';
                return (
                  <li key={entry.path} data-testid={`${testId}-entry`} data-path={entry.path} data-status={entry.status} className="flex items-center gap-2">
                    {diffable ? (
                      <button
                        type="button"
                        onClick={() => onSelect(entry.path)}
                        aria-pressed={selected === entry.path}
                        className={cn('cursor-pointer font-mono hover:underline', selected === entry.path && 'font-semibold underline')}
                      >
                        {name}
                      </button>
                    ) : (
                      <span className="font-mono">{name}</span>
                    )}
                    <Badge className={status.tone}>{status.label}</Badge>
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ul>
      {current && against != null ? (
        <div>
          <p className="mb-1 text-sm">
            <span className="font-mono">{current.path}</span>: #{against} → #{number}
          </p>
          {renderDiff(current.path, against)}
        </div>
      ) : null}
    </div>
  );
}
