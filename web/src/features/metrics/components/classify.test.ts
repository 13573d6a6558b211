import { describe, expect, it } from 'vitest';
import { classifyCell, comparedWith, type CellInput } from './classify';

const cell = (over: Partial<CellInput>): CellInput => ({
  value: 1,
  delta: 0,
  improved: null,
  missing: false,
  ...over,
});

describe('classifyCell', () => {
  it('follows the server flag whatever the delta', () => {
    expect(classifyCell(cell({ improved: true, delta: -1 }), 'MAXIMIZE')).toBe('improved');
    expect(classifyCell(cell({ improved: false, delta: -1 }), 'MINIMIZE')).toBe('regressed');
  });

  it('reads the delta by direction when the flag is absent', () => {
    expect(classifyCell(cell({ delta: 0.1 }), 'MAXIMIZE')).toBe('improved');
    expect(classifyCell(cell({ delta: 0.1 }), 'MINIMIZE')).toBe('regressed');
    expect(classifyCell(cell({ delta: -0.1 }), 'MINIMIZE')).toBe('improved');
    expect(classifyCell(cell({ delta: -0.1 }), 'MAXIMIZE')).toBe('regressed');
    expect(classifyCell(cell({ delta: 'Infinity' }), 'MAXIMIZE')).toBe('improved');
  });

  it('is unchanged when equal or without a parent', () => {
    expect(classifyCell(cell({ delta: 0 }), 'MAXIMIZE')).toBe('unchanged');
    expect(classifyCell(cell({ delta: 'NaN' }), 'MINIMIZE')).toBe('unchanged');
  });

  it('marks NaN values and missing metrics before anything else', () => {
    expect(classifyCell(cell({ value: 'NaN', improved: true }), 'MAXIMIZE')).toBe('nan');
    expect(classifyCell(cell({ value: 'NaN', missing: true }), 'MAXIMIZE')).toBe('missing');
    expect(classifyCell(cell({ value: 'Infinity', improved: false }), 'MINIMIZE')).toBe('regressed');
  });
});

describe('comparedWith', () => {
  const server = {
    value: 0.8,
    deltaParent: 0.1,
    deltaBaseline: -0.05,
    improvedParent: true,
    improvedBaseline: false,
    missing: false,
  };

  it('picks the delta and flag of the chosen comparison', () => {
    expect(comparedWith(server, 'parent')).toEqual({ value: 0.8, delta: 0.1, improved: true, missing: false });
    expect(comparedWith(server, 'baseline')).toEqual({ value: 0.8, delta: -0.05, improved: false, missing: false });
  });

  it('so one cell can be better than its parent and worse than the baseline', () => {
    expect(classifyCell(comparedWith(server, 'parent'), 'MAXIMIZE')).toBe('improved');
    expect(classifyCell(comparedWith(server, 'baseline'), 'MAXIMIZE')).toBe('regressed');
  });
});
