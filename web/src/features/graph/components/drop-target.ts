import { NODE_HEIGHT, NODE_WIDTH } from './dag-layout';

interface Placed {
  id: string;
  position: { x: number; y: number };
}

/** The node a dragged node was dropped on: the one whose box holds the dragged node's centre. */
export function dropTarget(dragged: Placed, others: readonly Placed[]): string | null {
  const cx = dragged.position.x + NODE_WIDTH / 2;
  const cy = dragged.position.y + NODE_HEIGHT / 2;
  const hit = others.find(
    (o) =>
      o.id !== dragged.id &&
      cx >= o.position.x &&
      cx <= o.position.x + NODE_WIDTH &&
      cy >= o.position.y &&
      cy <= o.position.y + NODE_HEIGHT,
  );
  return hit?.id ?? null;
}
