import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty } from '@/components/states';
import type { Hypothesis } from '../api/hypotheses';
import { waterfall } from './waterfall';

const axis = { stroke: 'var(--muted-foreground)', fontSize: 12 };
const tooltip = { contentStyle: { background: 'var(--card)', border: '1px solid var(--border)' } };

/** Each linked run's contribution floating from the running total, then the total. */
export function WaterfallChart({ contributions }: { contributions: { experiment: number; contribution: number }[] }) {
  if (contributions.length === 0) return <Empty>No linked run has both values of a target metric yet.</Empty>;
  const data = waterfall(contributions).map((step) => ({
    ...step,
    range: [step.base, step.base + step.size] as [number, number],
  }));
  return (
    <div className="h-64 w-full" data-testid="waterfall-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="label" {...axis} />
          <YAxis {...axis} domain={['auto', 'auto']} />
          <ReferenceLine y={0} stroke="var(--muted-foreground)" />
          <Tooltip
            {...tooltip}
            formatter={(_value, _name, item) => {
              const step = (item as { payload: (typeof data)[number] }).payload;
              return [`${step.contribution.toFixed(3)} (total ${step.end.toFixed(3)})`, step.experiment === null ? 'score' : 'contribution'];
            }}
          />
          <Bar dataKey="range" isAnimationActive={false}>
            {data.map((step) => (
              <Cell
                key={step.label}
                fill={step.experiment === null ? 'var(--ring)' : step.contribution >= 0 ? '#16a34a' : '#dc2626'}
              />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The score after each computation, with the support and refute thresholds. */
export function TimelineChart({
  timeline,
  thresholds,
}: {
  timeline: Hypothesis['timeline'];
  thresholds?: { support: number; refute: number };
}) {
  if (timeline.length === 0) return <Empty>The evidence has not been computed yet.</Empty>;
  const data = timeline.map((point) => ({ ...point, when: new Date(point.at).toLocaleString() }));
  return (
    <div className="h-56 w-full" data-testid="timeline-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="when" {...axis} />
          <YAxis {...axis} domain={['auto', 'auto']} />
          {thresholds ? (
            <>
              <ReferenceLine y={thresholds.support} stroke="#16a34a" strokeDasharray="4 4" />
              <ReferenceLine y={-thresholds.refute} stroke="#dc2626" strokeDasharray="4 4" />
            </>
          ) : null}
          <Tooltip {...tooltip} />
          <Line type="monotone" dataKey="score" name="score" stroke="var(--ring)" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
