import type { Direction } from '@/lib/generated/graphql';
import { toNumber, type MetricValue } from '@/lib/metric-value';

export type CellClass = 'improved' | 'regressed' | 'unchanged' | 'nan' | 'missing';

export interface CellInput {
  value: MetricValue;
  deltaParent: MetricValue;
  improvedParent: boolean | null;
  missing: boolean;
}

/**
 * How a cell compares with the experiment's parent, by the metric's direction: `missing` when
 * the run never logged it, `nan` when its value is not a number (a diverged loss), else
 * improved or regressed. The server's `improvedParent` decides when given; without it (no
 * parent value, or an older server) the delta's sign decides by direction; equal or no
 * parent is `unchanged`.
 */
export function classifyCell(cell: CellInput, direction: Direction): CellClass {
  if (cell.missing) return 'missing';
  if (Number.isNaN(toNumber(cell.value))) return 'nan';
  if (cell.improvedParent === true) return 'improved';
  if (cell.improvedParent === false) return 'regressed';
  const delta = toNumber(cell.deltaParent);
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
