import type { Direction } from '@/lib/generated/graphql';
import { formatMetric, toNumber } from '@/lib/metric-value';
import { cn } from '@/lib/utils';
import { cellClassStyles, classifyCell, type CellInput } from './classify';

const labels = {
  improved: 'better than parent',
  regressed: 'worse than parent',
  unchanged: '',
  nan: 'not a number',
  // The server reports a NaN aggregate as missing too: the two cannot be told apart here.
  missing: 'no value (not logged, or NaN)',
} as const;

export function MetricCell({ cell, direction }: { cell: CellInput; direction: Direction }) {
  const kind = classifyCell(cell, direction);
  const delta = toNumber(cell.deltaParent);
  return (
    <div
      data-class={kind}
      title={labels[kind] || undefined}
      className={cn('flex h-full items-center justify-end gap-1 px-2 tabular-nums', cellClassStyles[kind])}
    >
      {kind === 'missing' ? (
        <span className="rounded border border-dashed border-current px-1 text-xs" aria-label={labels.missing}>
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
          {kind === 'improved' ? <span className="sr-only">{labels.improved}</span> : null}
          {kind === 'regressed' ? <span className="sr-only">{labels.regressed}</span> : null}
        </>
      )}
    </div>
  );
}
