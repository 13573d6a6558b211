import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { cn } from '@/lib/utils';
import { statusClass, type ExperimentFlowNode } from './dag-layout';

/** One experiment in the graph: number, name, status and progress, coloured by status. */
export const ExperimentNode = memo(function ExperimentNode({ data, selected }: NodeProps<ExperimentFlowNode>) {
  return (
    <div
      data-testid="dag-node"
      data-number={data.number}
      data-status={data.status}
      title={`#${data.number} ${data.name} (${data.status.toLowerCase()})`}
      className={cn(
        'flex h-16 w-[190px] flex-col justify-center gap-1 rounded-md border-2 px-3 text-xs text-foreground shadow-sm',
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
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});
