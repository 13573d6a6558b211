import { describe, expect, it } from 'vitest';
import { compareFeatures, flattenFeatures, parseRuns } from './compare-table';

describe('flattenFeatures', () => {
  it('gives dotted leaf paths; arrays are leaves', () => {
    expect(flattenFeatures({ optimizer: { name: 'adam', lr: 0.1 }, layers: [1, 2], empty: {} })).toEqual({
      'optimizer.name': 'adam',
      'optimizer.lr': 0.1,
      layers: [1, 2],
      empty: {},
    });
  });
});

describe('compareFeatures', () => {
  const rows = compareFeatures([
    { optimizer: 'sgd', lr: 0.1, width: 64 },
    { optimizer: 'adam', lr: 0.1, width: 64, depth: 50 },
    { optimizer: 'sgd', lr: 0.1 },
  ]);
  const row = (path: string) => rows.find((r) => r.path === path)!;

  it('has one sorted row per path of any run', () => {
    expect(rows.map((r) => r.path)).toEqual(['depth', 'lr', 'optimizer', 'width']);
  });
  it('marks cells differing from the first run', () => {
    expect(row('optimizer').differs).toEqual([false, true, false]);
    expect(row('optimizer').anyDiffers).toBe(true);
    expect(row('lr').anyDiffers).toBe(false);
  });
  it('treats a missing path as different and shows it as null', () => {
    expect(row('depth').cells).toEqual([null, '50', null]);
    expect(row('depth').differs).toEqual([false, true, false]);
    expect(row('width').differs).toEqual([false, false, true]);
  });
  it('compares by value, not by type-coerced text', () => {
    expect(compareFeatures([{ a: '1' }, { a: 1 }])[0]!.differs).toEqual([false, true]);
  });
});

describe('parseRuns', () => {
  it('keeps positive integers once, in order', () => {
    expect(parseRuns('2, 3,x,3,0,5')).toEqual([2, 3, 5]);
    expect(parseRuns(null)).toEqual([]);
  });
});
