import { describe, expect, it } from 'vitest';
import { layoutDag, NODE_HEIGHT } from './dag-layout';
import { dropTarget } from './drop-target';

const node = (number: number) => ({ number, name: `e${number}`, status: 'COMPLETE' as const, progress: 100 });

describe('layoutDag', () => {
  const { nodes, edges } = layoutDag({
    nodes: [node(1), node(2), node(3), node(4)],
    edges: [
      { from: 1, to: 2, kind: 'CHILD_OF' },
      { from: 1, to: 3, kind: 'CHILD_OF' },
      { from: 2, to: 4, kind: 'CHILD_OF' },
      { from: 3, to: 4, kind: 'MERGED_FROM' },
    ],
  });
  const y = (n: number) => nodes.find((x) => x.id === String(n))!.position.y;

  it('draws parents above their children, one layer apart at least', () => {
    expect(y(1) + NODE_HEIGHT).toBeLessThan(y(2));
    expect(y(1) + NODE_HEIGHT).toBeLessThan(y(3));
    expect(y(2) + NODE_HEIGHT).toBeLessThan(y(4));
    expect(y(2)).toBe(y(3));
  });

  it('types every node as an experiment and dashes merge edges only', () => {
    expect(nodes.every((n) => n.type === 'experiment')).toBe(true);
    expect(edges.filter((e) => e.style?.strokeDasharray).map((e) => e.id)).toEqual(['MERGED_FROM-3-4']);
  });
});

describe('dropTarget', () => {
  const others = [
    { id: '1', position: { x: 0, y: 0 } },
    { id: '2', position: { x: 300, y: 0 } },
  ];
  it('finds the node under the dragged node’s centre', () => {
    expect(dropTarget({ id: '3', position: { x: 310, y: 10 } }, others)).toBe('2');
  });
  it('finds nothing on empty canvas, and never the node itself', () => {
    expect(dropTarget({ id: '3', position: { x: 1000, y: 1000 } }, others)).toBeNull();
    expect(dropTarget({ id: '1', position: { x: 0, y: 0 } }, others)).toBeNull();
  });
});
