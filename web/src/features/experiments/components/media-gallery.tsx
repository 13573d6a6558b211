import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Button } from '@/components/ui/button';
import { useObjectUrlRef } from '@/lib/object-url';
import { saveBlob } from '@/lib/rest';
import { fileContentQueryOptions, useFileContent, useFileText } from '../api/file-content';
import { useFileTree } from '../api/files';
import { cellText, INLINE_LIMIT_BYTES, mediaKind, parseCsv, readJsonTable, type MediaKind, type Table } from './media';

/** How many media files show at first (and how many more each "Show more" adds). */
const MEDIA_PAGE = 12;

/** Pictures and sound first, then tables, then text (configs and logs are text too). */
const KIND_ORDER: readonly MediaKind[] = ['image', 'video', 'audio', 'table', 'csv', 'text'];

interface MediaItem {
  path: string;
  mime: string;
  size: number;
  kind: MediaKind;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The experiment's images, audio, video, text and tables, drawn inline (first few, then more on demand). */
export function MediaGallery({ project, number, experimentId }: { project: string; number: number; experimentId: string }) {
  const { data, error, isPending } = useFileTree({ project, number });
  const [limit, setLimit] = useState(MEDIA_PAGE);
  if (isPending) return <Loading what="Loading the media" />;
  if (error) return <ErrorState error={error} />;
  const items: MediaItem[] = data.files.entries
    .flatMap((entry) => {
      const kind = entry.current ? mediaKind(entry.current.mime, entry.path) : null;
      return entry.current && kind ? [{ path: entry.path, mime: entry.current.mime, size: entry.current.size, kind }] : [];
    })
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.path.localeCompare(b.path));
  if (items.length === 0) return <Empty>No images, audio, video, text or tables recorded.</Empty>;
  return (
    <div className="flex flex-col gap-3">
      <div className="grid gap-3 md:grid-cols-2">
        {items.slice(0, limit).map((item) => (
          <figure key={item.path} data-testid="media-item" data-kind={item.kind} data-path={item.path} className="flex min-w-0 flex-col gap-1">
            <figcaption className="flex items-baseline gap-2 text-xs text-muted-foreground">
              <span className="truncate font-mono">{item.path}</span>
              <span>{sizeText(item.size)}</span>
              <DownloadButton experimentId={experimentId} path={item.path} />
            </figcaption>
            {item.size > INLINE_LIMIT_BYTES[item.kind] ? (
              <p className="text-sm text-muted-foreground">Too large to show here.</p>
            ) : (
              <MediaView experimentId={experimentId} item={item} />
            )}
          </figure>
        ))}
      </div>
      {items.length > limit ? (
        <Button variant="outline" size="sm" className="self-start" onClick={() => setLimit((n) => n + MEDIA_PAGE)}>
          Show more ({items.length - limit} left)
        </Button>
      ) : null}
    </div>
  );
}

function DownloadButton({ experimentId, path }: { experimentId: string; path: string }) {
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const download = async () => {
    try {
      setError(null);
      saveBlob(await client.fetchQuery(fileContentQueryOptions({ experimentId, path })), path.split('/').pop() ?? 'file');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <button type="button" className="ml-auto cursor-pointer underline-offset-2 hover:underline" onClick={() => void download()}>
        Download
      </button>
      {error ? <ErrorState error={error} /> : null}
    </>
  );
}

function MediaView({ experimentId, item }: { experimentId: string; item: MediaItem }) {
  const file = { experimentId, path: item.path };
  switch (item.kind) {
    case 'image':
    case 'audio':
    case 'video':
      return <BinaryMedia file={file} kind={item.kind} />;
    case 'csv':
    case 'table':
    case 'text':
      return <TextMedia file={file} kind={item.kind} />;
  }
}

function BinaryMedia({ file, kind }: { file: { experimentId: string; path: string }; kind: 'image' | 'audio' | 'video' }) {
  const { data, error, isPending } = useFileContent(file);
  const source = useObjectUrlRef(data);
  if (isPending) return <Loading what="Loading" />;
  if (error) return <ErrorState error={error} />;
  if (kind === 'image') {
    return <img ref={source} alt={file.path} className="max-h-80 w-auto self-start rounded border border-border object-contain" />;
  }
  if (kind === 'audio') return <audio ref={source} controls className="w-full" aria-label={file.path} />;
  return <video ref={source} controls className="max-h-80 w-full rounded border border-border" aria-label={file.path} />;
}

function TextMedia({ file, kind }: { file: { experimentId: string; path: string }; kind: 'csv' | 'table' | 'text' }) {
  const { data, error, isPending } = useFileText(file);
  if (isPending) return <Loading what="Loading" />;
  if (error) return <ErrorState error={error} />;
  const table = kind === 'csv' ? parseCsv(data) : kind === 'table' ? readJsonTable(data) : null;
  if (table) return <DataTable table={table} label={file.path} />;
  return (
    <pre data-testid="media-text" className="max-h-80 overflow-auto whitespace-pre-wrap rounded border border-border bg-muted p-2 font-mono text-xs">
      {data}
    </pre>
  );
}

function DataTable({ table, label }: { table: Table; label: string }) {
  return (
    <div className="max-h-80 overflow-auto rounded border border-border">
      <table data-testid="media-table" aria-label={label} className="w-full text-left text-xs tabular-nums">
        <thead className="sticky top-0 bg-muted">
          <tr>
            {table.columns.map((column, i) => (
              <th key={i} scope="col" className="px-2 py-1 font-medium">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r} className="border-t border-border">
              {row.map((cell, c) => (
                <td key={c} className="px-2 py-0.5">
                  {cellText(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {table.omitted > 0 ? <p className="p-2 text-xs text-muted-foreground">{table.omitted} more rows not shown.</p> : null}
    </div>
  );
}
