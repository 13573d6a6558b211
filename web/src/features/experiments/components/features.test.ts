import { describe, expect, it } from 'vitest';
import { featureChanges } from './features';

describe('featureChanges', () => {
  it('turns JSON Patch paths into dotted keys and drops tests', () => {
    expect(
      featureChanges([
        { op: 'replace', path: '/optimizer/lr', value: 0.01 },
        { op: 'add', path: '/data~1aug', value: true },
        { op: 'remove', path: '/seed' },
        { op: 'test', path: '/x', value: 1 },
      ]).map((c) => [c.op, c.key]),
    ).toEqual([
      ['replace', 'optimizer.lr'],
      ['add', 'data/aug'],
      ['remove', 'seed'],
    ]);
  });

  it('is empty for anything that is not a patch', () => {
    expect(featureChanges(null)).toEqual([]);
    expect(featureChanges({ op: 'add' })).toEqual([]);
  });
});
