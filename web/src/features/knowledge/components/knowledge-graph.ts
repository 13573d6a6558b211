import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';

/** The kinds of node the explorer draws (a typed union: add kinds here and to `KIND_STYLE`). */
export type KnowledgeKind = 'experiment' | 'feature' | 'hypothesis' | 'metric';
export const KINDS: KnowledgeKind[] = ['experiment', 'feature', 'hypothesis', 'metric'];

export type KnowledgeNode =
  | { id: string; kind: 'experiment'; number: number; label: string }
  | { id: string; kind: 'feature'; path: string; label: string }
  | { id: string; kind: 'hypothesis'; hypothesisId: string; label: string }
  | { id: string; kind: 'metric'; metric: string; label: string };

export type Relation = 'CHILD_OF' | 'SETS' | 'EVIDENCE_FOR' | 'MEASURED' | 'TARGETS' | 'ABOUT';
export interface KnowledgeEdge {
  id: string;
  source: string;
  target: string;
  relation: Relation;
}

export interface KnowledgeGraph {
  nodes: KnowledgeNode[];
  edges: KnowledgeEdge[];
  /** Nodes whose neighbours are in the graph. */
  expanded: string[];
}

export const experimentNode = (number: number, name: string): KnowledgeNode => ({
  id: `experiment:${number}`,
  kind: 'experiment',
  number,
  label: `#${number} ${name}`,
});
export const featureNode = (path: string): KnowledgeNode => ({ id: `feature:${path}`, kind: 'feature', path, label: path });
export const hypothesisNode = (id: string, title: string): KnowledgeNode => ({
  id: `hypothesis:${id}`,
  kind: 'hypothesis',
  hypothesisId: id,
  label: title,
});
export const metricNode = (metric: string): KnowledgeNode => ({ id: `metric:${metric}`, kind: 'metric', metric, label: metric });
export const edge = (source: string, target: string, relation: Relation): KnowledgeEdge => ({
  id: `${relation}:${source}->${target}`,
  source,
  target,
  relation,
});

/** `?node=experiment:6` / `hypothesis:<id>` → the kind and key; null when malformed. */
export function parseNodeParam(param: string | null): { kind: 'experiment'; number: number } | { kind: 'hypothesis'; id: string } | null {
  if (!param) return null;
  const [kind, ...rest] = param.split(':');
  const key = rest.join(':');
  if (kind === 'experiment' && /^\d+$/.test(key) && Number(key) > 0) return { kind, number: Number(key) };
  if (kind === 'hypothesis' && key) return { kind, id: key };
  return null;
}

/** Adds `centre`'s neighbours (nodes and edges) to the graph: nothing twice, the first copy kept; marks it expanded. */
export function mergeNeighbours(
  graph: KnowledgeGraph,
  centre: KnowledgeNode,
  neighbours: { nodes: KnowledgeNode[]; edges: KnowledgeEdge[] },
): KnowledgeGraph {
  const nodeIds = new Set(graph.nodes.map((n) => n.id));
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  const nodes = [...graph.nodes];
  const edges = [...graph.edges];
  for (const node of [centre, ...neighbours.nodes]) {
    if (nodeIds.has(node.id)) continue;
    nodeIds.add(node.id);
    nodes.push(node);
  }
  for (const e of neighbours.edges) {
    if (edgeIds.has(e.id) || !nodeIds.has(e.source) || !nodeIds.has(e.target)) continue;
    edgeIds.add(e.id);
    edges.push(e);
  }
  const expanded = graph.expanded.includes(centre.id) ? graph.expanded : [...graph.expanded, centre.id];
  return { nodes, edges, expanded };
}

/** Dotted leaf paths an RFC 6902 patch sets (`/optimizer/lr` → `optimizer.lr`; an object value's leaves). */
export function patchPaths(patch: unknown): string[] {
  if (!Array.isArray(patch)) return [];
  const out = new Set<string>();
  const leaves = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(prefix ? `${prefix}.${k}` : k, v);
    } else if (prefix) {
      out.add(prefix);
    }
  };
  for (const op of patch as { op?: unknown; path?: unknown; value?: unknown }[]) {
    if (!op || typeof op.path !== 'string' || op.op === 'test') continue;
    const path = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.');
    if (op.op === 'remove') {
      if (path) out.add(path);
    } else leaves(path, op.value);
  }
  return [...out].sort();
}

export interface ExperimentNeighbours {
  number: number;
  name: string;
  parents: readonly { number: number; name: string }[];
  children: readonly { number: number; name: string }[];
  featuresDiff: unknown;
  evidence: readonly { hypothesis: { id: string; title: string } | null }[];
  measured: readonly { metric: string }[];
}

/** An experiment's neighbours: parents, children, the features it sets, hypotheses, metrics. */
export function experimentNeighbours(e: ExperimentNeighbours) {
  const centre = experimentNode(e.number, e.name);
  const nodes: KnowledgeNode[] = [];
  const edges: KnowledgeEdge[] = [];
  for (const p of e.parents) {
    nodes.push(experimentNode(p.number, p.name));
    edges.push(edge(`experiment:${p.number}`, centre.id, 'CHILD_OF'));
  }
  for (const c of e.children) {
    nodes.push(experimentNode(c.number, c.name));
    edges.push(edge(centre.id, `experiment:${c.number}`, 'CHILD_OF'));
  }
  for (const path of patchPaths(e.featuresDiff)) {
    nodes.push(featureNode(path));
    edges.push(edge(centre.id, `feature:${path}`, 'SETS'));
  }
  for (const { hypothesis } of e.evidence) {
    if (!hypothesis) continue;
    nodes.push(hypothesisNode(hypothesis.id, hypothesis.title));
    edges.push(edge(centre.id, `hypothesis:${hypothesis.id}`, 'EVIDENCE_FOR'));
  }
  for (const { metric } of e.measured) {
    nodes.push(metricNode(metric));
    edges.push(edge(centre.id, `metric:${metric}`, 'MEASURED'));
  }
  return { centre, nodes, edges };
}

export interface HypothesisNeighbours {
  id: string;
  title: string;
  experiments: readonly { number: number; name: string }[];
  targets: readonly { metric: string }[];
  about: readonly string[];
}

/** A hypothesis' neighbours: its linked experiments, target metrics and the features it is about. */
export function hypothesisNeighbours(h: HypothesisNeighbours) {
  const centre = hypothesisNode(h.id, h.title);
  const nodes: KnowledgeNode[] = [];
  const edges: KnowledgeEdge[] = [];
  for (const e of h.experiments) {
    nodes.push(experimentNode(e.number, e.name));
    edges.push(edge(`experiment:${e.number}`, centre.id, 'EVIDENCE_FOR'));
  }
  for (const { metric } of h.targets) {
    nodes.push(metricNode(metric));
    edges.push(edge(centre.id, `metric:${metric}`, 'TARGETS'));
  }
  for (const path of h.about) {
    nodes.push(featureNode(path));
    edges.push(edge(centre.id, `feature:${path}`, 'ABOUT'));
  }
  return { centre, nodes, edges };
}

/** The graph without the hidden kinds' nodes and the edges touching them. */
export function filterKinds(graph: KnowledgeGraph, shown: ReadonlySet<KnowledgeKind>): KnowledgeGraph {
  const nodes = graph.nodes.filter((n) => shown.has(n.kind));
  const ids = new Set(nodes.map((n) => n.id));
  return { nodes, edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)), expanded: graph.expanded };
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 44;

export interface KnowledgeNodeData extends Record<string, unknown> {
  node: KnowledgeNode;
  expanded: boolean;
  centre: boolean;
}
/** React Flow's node types, one per kind. */
export type KnowledgeFlowNode =
  | Node<KnowledgeNodeData, 'experiment'>
  | Node<KnowledgeNodeData, 'feature'>
  | Node<KnowledgeNodeData, 'hypothesis'>
  | Node<KnowledgeNodeData, 'metric'>;
export type KnowledgeFlowEdge = Edge<{ relation: Relation }>;

/** A layered left-to-right layout (dagre). */
export function layoutKnowledge(graph: KnowledgeGraph, centreId: string): { nodes: KnowledgeFlowNode[]; edges: KnowledgeFlowEdge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 80, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return {
    nodes: graph.nodes.map((n) => {
      const { x, y } = g.node(n.id);
      return {
        id: n.id,
        type: n.kind,
        position: { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 },
        data: { node: n, expanded: graph.expanded.includes(n.id), centre: n.id === centreId },
      } as KnowledgeFlowNode;
    }),
    edges: graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.relation.toLowerCase().replace('_', ' '),
      data: { relation: e.relation },
      style: e.relation === 'CHILD_OF' ? { strokeWidth: 2 } : { strokeDasharray: '5 4' },
    })),
  };
}

/** Colours per kind (border and background). */
export const KIND_STYLE: Record<KnowledgeKind, string> = {
  experiment: 'border-sky-500 bg-sky-50 dark:bg-sky-950',
  feature: 'border-violet-500 bg-violet-50 dark:bg-violet-950',
  hypothesis: 'border-amber-500 bg-amber-50 dark:bg-amber-950',
  metric: 'border-emerald-500 bg-emerald-50 dark:bg-emerald-950',
};
