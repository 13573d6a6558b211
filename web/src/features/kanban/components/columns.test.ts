import { describe, expect, it } from 'vitest';
import { moveCard, toColumns } from './columns';

const card = (number: number) => ({ number, name: `e${number}`, progress: 0 });

describe('toColumns', () => {
  it('gives the four columns in board order, missing ones empty, cards by number', () => {
    const columns = toColumns([
      { status: 'FAILED', experiments: [card(4)] },
      { status: 'COMPLETE', experiments: [card(3), card(1)] },
    ]);
    expect(columns.map((c) => c.status)).toEqual(['PLANNED', 'RUNNING', 'COMPLETE', 'FAILED']);
    expect(columns.map((c) => c.experiments.map((e) => e.number))).toEqual([[], [], [1, 3], [4]]);
  });
});

describe('moveCard', () => {
  const board = [
    { status: 'PLANNED' as const, experiments: [card(5)] },
    { status: 'COMPLETE' as const, experiments: [card(1), card(2)] },
  ];
  it('moves a card to another column', () => {
    const moved = moveCard(board, 5, 'RUNNING');
    expect(moved.map((c) => c.experiments.map((e) => e.number))).toEqual([[], [5], [1, 2], []]);
  });
  it('leaves the board alone for an unknown card', () => {
    expect(moveCard(board, 9, 'RUNNING').flatMap((c) => c.experiments).length).toBe(3);
  });
});
