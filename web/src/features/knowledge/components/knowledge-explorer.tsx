import { Background, Controls, ReactFlow, useReactFlow, type NodeMouseHandler } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { ErrorState } from '@/components/states';
import { useTheme } from '@/lib/theme';
import { cn } from '@/lib/utils';
import { knowledgeExperimentQueryOptions, knowledgeHypothesisQueryOptions } from '../api/knowledge';
import {
  experimentNeighbours,
  filterKinds,
  hypothesisNeighbours,
  KIND_STYLE,
  KINDS,
  layoutKnowledge,
  mergeNeighbours,
  type KnowledgeFlowEdge,
  type KnowledgeFlowNode,
  type KnowledgeGraph,
  type KnowledgeKind,
  type KnowledgeNode,
} from './knowledge-graph';
import { KnowledgeNodeView } from './knowledge-node';

// At module scope: a new object per render would make React Flow remount every node.
const nodeTypes = {
  experiment: KnowledgeNodeView,
  feature: KnowledgeNodeView,
  hypothesis: KnowledgeNodeView,
  metric: KnowledgeNodeView,
};

/**
 * Re-fits the view whenever the graph shows a different number of nodes (an expansion, a kind
 * filtered out), so new neighbours are not left outside the canvas. React Flow queues the
 * fit until the new nodes are measured.
 */
function FitViewOnChange({ nodeCount }: { nodeCount: number }) {
  const { fitView } = useReactFlow();
  useEffect(() => {
    void fitView({ duration: 200 });
  }, [nodeCount, fitView]);
  return null;
}

/** The graph around `initial` (already expanded); a click on an experiment or hypothesis expands it. */
export function KnowledgeExplorer({ project, initial }: { project: string; initial: KnowledgeGraph }) {
  const client = useQueryClient();
  const theme = useTheme((s) => s.theme);
  const [graph, setGraph] = useState(initial);
  const [shown, setShown] = useState<ReadonlySet<KnowledgeKind>>(new Set(KINDS));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const centreId = initial.expanded[0] ?? '';
  const { nodes, edges } = useMemo(() => layoutKnowledge(filterKinds(graph, shown), centreId), [graph, shown, centreId]);

  const expand = async (node: KnowledgeNode) => {
    if (graph.expanded.includes(node.id) || busy) return;
    setBusy(node.id);
    setError(null);
    try {
      if (node.kind === 'experiment') {
        const { experiment } = await client.fetchQuery(knowledgeExperimentQueryOptions({ project, number: node.number }));
        const n = experimentNeighbours(experiment);
        setGraph((g) => mergeNeighbours(g, n.centre, n));
      } else if (node.kind === 'hypothesis') {
        const { hypothesis } = await client.fetchQuery(knowledgeHypothesisQueryOptions({ id: node.hypothesisId }));
        const n = hypothesisNeighbours(hypothesis);
        setGraph((g) => mergeNeighbours(g, n.centre, n));
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const onNodeClick: NodeMouseHandler<KnowledgeFlowNode> = (_event, node) => void expand(node.data.node);

  return (
    <div className="flex flex-col gap-3">
      <fieldset className="flex flex-wrap gap-4 text-sm" aria-label="Kinds shown">
        {KINDS.map((kind) => (
          <label key={kind} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={shown.has(kind)}
              onChange={(e) =>
                setShown((s) => {
                  const next = new Set(s);
                  if (e.target.checked) next.add(kind);
                  else next.delete(kind);
                  return next;
                })
              }
            />
            <span className={cn('inline-block h-3 w-3 rounded-sm border-2', KIND_STYLE[kind])} aria-hidden />
            {kind}
          </label>
        ))}
        <span className="text-muted-foreground" role="status">
          {busy ? `Expanding ${busy}…` : `${graph.nodes.length} nodes; click a run or hypothesis to expand it.`}
        </span>
      </fieldset>
      {error ? <ErrorState error={error} /> : null}
      <div className="h-[600px] rounded-md border border-border" data-testid="knowledge-canvas">
        <ReactFlow<KnowledgeFlowNode, KnowledgeFlowEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodeClick={onNodeClick}
          nodesDraggable={false}
          nodesConnectable={false}
          colorMode={theme}
          fitView
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
          <FitViewOnChange nodeCount={nodes.length} />
        </ReactFlow>
      </div>
    </div>
  );
}
