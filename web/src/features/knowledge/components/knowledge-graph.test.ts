import { describe, expect, it } from 'vitest';
import {
  edge,
  experimentNeighbours,
  experimentNode,
  filterKinds,
  hypothesisNeighbours,
  layoutKnowledge,
  mergeNeighbours,
  parseNodeParam,
  patchPaths,
  type KnowledgeGraph,
} from './knowledge-graph';

const empty: KnowledgeGraph = { nodes: [], edges: [], expanded: [] };
const run2 = experimentNeighbours({
  number: 2,
  name: 'wide-adam',
  parents: [{ number: 1, name: 'baseline' }],
  children: [{ number: 4, name: 'diverged' }],
  featuresDiff: [
    { op: 'replace', path: '/optimizer', value: 'adam' },
    { op: 'add', path: '/model', value: { width: 128, depth: 3 } },
  ],
  evidence: [{ hypothesis: { id: 'h1', title: 'Adam helps' } }, { hypothesis: null }],
  measured: [{ metric: 'loss' }],
});

describe('mergeNeighbours', () => {
  it('adds the centre, its neighbours and the edges between them', () => {
    const g = mergeNeighbours(empty, run2.centre, run2);
    expect(g.nodes.map((n) => n.id)).toEqual([
      'experiment:2',
      'experiment:1',
      'experiment:4',
      'feature:model.depth',
      'feature:model.width',
      'feature:optimizer',
      'hypothesis:h1',
      'metric:loss',
    ]);
    expect(g.edges).toHaveLength(7);
    expect(g.expanded).toEqual(['experiment:2']);
  });

  it('adds nothing twice when a neighbour is expanded back towards the centre', () => {
    let g = mergeNeighbours(empty, run2.centre, run2);
    const run1 = experimentNeighbours({
      number: 1,
      name: 'baseline',
      parents: [],
      children: [
        { number: 2, name: 'wide-adam' },
        { number: 3, name: 'deep' },
      ],
      featuresDiff: [{ op: 'add', path: '', value: { optimizer: 'sgd' } }],
      evidence: [],
      measured: [{ metric: 'loss' }],
    });
    g = mergeNeighbours(g, run1.centre, run1);
    const ids = g.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('experiment:3');
    expect(g.nodes.find((n) => n.id === 'experiment:2')!.label).toBe('#2 wide-adam');
    const edgeIds = g.edges.map((e) => e.id);
    expect(new Set(edgeIds).size).toBe(edgeIds.length);
    expect(edgeIds.filter((id) => id === 'CHILD_OF:experiment:1->experiment:2')).toHaveLength(1);
    expect(g.expanded).toEqual(['experiment:2', 'experiment:1']);
    // The same again changes nothing.
    expect(mergeNeighbours(g, run1.centre, run1)).toEqual(g);
  });

  it('joins a hypothesis to what is already there', () => {
    let g = mergeNeighbours(empty, run2.centre, run2);
    const h = hypothesisNeighbours({
      id: 'h1',
      title: 'Adam helps',
      experiments: [
        { number: 2, name: 'wide-adam' },
        { number: 3, name: 'deep' },
      ],
      targets: [{ metric: 'loss' }, { metric: 'accuracy' }],
      about: ['optimizer'],
    });
    g = mergeNeighbours(g, h.centre, h);
    expect(g.nodes.filter((n) => n.kind === 'metric').map((n) => n.id)).toEqual(['metric:loss', 'metric:accuracy']);
    expect(g.edges.map((e) => e.id)).toContain('ABOUT:hypothesis:h1->feature:optimizer');
  });

  it('drops an edge whose end is missing', () => {
    const g = mergeNeighbours(empty, experimentNode(1, 'a'), { nodes: [], edges: [edge('experiment:1', 'experiment:9', 'CHILD_OF')] });
    expect(g.edges).toEqual([]);
  });
});

describe('filterKinds', () => {
  it('hides the kind and the edges touching it', () => {
    const g = filterKinds(mergeNeighbours(empty, run2.centre, run2), new Set(['experiment', 'hypothesis', 'metric'] as const));
    expect(g.nodes.some((n) => n.kind === 'feature')).toBe(false);
    expect(g.edges.some((e) => e.relation === 'SETS')).toBe(false);
    expect(g.edges).toHaveLength(4);
  });
});

describe('patchPaths and parseNodeParam', () => {
  it('gives the leaves an object value sets, and removed paths', () => {
    expect(patchPaths([{ op: 'add', path: '', value: { a: { b: 1 }, c: 2 } }, { op: 'remove', path: '/d~1e' }])).toEqual(['a.b', 'c', 'd/e']);
  });
  it('parses the node parameter', () => {
    expect(parseNodeParam('experiment:6')).toEqual({ kind: 'experiment', number: 6 });
    expect(parseNodeParam('hypothesis:ab:c')).toEqual({ kind: 'hypothesis', id: 'ab:c' });
    expect(parseNodeParam('experiment:x')).toBeNull();
    expect(parseNodeParam(null)).toBeNull();
  });
});

describe('layoutKnowledge', () => {
  it('places every node once, typed by kind', () => {
    const g = mergeNeighbours(empty, run2.centre, run2);
    const { nodes, edges } = layoutKnowledge(g, 'experiment:2');
    expect(nodes).toHaveLength(g.nodes.length);
    expect(nodes.find((n) => n.id === 'feature:optimizer')!.type).toBe('feature');
    expect(nodes.find((n) => n.id === 'experiment:2')!.data.centre).toBe(true);
    expect(edges).toHaveLength(g.edges.length);
  });
});
