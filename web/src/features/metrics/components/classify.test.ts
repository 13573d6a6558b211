import { describe, expect, it } from 'vitest';
import { classifyCell, type CellInput } from './classify';

const cell = (over: Partial<CellInput>): CellInput => ({
  value: 1,
  deltaParent: 0,
  improvedParent: null,
  missing: false,
  ...over,
});

describe('classifyCell', () => {
  it('follows the server flag whatever the delta', () => {
    expect(classifyCell(cell({ improvedParent: true, deltaParent: -1 }), 'MAXIMIZE')).toBe('improved');
    expect(classifyCell(cell({ improvedParent: false, deltaParent: -1 }), 'MINIMIZE')).toBe('regressed');
  });

  it('reads the delta by direction when the flag is absent', () => {
    expect(classifyCell(cell({ deltaParent: 0.1 }), 'MAXIMIZE')).toBe('improved');
    expect(classifyCell(cell({ deltaParent: 0.1 }), 'MINIMIZE')).toBe('regressed');
    expect(classifyCell(cell({ deltaParent: -0.1 }), 'MINIMIZE')).toBe('improved');
    expect(classifyCell(cell({ deltaParent: -0.1 }), 'MAXIMIZE')).toBe('regressed');
    expect(classifyCell(cell({ deltaParent: 'Infinity' }), 'MAXIMIZE')).toBe('improved');
  });

  it('is unchanged when equal or without a parent', () => {
    expect(classifyCell(cell({ deltaParent: 0 }), 'MAXIMIZE')).toBe('unchanged');
    expect(classifyCell(cell({ deltaParent: 'NaN' }), 'MINIMIZE')).toBe('unchanged');
  });

  it('marks NaN values and missing metrics before anything else', () => {
    expect(classifyCell(cell({ value: 'NaN', improvedParent: true }), 'MAXIMIZE')).toBe('nan');
    expect(classifyCell(cell({ value: 'NaN', missing: true }), 'MAXIMIZE')).toBe('missing');
    expect(classifyCell(cell({ value: 'Infinity', improvedParent: false }), 'MINIMIZE')).toBe('regressed');
  });
});
