import { describe, expect, it } from 'vitest';
import { waterfall } from './waterfall';

describe('waterfall', () => {
  it('accumulates contributions in order and ends with the total', () => {
    const steps = waterfall([
      { experiment: 2, contribution: 1.5 },
      { experiment: 3, contribution: -0.5 },
      { experiment: 4, contribution: 2 },
    ]);
    expect(steps.map((s) => s.label)).toEqual(['#2', '#3', '#4', 'total']);
    expect(steps.map((s) => [s.start, s.end])).toEqual([
      [0, 1.5],
      [1.5, 1],
      [1, 3],
      [0, 3],
    ]);
  });

  it('floats each bar from the lower end with a positive size, negatives included', () => {
    const steps = waterfall([
      { experiment: 1, contribution: 2 },
      { experiment: 2, contribution: -3 },
    ]);
    expect(steps.map((s) => [s.base, s.size, s.end])).toEqual([
      [0, 2, 2],
      [-1, 3, -1],
      [-1, 1, -1],
    ]);
  });

  it('gives only a zero total for no contributions and treats non-finite ones as 0', () => {
    expect(waterfall([])).toEqual([{ label: 'total', experiment: null, contribution: 0, start: 0, end: 0, base: 0, size: 0 }]);
    const steps = waterfall([{ experiment: 1, contribution: Number.NaN }, { experiment: 2, contribution: 1 }]);
    expect(steps.at(-1)?.end).toBe(1);
  });
});
