import type { Direction } from '@/lib/generated/graphql';
import { toNumber, type MetricValue } from '@/lib/metric-value';

export type CellClass = 'improved' | 'regressed' | 'unchanged' | 'nan' | 'missing';

/** What a value is compared with: the experiment's parent, or the table's baseline run. */
export type Comparison = 'parent' | 'baseline';

/** One value and how it compares with one other run. */
export interface CellInput {
  value: MetricValue;
  delta: MetricValue;
  improved: boolean | null;
  missing: boolean;
}

/** A table cell as the server sends it: deltas and flags against the parent and the baseline. */
export interface ComparedCell {
  value: MetricValue;
  deltaParent: MetricValue;
  deltaBaseline: MetricValue;
  improvedParent: boolean | null;
  improvedBaseline: boolean | null;
  missing: boolean;
}

/** The cell's value with its delta and flag against the chosen comparison. */
export function comparedWith(cell: ComparedCell, comparison: Comparison): CellInput {
  return comparison === 'parent'
    ? { value: cell.value, delta: cell.deltaParent, improved: cell.improvedParent, missing: cell.missing }
    : { value: cell.value, delta: cell.deltaBaseline, improved: cell.improvedBaseline, missing: cell.missing };
}

/**
 * How a value compares with another run, by the metric's direction: `missing` when the run
 * never logged it, `nan` when its value is not a number (a diverged loss), else improved or
 * regressed. The server's `improved` flag decides when given; without it (no other value, or
 * an older server) the delta's sign decides by direction; equal or nothing to compare with is
 * `unchanged`.
 */
export function classifyCell(cell: CellInput, direction: Direction): CellClass {
  if (cell.missing) return 'missing';
  if (Number.isNaN(toNumber(cell.value))) return 'nan';
  if (cell.improved === true) return 'improved';
  if (cell.improved === false) return 'regressed';
  const delta = toNumber(cell.delta);
  if (Number.isNaN(delta) || delta === 0) return 'unchanged';
  const better = direction === 'MAXIMIZE' ? delta > 0 : delta < 0;
  return better ? 'improved' : 'regressed';
}

export const cellClassStyles: Record<CellClass, string> = {
  improved: 'bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200',
  regressed: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  unchanged: '',
  nan: 'text-amber-700 dark:text-amber-300',
  missing: 'text-muted-foreground',
};
