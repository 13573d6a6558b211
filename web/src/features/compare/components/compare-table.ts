/** Leaf paths of a features object, dotted (`optimizer.lr`); arrays and scalars are leaves. */
export function flattenFeatures(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = value;
    for (const [key, child] of entries) flattenFeatures(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

export interface CompareRow {
  path: string;
  /** Each run's value as text, in the runs' order; null where the run lacks the path. */
  cells: (string | null)[];
  /** Per cell: whether it differs from the first run's. */
  differs: boolean[];
  /** Whether any run differs from another. */
  anyDiffers: boolean;
}

const text = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** One row per feature path of any run (sorted), each run's value, and which cells differ from the first. */
export function compareFeatures(runs: readonly unknown[]): CompareRow[] {
  const flat = runs.map((features) => flattenFeatures(features));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return paths.map((path) => {
    const cells = flat.map((f) => (path in f ? text(f[path]) : null));
    const differs = cells.map((cell) => cell !== cells[0]);
    return { path, cells, differs, anyDiffers: differs.some(Boolean) };
  });
}

/** `?runs=2,3,5` → [2, 3, 5] (positive integers, first occurrence kept). */
export function parseRuns(param: string | null): number[] {
  if (!param) return [];
  const numbers = param
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(numbers)];
}
