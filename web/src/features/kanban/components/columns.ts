import type { Status } from '@/lib/generated/graphql';

export const COLUMN_ORDER: readonly Status[] = ['PLANNED', 'RUNNING', 'COMPLETE', 'FAILED'];

export const columnTitle: Record<Status, string> = {
  PLANNED: 'Planned',
  RUNNING: 'Running',
  COMPLETE: 'Complete',
  FAILED: 'Failed',
};

interface Card {
  number: number;
}

interface Column<C extends Card> {
  status: Status;
  experiments: readonly C[];
}

/** The four columns in board order, each present (empty when the server sent none), cards by number. */
export function toColumns<C extends Card>(columns: readonly Column<C>[]): { status: Status; experiments: C[] }[] {
  return COLUMN_ORDER.map((status) => ({
    status,
    experiments: [...(columns.find((c) => c.status === status)?.experiments ?? [])].sort((a, b) => a.number - b.number),
  }));
}

/** The columns with experiment `number` moved to `status` (unchanged when it is not on the board). */
export function moveCard<C extends Card>(columns: readonly Column<C>[], number: number, status: Status): { status: Status; experiments: C[] }[] {
  const card = columns.flatMap((c) => c.experiments).find((e) => e.number === number);
  const board = toColumns(columns);
  if (!card) return board;
  return board.map((column) => ({
    status: column.status,
    experiments:
      column.status === status
        ? [...column.experiments.filter((e) => e.number !== number), card].sort((a, b) => a.number - b.number)
        : column.experiments.filter((e) => e.number !== number),
  }));
}
