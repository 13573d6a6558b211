import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { cn } from '@/lib/utils';
import { KIND_STYLE, NODE_HEIGHT, NODE_WIDTH, type KnowledgeFlowNode } from './knowledge-graph';

const KIND_LABEL = { experiment: 'run', feature: 'feature', hypothesis: 'hypothesis', metric: 'metric' } as const;

/** One node of any kind: its kind, label, colour; expandable kinds show whether they are expanded. */
export const KnowledgeNodeView = memo(function KnowledgeNodeView({ data, selected }: NodeProps<KnowledgeFlowNode>) {
  const { node, expanded, centre } = data;
  const expandable = node.kind === 'experiment' || node.kind === 'hypothesis';
  return (
    <div
      data-testid="knowledge-node"
      data-kind={node.kind}
      data-id={node.id}
      data-expanded={expanded}
      title={`${KIND_LABEL[node.kind]}: ${node.label}${expandable && !expanded ? ' (click to expand)' : ''}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={cn(
        'flex flex-col justify-center rounded-md border-2 px-2 text-xs text-foreground shadow-sm',
        KIND_STYLE[node.kind],
        centre && 'ring-2 ring-primary',
        selected && 'ring-2 ring-ring',
        expandable && !expanded && 'cursor-pointer border-dashed',
      )}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="text-[10px] uppercase tracking-wide text-muted-foreground">
        {KIND_LABEL[node.kind]}
        {expandable && !expanded ? ' · +' : ''}
      </span>
      <span className="truncate font-medium">{node.label}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
