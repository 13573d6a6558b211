import { useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useParams } from 'react-router';
import { useWholeMetricsTable } from '@/features/metrics';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Select } from '@/components/ui/input';
import { useProjectEvents } from '@/lib/project-events';
import { useUrlParams } from '@/lib/url-params';
import { dagQueryOptions, useDag } from '../api/dag';
import { DagGraph } from '../components/dag-graph';
import { IndicatorContext, nodeIndicators } from '../components/indicators';

/** The chooser's value for "no indicator" (`?metric=none`). */
const NO_METRIC = 'none';

/**
 * `/p/:project/graph?metric=`: the experiment DAG, each node marked with the chosen metric
 * against its parent (the first key metric unless chosen); drag an experiment onto another
 * to reparent it. Live project events refresh it.
 */
export function GraphRoute() {
  const { project = '' } = useParams();
  const client = useQueryClient();
  const { params, setParam } = useUrlParams();
  const { data, error, isPending } = useDag({ project });
  // The overview's default table (the same query, so the same cache): every key metric.
  const metrics = useWholeMetricsTable({ project, metrics: null, sortBy: null, status: null, nameContains: null, baseline: 'ROOT' });
  const columns = metrics.table?.metrics ?? [];
  const metric = params.get('metric') ?? columns[0]?.name ?? NO_METRIC;
  const indicators = useMemo(
    () => (metrics.table && metric !== NO_METRIC ? nodeIndicators(metrics.table.metrics, metrics.table.rows, metric) : null),
    [metrics.table, metric],
  );

  // As on the overview: the indicators' table at most once a second, never over a running refetch.
  useProjectEvents(
    project,
    (events) => {
      void client.invalidateQueries({ queryKey: ['metricsTable'] }, { cancelRefetch: false });
      if (events.some((event) => event.kind !== 'metrics_appended')) {
        void client.invalidateQueries({ queryKey: dagQueryOptions({ project }).queryKey });
      }
    },
    1000,
  );

  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      <label className="flex items-center gap-2 text-sm">
        Mark nodes by
        <Select aria-label="Indicator metric" value={metric} onChange={(e) => setParam('metric', e.target.value)}>
          <option value={NO_METRIC}>no metric</option>
          {columns.map((m) => (
            <option key={m.name} value={m.name}>
              {m.name} ({m.direction === 'MAXIMIZE' ? 'higher' : 'lower'} is better)
            </option>
          ))}
        </Select>
        {metrics.error ? <ErrorState error={metrics.error} /> : null}
      </label>
      {isPending ? <Loading what="Loading the graph" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.dag.nodes.length === 0 ? <Empty>No experiments yet.</Empty> : null}
      {data && data.dag.nodes.length > 0 ? (
        <IndicatorContext value={indicators}>
          <DagGraph project={project} dag={data.dag} />
        </IndicatorContext>
      ) : null}
    </section>
  );
}
