import { describe, expect, it } from 'vitest';
import { withLivePoints } from './live-series';

const series = { metric: 'loss', steps: [0, 10], values: [1, 0.5], tailSteps: [20], tailValues: [0.4] };

describe('withLivePoints', () => {
  it('appends new steps to the live tail in step order', () => {
    expect(withLivePoints(series, [{ step: 40, value: 0.2 }, { step: 30, value: 0.3 }])).toEqual({
      ...series,
      tailSteps: [20, 30, 40],
      tailValues: [0.4, 0.3, 0.2],
    });
  });

  it('lets a later point replace a tail step, NaN included', () => {
    expect(withLivePoints(series, [{ step: 20, value: 'NaN' }])?.tailValues).toEqual(['NaN']);
  });

  it('answers null (refetch) for a point inside the downsampled part', () => {
    expect(withLivePoints(series, [{ step: 10, value: 0.1 }])).toBeNull();
    expect(withLivePoints(series, [{ step: 50, value: 0.1 }, { step: 5, value: 0.1 }])).toBeNull();
  });

  it('grows an empty series', () => {
    const empty = { metric: 'acc', steps: [], values: [], tailSteps: [], tailValues: [] };
    expect(withLivePoints(empty, [{ step: 0, value: 0.5 }])).toEqual({ ...empty, tailSteps: [0], tailValues: [0.5] });
  });
});
