import { describe, expect, it } from 'vitest';
import type { TableMetric, TableRow } from '@/features/metrics';
import { nodeIndicators, trendMarker } from './indicators';

const metrics: TableMetric[] = [
  { name: 'accuracy', direction: 'MAXIMIZE', aggregation: 'LAST', derived: false },
  { name: 'loss', direction: 'MINIMIZE', aggregation: 'LAST', derived: false },
];

const cell = (value: number | 'NaN', deltaParent: number | 'NaN', missing = false) => ({
  value,
  deltaParent,
  deltaBaseline: 'NaN' as const,
  improvedParent: null,
  improvedBaseline: null,
  missing,
});

const rows: TableRow[] = [
  { number: 1, name: 'root', status: 'COMPLETE', parentNumber: null, cells: [cell(0.7, 'NaN'), cell(0.9, 'NaN')] },
  { number: 2, name: 'better', status: 'COMPLETE', parentNumber: 1, cells: [cell(0.78, 0.08), cell(0.7, -0.2)] },
  { number: 3, name: 'worse', status: 'COMPLETE', parentNumber: 1, cells: [cell(0.65, -0.05), cell(1.0, 0.1)] },
  { number: 4, name: 'same', status: 'COMPLETE', parentNumber: 1, cells: [cell(0.7, 0), cell('NaN', 'NaN')] },
  { number: 5, name: 'planned', status: 'PLANNED', parentNumber: 1, cells: [cell('NaN', 'NaN', true), cell('NaN', 'NaN', true)] },
];

describe('nodeIndicators', () => {
  it('classifies each run against its parent by the metric direction', () => {
    const accuracy = nodeIndicators(metrics, rows, 'accuracy');
    expect([...accuracy.values()].map((i) => i.kind)).toEqual(['unchanged', 'improved', 'regressed', 'unchanged', 'missing']);
    // For a loss, going down is the improvement.
    const loss = nodeIndicators(metrics, rows, 'loss');
    expect(loss.get(2)?.kind).toBe('improved');
    expect(loss.get(3)?.kind).toBe('regressed');
    expect(loss.get(4)?.kind).toBe('nan');
  });

  it('marks the value move: up, down, the same, or nothing without a parent value', () => {
    const accuracy = nodeIndicators(metrics, rows, 'accuracy');
    expect([1, 2, 3, 4].map((n) => trendMarker(accuracy.get(n)!))).toEqual(['', '▲', '▼', '=']);
    expect(trendMarker(nodeIndicators(metrics, rows, 'loss').get(2)!)).toBe('▼');
  });

  it('is empty for a metric the table does not have', () => {
    expect(nodeIndicators(metrics, rows, 'f1').size).toBe(0);
  });
});
