import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, ErrorState, Loading } from '@/components/states';
import { toNumber } from '@/lib/metric-value';
import { useSeries } from '../api/series';

export function MetricChart({ project, number, metric }: { project: string; number: number; metric: string }) {
  const { data, error, isPending } = useSeries({ project, number, metric, maxPoints: 1000 });
  if (isPending) return <Loading what="Loading the series" />;
  if (error) return <ErrorState error={error} />;
  const steps = [...data.series.steps, ...data.series.tailSteps];
  const values = [...data.series.values, ...data.series.tailValues];
  // NaN and the infinities break the line (null), they are not plotted as numbers.
  const points = steps.map((step, i) => {
    const v = toNumber(values[i]);
    return { step, value: Number.isFinite(v) ? v : null };
  });
  if (points.length === 0) return <Empty>No points logged for {metric}.</Empty>;
  return (
    <div className="h-64 w-full" data-testid="metric-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="step" stroke="var(--muted-foreground)" fontSize={12} />
          <YAxis stroke="var(--muted-foreground)" fontSize={12} domain={['auto', 'auto']} />
          <Tooltip contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)' }} />
          <Line type="monotone" dataKey="value" name={metric} stroke="var(--ring)" dot={false} isAnimationActive={false} connectNulls={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
