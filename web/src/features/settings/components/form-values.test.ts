import { describe, expect, it } from 'vitest';
import { formatBytes, parseBytes, parseList, parseNumber, sameList, withoutField } from './form-values';

describe('parseList', () => {
  it('reads one entry a line, trimmed, without blank lines or repeats', () => {
    expect(parseList('  seed\n\nCUDA_*\r\nseed\n   \n')).toEqual(['seed', 'CUDA_*']);
    expect(parseList('')).toEqual([]);
  });

  it('keeps commas inside an entry (a glob alternation)', () => {
    expect(parseList('**/*.{py,yaml}\nlogs/**')).toEqual(['**/*.{py,yaml}', 'logs/**']);
  });

  it('compares lists in order', () => {
    expect(sameList(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameList(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameList(['a'], ['a', 'b'])).toBe(false);
  });
});

describe('parseNumber', () => {
  it('reads finite numbers and refuses the rest', () => {
    expect(parseNumber(' 2.5 ')).toEqual({ value: 2.5 });
    expect(parseNumber('1e1')).toEqual({ value: 10 });
    expect(parseNumber('-1')).toEqual({ value: -1 });
    for (const text of ['', '  ', 'three', '1,5', 'Infinity']) expect(parseNumber(text)).toEqual({ error: 'must be a number' });
  });
});

describe('byte sizes', () => {
  it('reads bytes, decimal and binary units in any case', () => {
    expect(parseBytes('1048576')).toEqual({ value: 1048576 });
    expect(parseBytes('500 MB')).toEqual({ value: 500_000_000 });
    expect(parseBytes('1 gib')).toEqual({ value: 2 ** 30 });
    expect(parseBytes('1.5KiB')).toEqual({ value: 1536 });
    expect(parseBytes('0.1 KB')).toEqual({ value: 100 });
  });

  it('refuses what is not a size', () => {
    for (const text of ['', 'lots', '-1 MB', '1 M', '1 MiBs']) expect(parseBytes(text)).toHaveProperty('error');
    expect(parseBytes('9000 TiB')).toEqual({ error: 'is too large' });
  });

  it('shows a size in the largest unit that is exact, and reads it back', () => {
    expect(formatBytes(20 * 2 ** 30)).toBe('20 GiB');
    expect(formatBytes(500_000_000)).toBe('500 MB');
    expect(formatBytes(1536)).toBe('1536 B');
    expect(formatBytes(0)).toBe('0 B');
    for (const bytes of [1, 1000, 1536, 2 ** 30, 20 * 2 ** 30, 1_234_567]) {
      expect(parseBytes(formatBytes(bytes))).toEqual({ value: bytes });
    }
  });
});

it('withoutField drops one message', () => {
  expect(withoutField<'name' | 'expression'>({ name: 'a', expression: 'b' }, 'name')).toEqual({ expression: 'b' });
});
