import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, ErrorState, Loading } from '@/components/states';
import { toNumber } from '@/lib/metric-value';
import { type Series, useSeries } from '../api/series';
interface Point {
  step: number;
  value: number | null;
}

/** A series as chart points by step; NaN and the infinities break the line (null). */
export function seriesPoints(series: Series): Point[] {
  const steps = [...series.steps, ...series.tailSteps];
  const values = [...series.values, ...series.tailValues];
  return steps.map((step, i) => {
    const v = toNumber(values[i]);
    return { step, value: Number.isFinite(v) ? v : null };
  });
}

export function MetricChart({
  project,
  number,
  metric,
  parentNumber,
}: {
  project: string;
  number: number;
  metric: string;
  /** The parent to compare with (its series of the same metric as a second line). */
  parentNumber?: number | null;
}) {
  const { data, error, isPending } = useSeries({ project, number, metric, maxPoints: 1000 });
  const parent = useSeries({ project, number: parentNumber ?? 0, metric: parentNumber == null ? '' : metric, maxPoints: 1000 });
  if (isPending) return <Loading what="Loading the series" />;
  if (error) return <ErrorState error={error} />;
  // The parent may never have logged this metric: then it simply has no line.
  const parentSeries = parentNumber != null && !parent.error ? parent.data?.series : undefined;
  const points = seriesPoints(data.series);
  if (points.length === 0) return <Empty>No points logged for {metric}.</Empty>;
  const parentPoints = parentSeries ? seriesPoints(parentSeries) : [];
  return (
    <div className="h-64 w-full" data-testid="metric-chart" data-points={points.length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} stroke="var(--muted-foreground)" fontSize={12} />
          <YAxis stroke="var(--muted-foreground)" fontSize={12} domain={['auto', 'auto']} />
          <Tooltip contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)' }} />
          <Legend />
          <Line data={points} type="monotone" dataKey="value" name={`#${number} ${metric}`} stroke="var(--ring)" dot={false} isAnimationActive={false} connectNulls={false} />
          {parentPoints.length > 0 ? (
            <Line
              type="monotone"
              data={parentPoints}
              dataKey="value"
              name={`parent #${parentNumber} ${metric}`}
              stroke="var(--muted-foreground)"
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
