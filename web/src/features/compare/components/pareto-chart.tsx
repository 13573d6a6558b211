import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { Empty } from '@/components/states';

export interface ParetoPoint {
  number: number;
  name: string;
  x: number;
  y: number;
}

const axis = { stroke: 'var(--muted-foreground)', fontSize: 12 };

/** The compared runs over two metrics; the project's Pareto front drawn larger and highlighted. */
export function ParetoChart({ x, y, runs, front }: { x: string; y: string; runs: ParetoPoint[]; front: ParetoPoint[] }) {
  const finite = (p: ParetoPoint) => Number.isFinite(p.x) && Number.isFinite(p.y);
  const onFront = new Set(front.map((p) => p.number));
  const others = runs.filter((p) => finite(p) && !onFront.has(p.number));
  const frontPoints = front.filter(finite);
  if (others.length === 0 && frontPoints.length === 0) return <Empty>No run has both metrics yet.</Empty>;
  return (
    <div className="h-72 w-full" data-testid="pareto-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis type="number" dataKey="x" name={x} domain={['auto', 'auto']} label={{ value: x, position: 'insideBottom', offset: -12, fill: 'var(--muted-foreground)' }} {...axis} />
          <YAxis type="number" dataKey="y" name={y} domain={['auto', 'auto']} label={{ value: y, angle: -90, position: 'insideLeft', fill: 'var(--muted-foreground)' }} {...axis} />
          <ZAxis range={[80, 80]} />
          <Tooltip
            contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)' }}
            formatter={(value) => String(value)}
            labelFormatter={() => ''}
          />
          <Scatter name="Compared runs" data={others} fill="#64748b" isAnimationActive={false} />
          <Scatter name="Pareto front" data={frontPoints} fill="#f59e0b" stroke="#b45309" line={{ stroke: '#f59e0b', strokeDasharray: '4 3' }} isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
      <p className="text-xs text-muted-foreground">
        <span className="mr-1 inline-block h-2 w-2 rounded-full bg-amber-500" /> on the Pareto front (
        {frontPoints.map((p) => `#${p.number}`).join(', ') || 'none'}) ·{' '}
        <span className="mr-1 inline-block h-2 w-2 rounded-full bg-slate-500" /> other compared runs
      </p>
    </div>
  );
}
