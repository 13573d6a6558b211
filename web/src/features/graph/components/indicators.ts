import { createContext } from 'react';
import { classifyCell, comparedWith, type CellClass, type TableMetric, type TableRow } from '@/features/metrics';
import { toNumber, type MetricValue } from '@/lib/metric-value';

/** One node's value of the chosen metric and how it compares with its parent's. */
export interface NodeIndicator {
  metric: string;
  value: MetricValue;
  delta: MetricValue;
  kind: CellClass;
}

/**
 * Each experiment's indicator for `metric`, classified the way the metrics table highlights
 * (by the metric's direction); empty when the table has no such column.
 */
export function nodeIndicators(
  metrics: readonly TableMetric[],
  rows: readonly TableRow[],
  metric: string,
): Map<number, NodeIndicator> {
  const indicators = new Map<number, NodeIndicator>();
  const column = metrics.findIndex((m) => m.name === metric);
  const direction = metrics[column]?.direction;
  if (!direction) return indicators;
  for (const row of rows) {
    const cell = row.cells[column];
    if (!cell) continue;
    const compared = comparedWith(cell, 'parent');
    indicators.set(row.number, { metric, value: cell.value, delta: compared.delta, kind: classifyCell(compared, direction) });
  }
  return indicators;
}

/** The value's move against the parent: up, down, the same, or nothing to compare with. */
export function trendMarker(indicator: NodeIndicator): '▲' | '▼' | '=' | '' {
  const delta = toNumber(indicator.delta);
  if (Number.isNaN(delta)) return '';
  if (delta > 0) return '▲';
  if (delta < 0) return '▼';
  return '=';
}

/** The indicators of the graph's nodes by number (null: no metric chosen). */
export const IndicatorContext = createContext<ReadonlyMap<number, NodeIndicator> | null>(null);
