import type { Direction } from '@/lib/generated/graphql';
import { formatMetric, toNumber, type MetricValue } from '@/lib/metric-value';
import { cn } from '@/lib/utils';
import { cellClassStyles, classifyCell, comparedWith, type CellClass, type ComparedCell, type Comparison } from './classify';

/** The baselines the table can compare with besides the parent, as the server names them. */
export type BaselineKind = 'ROOT' | 'BEST';

const otherName = { parent: 'the parent', ROOT: 'the root', BEST: 'the best run' } as const;

const MISSING_LABEL = 'no value (not logged, or NaN)';

function verdict(kind: CellClass, other: string): string {
  if (kind === 'improved') return `better than ${other}`;
  if (kind === 'regressed') return `worse than ${other}`;
  return '';
}

function signed(delta: MetricValue): string {
  const n = toNumber(delta);
  if (Number.isNaN(n)) return 'no comparison';
  return `${n > 0 ? '+' : ''}${formatMetric(delta)}`;
}

/**
 * One value of the table, highlighted against the chosen comparison (the parent or the
 * baseline) by the metric's direction, with that delta; the tooltip gives both.
 */
export function MetricCell({
  cell,
  direction,
  comparison = 'parent',
  baseline = 'ROOT',
}: {
  cell: ComparedCell;
  direction: Direction;
  comparison?: Comparison;
  baseline?: BaselineKind;
}) {
  const compared = comparedWith(cell, comparison);
  const kind = classifyCell(compared, direction);
  const delta = toNumber(compared.delta);
  const other = comparison === 'parent' ? otherName.parent : otherName[baseline];
  const title =
    kind === 'missing'
      ? MISSING_LABEL
      : kind === 'nan'
        ? 'not a number'
        : `vs the parent: ${signed(cell.deltaParent)} · vs ${otherName[baseline]}: ${signed(cell.deltaBaseline)}`;
  return (
    <div
      data-class={kind}
      title={title}
      className={cn('flex h-full items-center justify-end gap-1 px-2 tabular-nums', cellClassStyles[kind])}
    >
      {kind === 'missing' ? (
        // The server reports a NaN aggregate as missing too: the two cannot be told apart here.
        <span className="rounded border border-dashed border-current px-1 text-xs" aria-label={MISSING_LABEL}>
          NaN
        </span>
      ) : kind === 'nan' ? (
        <span className="rounded border border-current px-1 text-xs font-semibold" aria-label="NaN: not a number">
          ⚠ NaN
        </span>
      ) : (
        <>
          <span>{formatMetric(cell.value)}</span>
          {Number.isFinite(delta) && delta !== 0 ? (
            <span className="text-xs opacity-70">
              ({delta > 0 ? '+' : ''}
              {formatMetric(delta)})
            </span>
          ) : null}
          {verdict(kind, other) ? <span className="sr-only">{verdict(kind, other)}</span> : null}
        </>
      )}
    </div>
  );
}
