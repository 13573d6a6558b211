/** How a file of an experiment is shown inline, by its stored media type (and path). */
export type MediaKind = 'image' | 'audio' | 'video' | 'csv' | 'table' | 'text';

/**
 * The inline view of a file, or null for one shown only in the file list. Tables logged by
 * the SDK (`tables/<name>/<step>.json`, `{"columns": […], "rows": [[…]]}`) are drawn as
 * tables; other JSON, like HTML, is shown as text, never rendered.
 */
export function mediaKind(mime: string, path: string): MediaKind | null {
  const type = mime.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type === 'text/csv' || (type === 'application/octet-stream' && path.toLowerCase().endsWith('.csv'))) return 'csv';
  if (type === 'application/json') return path.startsWith('tables/') ? 'table' : 'text';
  if (type.startsWith('text/')) return 'text';
  return null;
}

/** The largest file of each kind fetched to be shown inline; larger ones offer a download. */
export const INLINE_LIMIT_BYTES: Record<MediaKind, number> = {
  image: 20 * 1024 * 1024,
  audio: 50 * 1024 * 1024,
  video: 100 * 1024 * 1024,
  csv: 2 * 1024 * 1024,
  table: 2 * 1024 * 1024,
  text: 1024 * 1024,
};

export interface Table {
  columns: string[];
  rows: unknown[][];
  /** Rows left out after `maxRows`. */
  omitted: number;
}

/**
 * RFC 4180 CSV: fields separated by commas, a quoted field may hold commas, newlines and
 * doubled quotes; lines end in LF or CRLF. The first record names the columns; short records
 * are padded with empty fields. A leading byte-order mark is dropped.
 */
export function parseCsv(text: string, maxRows = 1000): Table {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endRecord();
    } else {
      field += c;
    }
  }
  // The last record, unless the text ended with a line break.
  if (field !== '' || record.length > 0) endRecord();
  const [header = [], ...body] = records;
  const width = body.reduce((widest, r) => Math.max(widest, r.length), header.length);
  const pad = (r: string[]) => [...r, ...Array<string>(width - r.length).fill('')];
  return {
    columns: pad(header),
    rows: body.slice(0, maxRows).map(pad),
    omitted: Math.max(0, body.length - maxRows),
  };
}

/** A table the SDK logged (`{"columns": [...], "rows": [[...]]}`), or null for other JSON. */
export function readJsonTable(text: string, maxRows = 1000): Table | null {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return null;
  }
  if (document === null || typeof document !== 'object') return null;
  const { columns, rows } = document as { columns?: unknown; rows?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(rows) || !rows.every(Array.isArray)) return null;
  return {
    columns: columns.map(String),
    rows: (rows as unknown[][]).slice(0, maxRows),
    omitted: Math.max(0, rows.length - maxRows),
  };
}

/** A table cell as text: strings as they are, null empty, anything else as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
