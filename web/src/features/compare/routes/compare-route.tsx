import { Link, useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Card, CardTitle } from '@/components/ui/card';
import { Select } from '@/components/ui/input';
import { formatMetric, toNumber } from '@/lib/metric-value';
import { useUrlParams } from '@/lib/url-params';
import { cn } from '@/lib/utils';
import { useCompareExperiments, useCompareMetrics, useCompareRuns, useParetoFront } from '../api/compare';
import { compareFeatures, parseRuns } from '../components/compare-table';
import { ParetoChart, type ParetoPoint } from '../components/pareto-chart';

/** `/p/:project/compare?runs=2,3,5&x=&y=`: runs side by side — features, metrics, a Pareto plot. */
export function CompareRoute() {
  const { project = '' } = useParams();
  // Each choice is a history entry: Back returns to the previous comparison.
  const { params, setParam } = useUrlParams({ replace: false });
  const numbers = parseRuns(params.get('runs'));
  const runs = useCompareRuns({ project });
  const metricNames = runs.data?.metricsTable.metrics.map((m) => m.name) ?? [];

  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {runs.isPending ? <Loading what="Loading the runs" /> : null}
      {runs.error ? <ErrorState error={runs.error} /> : null}
      {runs.data ? (
        <fieldset className="flex flex-wrap gap-3 rounded-md border border-border p-3 text-sm">
          <legend className="px-1 font-medium">Runs to compare</legend>
          {runs.data.experiments.nodes.map((run) => (
            <label key={run.number} className="flex items-center gap-1">
              <input
                type="checkbox"
                checked={numbers.includes(run.number)}
                onChange={(e) =>
                  setParam(
                    'runs',
                    (e.target.checked ? [...numbers, run.number] : numbers.filter((n) => n !== run.number)).join(','),
                  )
                }
              />
              #{run.number} {run.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      {numbers.length < 2 ? <Empty>Choose two or more runs.</Empty> : null}
      {numbers.length >= 1 ? (
        <>
          <FeaturesCard project={project} numbers={numbers} />
          <MetricsCard project={project} numbers={numbers} metrics={metricNames} />
          {metricNames.length >= 2 ? (
            <ParetoCard
              project={project}
              numbers={numbers}
              metrics={metricNames}
              x={params.get('x') && metricNames.includes(params.get('x')!) ? params.get('x')! : metricNames[0]!}
              y={params.get('y') && metricNames.includes(params.get('y')!) ? params.get('y')! : metricNames[1]!}
              onChange={setParam}
            />
          ) : runs.data ? (
            <Empty>A Pareto plot needs two metrics.</Empty>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function RunHeads({ project, numbers }: { project: string; numbers: number[] }) {
  return numbers.map((n) => (
    <th key={n} scope="col" className="px-2 py-1 text-left font-medium">
      <Link className="underline" to={`/p/${encodeURIComponent(project)}/e/${n}`}>
        #{n}
      </Link>
    </th>
  ));
}

function FeaturesCard({ project, numbers }: { project: string; numbers: number[] }) {
  const results = useCompareExperiments(project, numbers);
  const error = results.find((r) => r.error)?.error;
  const ready = results.every((r) => r.data);
  const rows = ready ? compareFeatures(results.map((r) => r.data!.experiment.featuresFull)) : [];
  return (
    <Card>
      <CardTitle>Features</CardTitle>
      {error ? <ErrorState error={error} /> : null}
      {!ready && !error ? <Loading what="Loading the features" /> : null}
      {ready && rows.length === 0 ? <Empty>No features.</Empty> : null}
      {rows.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" aria-label="Features side by side">
            <thead>
              <tr className="border-b border-border">
                <th scope="col" className="px-2 py-1 text-left font-medium">Feature</th>
                <RunHeads project={project} numbers={numbers} />
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.path} data-testid="compare-feature-row" data-differs={row.anyDiffers} className="border-b border-border/50">
                  <th scope="row" className={cn('px-2 py-1 text-left font-mono font-normal', row.anyDiffers && 'font-semibold')}>
                    {row.path}
                  </th>
                  {row.cells.map((cell, i) => (
                    <td
                      key={numbers[i]}
                      data-differs={row.differs[i]}
                      className={cn('px-2 py-1 font-mono', row.differs[i] && 'bg-amber-100 dark:bg-amber-900/40')}
                    >
                      {cell ?? <span className="text-muted-foreground">—</span>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-1 text-xs text-muted-foreground">Highlighted: a value that differs from #{numbers[0]}’s.</p>
        </div>
      ) : null}
    </Card>
  );
}

function MetricsCard({ project, numbers, metrics }: { project: string; numbers: number[]; metrics: string[] }) {
  const results = useCompareMetrics(project, metrics, numbers);
  const error = results.find((r) => r.error)?.error;
  return (
    <Card>
      <CardTitle>Metrics</CardTitle>
      {error ? <ErrorState error={error} /> : null}
      {metrics.length === 0 ? <Empty>No key metrics configured.</Empty> : null}
      {metrics.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" aria-label="Metrics side by side">
            <thead>
              <tr className="border-b border-border">
                <th scope="col" className="px-2 py-1 text-left font-medium">Metric</th>
                <RunHeads project={project} numbers={numbers} />
              </tr>
            </thead>
            <tbody>
              {metrics.map((metric, i) => {
                const points = results[i]?.data?.compareMetric;
                return (
                  <tr key={metric} data-testid="compare-metric-row" data-metric={metric} className="border-b border-border/50">
                    <th scope="row" className="px-2 py-1 text-left font-mono font-normal">{metric}</th>
                    {numbers.map((n) => {
                      const point = points?.find((p) => p.number === n);
                      return (
                        <td key={n} className="px-2 py-1 font-mono" data-testid="compare-metric-cell">
                          {points ? formatMetric(point?.value) : '…'}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function ParetoCard({
  project,
  numbers,
  metrics,
  x,
  y,
  onChange,
}: {
  project: string;
  numbers: number[];
  metrics: string[];
  x: string;
  y: string;
  onChange: (key: string, value: string) => void;
}) {
  const values = useCompareMetrics(project, [x, y], numbers);
  const front = useParetoFront({ project, metrics: [x, y] }, x !== y);
  const error = values.find((r) => r.error)?.error ?? front.error;
  const [xs, ys] = [values[0]?.data?.compareMetric, values[1]?.data?.compareMetric];
  const runs: ParetoPoint[] =
    xs && ys
      ? xs.map((p, i) => ({ number: p.number, name: `#${p.number}`, x: toNumber(p.value), y: toNumber(ys[i]?.value) }))
      : [];
  const frontPoints: ParetoPoint[] = (front.data?.paretoFront ?? []).map((p) => ({
    number: p.number,
    name: p.name,
    x: toNumber(p.values[0]),
    y: toNumber(p.values[1]),
  }));
  const options = metrics.map((m) => (
    <option key={m} value={m}>
      {m}
    </option>
  ));
  return (
    <Card>
      <CardTitle>Pareto plot</CardTitle>
      <div className="mb-2 flex flex-wrap gap-2 text-sm">
        <label className="flex items-center gap-1">
          x <Select aria-label="Pareto x metric" value={x} onChange={(e) => onChange('x', e.target.value)}>{options}</Select>
        </label>
        <label className="flex items-center gap-1">
          y <Select aria-label="Pareto y metric" value={y} onChange={(e) => onChange('y', e.target.value)}>{options}</Select>
        </label>
      </div>
      {error ? <ErrorState error={error} /> : null}
      {x === y ? <Empty>Choose two different metrics.</Empty> : null}
      {x !== y && xs && ys && front.data ? <ParetoChart x={x} y={y} runs={runs} front={frontPoints} /> : null}
      {x !== y && !error && !(xs && ys && front.data) ? <Loading what="Loading the plot" /> : null}
    </Card>
  );
}
