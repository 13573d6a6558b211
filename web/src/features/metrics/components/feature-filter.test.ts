import { describe, expect, it } from 'vitest';
import { featureValueAt, matchesFeatures, parseFeatureFilter, valueMatches } from './feature-filter';

const conditions = (text: string) => {
  const parsed = parseFeatureFilter(text);
  if (parsed.error !== null) throw new Error(parsed.error);
  return parsed.conditions;
};

describe('parseFeatureFilter', () => {
  it('reads comma-separated path=value and path!=value conditions', () => {
    expect(parseFeatureFilter(' optimizer.lr = 0.01 , name!=sgd,')).toEqual({
      conditions: [
        { path: ['optimizer', 'lr'], value: '0.01', negate: false },
        { path: ['name'], value: 'sgd', negate: true },
      ],
      error: null,
    });
    expect(parseFeatureFilter('')).toEqual({ conditions: [], error: null });
  });

  it('names the condition it cannot read', () => {
    expect(parseFeatureFilter('lr=0.1, width').error).toMatch(/“width” is not path=value/);
    expect(parseFeatureFilter('a..b=1').error).toMatch(/“a..b=1”/);
    expect(parseFeatureFilter('=1').error).not.toBeNull();
  });
});

describe('valueMatches', () => {
  it('compares numbers as numbers', () => {
    expect(valueMatches(0.01, '0.01')).toBe(true);
    expect(valueMatches(0.01, '1e-2')).toBe(true);
    expect(valueMatches(0.01, '0.1')).toBe(false);
    expect(valueMatches(0, '')).toBe(false);
  });

  it('compares strings with or without quotes, booleans and null by their text', () => {
    expect(valueMatches('adam', 'adam')).toBe(true);
    expect(valueMatches('adam', '"adam"')).toBe(true);
    expect(valueMatches('1', '1')).toBe(true);
    expect(valueMatches(1, '"1"')).toBe(false);
    expect(valueMatches(true, 'true')).toBe(true);
    expect(valueMatches(false, 'true')).toBe(false);
    expect(valueMatches(null, 'null')).toBe(true);
  });

  it('compares objects and arrays as JSON, and nothing matches a missing path', () => {
    expect(valueMatches([1, 2], '[1, 2]')).toBe(true);
    expect(valueMatches({ a: 1 }, '{"a":2}')).toBe(false);
    expect(valueMatches(undefined, 'undefined')).toBe(false);
  });
});

describe('matchesFeatures', () => {
  const features = { optimizer: { name: 'adam', lr: 0.001 }, layers: [64, 128] };

  it('follows dotted paths into objects and arrays', () => {
    expect(featureValueAt(features, ['optimizer', 'lr'])).toBe(0.001);
    expect(featureValueAt(features, ['layers', '1'])).toBe(128);
    expect(featureValueAt(features, ['optimizer', 'lr', 'x'])).toBeUndefined();
  });

  it('keeps a run only when every condition holds; != keeps runs without the path', () => {
    expect(matchesFeatures(features, conditions('optimizer.name=adam, optimizer.lr=0.001'))).toBe(true);
    expect(matchesFeatures(features, conditions('optimizer.name=adam, optimizer.lr=0.01'))).toBe(false);
    expect(matchesFeatures(features, conditions('optimizer.name!=sgd'))).toBe(true);
    expect(matchesFeatures(features, conditions('momentum!=0.9'))).toBe(true);
    expect(matchesFeatures(features, conditions('momentum=0.9'))).toBe(false);
  });
});
