import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useContext } from 'react';
import { cellClassStyles } from '@/features/metrics';
import { formatMetric } from '@/lib/metric-value';
import { cn } from '@/lib/utils';
import { statusClass, type ExperimentFlowNode } from './dag-layout';
import { IndicatorContext, trendMarker, type NodeIndicator } from './indicators';

const verdict = {
  improved: 'better than its parent',
  regressed: 'worse than its parent',
  unchanged: 'no change against its parent',
  nan: 'not a number',
  missing: 'not logged',
} as const;

/** The chosen metric's value on a node, with its move against the parent, coloured by direction. */
function Indicator({ indicator }: { indicator: NodeIndicator }) {
  const text = indicator.kind === 'missing' ? '—' : indicator.kind === 'nan' ? '⚠ NaN' : formatMetric(indicator.value);
  return (
    <div
      data-testid="dag-indicator"
      data-trend={indicator.kind}
      title={`${indicator.metric}: ${verdict[indicator.kind]}`}
      className={cn('flex items-baseline gap-1 truncate rounded px-1 tabular-nums', cellClassStyles[indicator.kind])}
    >
      <span className="truncate text-muted-foreground">{indicator.metric}</span>
      <span className="font-medium">{text}</span>
      <span aria-hidden>{indicator.kind === 'missing' || indicator.kind === 'nan' ? '' : trendMarker(indicator)}</span>
      <span className="sr-only">{verdict[indicator.kind]}</span>
    </div>
  );
}

/** One experiment in the graph: number, name, status and progress, coloured by status; the chosen metric's indicator. */
export const ExperimentNode = memo(function ExperimentNode({ data, selected }: NodeProps<ExperimentFlowNode>) {
  const indicator = useContext(IndicatorContext)?.get(data.number);
  return (
    <div
      data-testid="dag-node"
      data-number={data.number}
      data-status={data.status}
      title={`#${data.number} ${data.name} (${data.status.toLowerCase()})`}
      className={cn(
        'flex h-16 w-[190px] flex-col justify-center rounded-md border-2 px-3 text-xs text-foreground shadow-sm',
        indicator ? 'gap-0' : 'gap-1',
        statusClass[data.status],
        selected && 'ring-2 ring-primary',
      )}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="flex items-baseline gap-1 truncate">
        <span className="font-mono text-muted-foreground">#{data.number}</span>
        <span className="truncate font-medium">{data.name}</span>
      </div>
      <div className="flex items-center gap-2">
        <span className="text-muted-foreground">{data.status.toLowerCase()}</span>
        <div className="h-1.5 flex-1 rounded bg-muted" aria-hidden>
          <div className="h-1.5 rounded bg-primary" style={{ width: `${Math.min(100, Math.max(0, data.progress))}%` }} />
        </div>
      </div>
      {indicator ? <Indicator indicator={indicator} /> : null}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});
