import { describe, expect, it } from 'vitest';
import { columnChoices, columnsParam, parseColumns, toggleColumn } from './columns';

describe('the column choice in the URL', () => {
  it('reads names in order, without blanks or repeats; none means the default', () => {
    expect(parseColumns('loss, accuracy,,loss')).toEqual(['loss', 'accuracy']);
    expect(parseColumns(null)).toBeNull();
    expect(parseColumns(' , ')).toBeNull();
  });

  it('writes nothing when the choice is the default again, or empty', () => {
    expect(columnsParam(['accuracy', 'loss'], ['accuracy', 'loss'])).toBeNull();
    expect(columnsParam([], ['accuracy', 'loss'])).toBeNull();
    expect(columnsParam(['loss', 'accuracy'], ['accuracy', 'loss'])).toBe('loss,accuracy');
    expect(columnsParam(['accuracy'], ['accuracy', 'loss'])).toBe('accuracy');
  });

  it('round-trips through the URL', () => {
    const chosen = toggleColumn(['accuracy', 'loss'], 'lr', true);
    expect(parseColumns(new URLSearchParams({ cols: columnsParam(chosen, ['accuracy', 'loss'])! }).get('cols'))).toEqual([
      'accuracy',
      'loss',
      'lr',
    ]);
  });
});

describe('toggleColumn', () => {
  it('adds a shown metric last and removes a hidden one, keeping the order', () => {
    expect(toggleColumn(['a', 'b'], 'c', true)).toEqual(['a', 'b', 'c']);
    expect(toggleColumn(['a', 'b', 'c'], 'b', false)).toEqual(['a', 'c']);
    expect(toggleColumn(['a', 'b'], 'a', true)).toEqual(['a', 'b']);
  });
});

describe('columnChoices', () => {
  it('lists the current columns first, then every other metric once, by name', () => {
    expect(columnChoices(['loss', 'accuracy'], ['accuracy', 'f1'], ['bleu', 'f1'])).toEqual(['loss', 'accuracy', 'bleu', 'f1']);
  });
});
