// What the settings forms share: lists typed one entry a line, numbers and byte sizes typed as
// text, and the result of turning a form into a mutation's input.

/** A form's messages by field: the browser's own checks, or the server's refusal. */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** The messages without `field`'s (its value was edited). */
export function withoutField<F extends string>(errors: FieldErrors<F>, field: F): FieldErrors<F> {
  const rest = { ...errors };
  delete rest[field];
  return rest;
}

/** A form turned into a mutation's input, or the fields that cannot be sent as typed. */
export type Parsed<I, F extends string> = { ok: true; input: I } | { ok: false; errors: FieldErrors<F> };

/**
 * A list typed one entry a line: entries trimmed, blank lines and repeats dropped. Lines, not
 * commas: a glob's `{a,b}` alternation has commas.
 */
export function parseList(text: string): string[] {
  const entries = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return [...new Set(entries)];
}

/** A list as the text `parseList` reads back. */
export function formatList(entries: readonly string[]): string {
  return entries.join('\n');
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** A finite number typed as text, or the reason it is not one. */
export function parseNumber(text: string): { value: number } | { error: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) return { error: 'must be a number' };
  return { value };
}

// Decimal units are powers of 1000, binary ones (with an `i`) powers of 1024.
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Units for showing a size exactly, largest first: binary ones before decimal ones. */
const EXACT_UNITS: readonly [string, number][] = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
  ['TB', 1e12],
  ['GB', 1e9],
  ['MB', 1e6],
  ['KB', 1e3],
];

/**
 * A byte size typed as `1048576`, `512 KB` or `1.5 GiB` (units in any case), or the reason
 * it is not one. The server takes whole bytes up to 2^53.
 */
export function parseBytes(text: string): { value: number } | { error: string } {
  const [, amount, unitName = ''] = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim()) ?? [];
  const unit = BYTE_UNITS[unitName.toLowerCase() || 'b'];
  if (amount === undefined || unit === undefined) return { error: 'must be a size such as 1048576, 500 MB or 1 GiB' };
  const value = Math.round(Number(amount) * unit);
  if (!Number.isSafeInteger(value)) return { error: 'is too large' };
  return { value };
}

/** A byte size in the largest unit that shows it exactly (`20 GiB`, `500 MB`), else in bytes. */
export function formatBytes(bytes: number): string {
  const exact = EXACT_UNITS.find(([, size]) => bytes > 0 && bytes % size === 0);
  return exact ? `${bytes / exact[1]} ${exact[0]}` : `${bytes} B`;
}
