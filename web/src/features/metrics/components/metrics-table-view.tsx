import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';
import type { MetricsTable } from '../api/metrics-table';
import type { Comparison } from './classify';
import { MetricCell, type BaselineKind } from './metric-cell';

const ROW_HEIGHT = 36;

const statusStyles: Record<string, string> = {
  PLANNED: 'text-muted-foreground',
  RUNNING: 'border-blue-500 text-blue-700 dark:text-blue-300',
  COMPLETE: 'border-green-600 text-green-700 dark:text-green-300',
  FAILED: 'border-red-600 text-red-700 dark:text-red-300',
};

interface Props {
  project: string;
  table: MetricsTable;
  sortBy: string | null;
  onSort: (metric: string | null) => void;
  /** What the cells are highlighted against. */
  comparison: Comparison;
  baseline: BaselineKind;
}

/** The experiment × metric table, virtualised: only the visible rows are in the DOM. */
export function MetricsTableView({ project, table, sortBy, onSort, comparison, baseline }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns fresh functions by design
  const virtualizer = useVirtualizer({
    count: table.rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const columns = `4.5rem minmax(12rem, 2fr) 7rem 5rem repeat(${table.metrics.length}, minmax(9rem, 1fr))`;
  const minWidth = `${40 + table.metrics.length * 9}rem`;

  return (
    <div
      ref={scrollRef}
      className="max-h-[32rem] overflow-auto rounded-lg border border-border"
      role="table"
      aria-label="Experiments by metric"
      aria-rowcount={table.rows.length + 1}
      tabIndex={0}
    >
      <div style={{ minWidth }}>
        <div
          role="row"
          className="sticky top-0 z-10 grid border-b border-border bg-muted text-sm font-medium"
          style={{ gridTemplateColumns: columns, height: ROW_HEIGHT + 8 }}
        >
          <div role="columnheader" className="flex items-center px-2">
            #
          </div>
          <div role="columnheader" className="flex items-center px-2">
            Name
          </div>
          <div role="columnheader" className="flex items-center px-2">
            Status
          </div>
          <div role="columnheader" className="flex items-center px-2">
            Parent
          </div>
          {table.metrics.map((metric) => {
            const active = sortBy === metric.name;
            return (
              <div
                key={metric.name}
                role="columnheader"
                data-testid="metric-column"
                data-metric={metric.name}
                aria-sort={active ? 'descending' : 'none'}
                className="flex items-center justify-end px-1"
              >
                <button
                  type="button"
                  className={cn('rounded px-1 text-right hover:bg-background', active && 'underline')}
                  onClick={() => onSort(active ? null : metric.name)}
                  title={`${metric.direction === 'MAXIMIZE' ? 'higher' : 'lower'} is better · ${metric.aggregation.toLowerCase()}${active ? ' · click to unsort' : ' · click to sort best first'}`}
                >
                  {metric.name} {metric.direction === 'MAXIMIZE' ? '↑' : '↓'}
                  {active ? ' ▼' : ''}
                </button>
              </div>
            );
          })}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = table.rows[item.index];
            if (!row) return null;
            return (
              <div
                key={row.number}
                role="row"
                aria-rowindex={item.index + 2}
                data-testid="metrics-row"
                className="absolute left-0 grid w-full border-b border-border text-sm hover:bg-muted/50"
                style={{ gridTemplateColumns: columns, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <div role="cell" className="flex items-center px-2 tabular-nums">
                  {row.number}
                </div>
                <div role="cell" className="flex items-center truncate px-2" data-testid="row-name">
                  <Link to={`/p/${encodeURIComponent(project)}/e/${row.number}`} className="truncate hover:underline">
                    {row.name}
                  </Link>
                </div>
                <div role="cell" className="flex items-center px-2">
                  <Badge className={statusStyles[row.status]}>{row.status.toLowerCase()}</Badge>
                </div>
                <div role="cell" className="flex items-center px-2 text-muted-foreground tabular-nums">
                  {row.parentNumber != null ? `#${row.parentNumber}` : '—'}
                </div>
                {row.cells.map((cell, i) => {
                  const metric = table.metrics[i];
                  return metric ? (
                    <div role="cell" key={metric.name}>
                      <MetricCell cell={cell} direction={metric.direction} comparison={comparison} baseline={baseline} />
                    </div>
                  ) : null;
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
