import { Empty, ErrorState, Loading } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';
import { type FileEntry, useFileDiff, useFileTree } from '../api/files';
import { SideBySideDiff } from './file-diff';

const STATUS: Record<FileEntry['status'], { label: string; tone: string }> = {
  ADDED: { label: 'added', tone: 'border-green-600/50 text-green-700 dark:text-green-400' },
  MODIFIED: { label: 'changed', tone: 'border-amber-600/50 text-amber-700 dark:text-amber-400' },
  DELETED: { label: 'removed', tone: 'border-red-600/50 text-red-700 dark:text-red-400' },
  UNCHANGED: { label: 'unchanged', tone: 'text-muted-foreground' },
};

/** Entries grouped by folder (`` for the root), folders and names sorted. */
export function groupByFolder(entries: readonly FileEntry[]): [string, FileEntry[]][] {
  const groups = new Map<string, FileEntry[]>();
  for (const entry of entries) {
    const slash = entry.path.lastIndexOf('/');
    const folder = slash < 0 ? '' : entry.path.slice(0, slash);
    groups.set(folder, [...(groups.get(folder) ?? []), entry]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([folder, list]) => [folder, list.sort((a, b) => a.path.localeCompare(b.path))]);
}

function DiffPanel({ project, left, right, path }: { project: string; left: number; right: number; path: string }) {
  const { data, error, isPending } = useFileDiff({ project, left, right, path });
  if (isPending) return <Loading what="Loading the diff" />;
  if (error) return <ErrorState error={error} />;
  return <SideBySideDiff diff={data.fileDiff} />;
}

/** The experiment's files with their status against the parent; a click opens a diff. */
export function FileTree({
  project,
  number,
  selected,
  onSelect,
}: {
  project: string;
  number: number;
  selected: string;
  onSelect: (path: string) => void;
}) {
  const { data, error, isPending } = useFileTree({ project, number });
  if (isPending) return <Loading what="Loading the files" />;
  if (error) return <ErrorState error={error} />;
  const { against, entries } = data.files;
  if (entries.length === 0) return <Empty>No files recorded.</Empty>;
  const current = entries.find((e) => e.path === selected);
  return (
    <div className="flex flex-col gap-3">
      <ul aria-label="Files" className="flex flex-col gap-2 text-sm">
        {groupByFolder(entries).map(([folder, list]) => (
          <li key={folder}>
            <p className="font-mono text-xs text-muted-foreground">{folder === '' ? './' : `${folder}/`}</p>
            <ul className="ml-3">
              {list.map((entry) => {
                const name = entry.path.slice(folder === '' ? 0 : folder.length + 1);
                const status = STATUS[entry.status];
                const diffable = against != null && entry.status !== 'UNCHANGED';
                return (
                  <li key={entry.path} data-testid="file-entry" data-path={entry.path} data-status={entry.status} className="flex items-center gap-2">
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
          <DiffPanel project={project} left={against} right={number} path={current.path} />
        </div>
      ) : null}
    </div>
  );
}
