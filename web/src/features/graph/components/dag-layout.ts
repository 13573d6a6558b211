import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { EdgeKind, Status } from '@/lib/generated/graphql';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 64;

export interface ExperimentNodeData extends Record<string, unknown> {
  number: number;
  name: string;
  status: Status;
  progress: number;
}

/** The kinds of node the graph view draws (a typed union: add kinds here). */
export type ExperimentFlowNode = Node<ExperimentNodeData, 'experiment'>;
export type DagFlowNode = ExperimentFlowNode;

export type DagFlowEdge = Edge<{ kind: EdgeKind }>;

interface LayoutInput {
  nodes: readonly { number: number; name: string; status: Status; progress: number }[];
  edges: readonly { from: number; to: number; kind: EdgeKind }[];
}

export const nodeId = (number: number) => String(number);

/** A layered top-to-bottom layout (dagre): parents are drawn above their children. */
export function layoutDag({ nodes, edges }: LayoutInput): { nodes: DagFlowNode[]; edges: DagFlowEdge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(nodeId(node.number), { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) {
    // Merge edges weigh less: the primary lineage decides the layers' order.
    g.setEdge(nodeId(edge.from), nodeId(edge.to), { weight: edge.kind === 'CHILD_OF' ? 2 : 1 });
  }
  dagre.layout(g);
  return {
    nodes: nodes.map((node) => {
      const { x, y } = g.node(nodeId(node.number));
      return {
        id: nodeId(node.number),
        type: 'experiment',
        position: { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 },
        data: { number: node.number, name: node.name, status: node.status, progress: node.progress },
      };
    }),
    edges: edges.map((edge) => {
      const merge = edge.kind !== 'CHILD_OF';
      return {
        id: `${edge.kind}-${edge.from}-${edge.to}`,
        source: nodeId(edge.from),
        target: nodeId(edge.to),
        data: { kind: edge.kind },
        className: merge ? 'dag-edge-merge' : 'dag-edge-primary',
        ariaLabel: `#${edge.from} → #${edge.to} (${merge ? 'merged from' : 'child of'})`,
        style: merge ? { strokeDasharray: '6 4' } : { strokeWidth: 2 },
        animated: false,
      };
    }),
  };
}

/** Status colours shared by graph nodes (border and background). */
export const statusClass: Record<Status, string> = {
  PLANNED: 'border-slate-400 bg-slate-50 dark:bg-slate-900',
  RUNNING: 'border-sky-500 bg-sky-50 dark:bg-sky-950',
  COMPLETE: 'border-emerald-500 bg-emerald-50 dark:bg-emerald-950',
  FAILED: 'border-red-500 bg-red-50 dark:bg-red-950',
};
