import { useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useMemo } from 'react';
import { useParams } from 'react-router';
import { AskBox } from '@/features/ask';
import { SearchBox } from '@/features/search';
import { Empty, ErrorState, Loading } from '@/components/states';
import { ProjectHeader } from '@/components/project-tabs';
import { Input, Select } from '@/components/ui/input';
import type { Status } from '@/lib/generated/graphql';
import { useProjectEvents } from '@/lib/project-events';
import { useUrlParams } from '@/lib/url-params';
import { metricColumnsQueryOptions } from '../api/columns';
import { experimentFeaturesQueryOptions, useExperimentFeatures } from '../api/experiment-features';
import { useWholeMetricsTable } from '../api/metrics-table';
import { ColumnPicker } from '../components/column-picker';
import { parseColumns } from '../components/columns';
import { matchesFeatures, parseFeatureFilter } from '../components/feature-filter';
import { MetricsTableView } from '../components/metrics-table-view';

const statuses: Status[] = ['PLANNED', 'RUNNING', 'COMPLETE', 'FAILED'];

function asStatus(value: string | null): Status | null {
  return statuses.find((s) => s === value) ?? null;
}

/** What the cells are highlighted against (`?vs=`): the parent, the chain's root, or the best run. */
const comparisons = {
  parent: { label: 'its parent', comparison: 'parent', baseline: 'ROOT' },
  root: { label: 'the root of its chain', comparison: 'baseline', baseline: 'ROOT' },
  best: { label: 'the best run', comparison: 'baseline', baseline: 'BEST' },
} as const;
type ComparisonKey = keyof typeof comparisons;

function asComparison(value: string | null): ComparisonKey {
  return value === 'root' || value === 'best' ? value : 'parent';
}

/**
 * `/p/:project`: the metrics overview. Sort, filters, columns and comparison live in the URL
 * (?sort=&status=&q=&feature=&cols=&vs=); live project events refresh it.
 */
export function ProjectOverviewRoute() {
  const { project = '' } = useParams();
  const client = useQueryClient();
  const { params, setParam, setParams } = useUrlParams();
  const sortBy = params.get('sort');
  const status = asStatus(params.get('status'));
  const nameText = params.get('q') ?? '';
  const nameContains = useDeferredValue(nameText);
  const featureText = params.get('feature') ?? '';
  const deferredFeatureText = useDeferredValue(featureText);
  const featureFilter = useMemo(() => parseFeatureFilter(deferredFeatureText), [deferredFeatureText]);
  const filteringFeatures = featureFilter.conditions.length > 0;
  const columns = parseColumns(params.get('cols'));
  const vs = asComparison(params.get('vs'));
  const { comparison, baseline } = comparisons[vs];

  const { table, complete, error, isPending, isFetching } = useWholeMetricsTable({
    project,
    metrics: columns,
    sortBy,
    status,
    nameContains: nameContains || null,
    baseline,
  });
  const features = useExperimentFeatures({ project }, filteringFeatures);
  const shownTable = useMemo(() => {
    if (!table || !filteringFeatures) return table;
    // Unfiltered rows would pass for matches: nothing until the features are in.
    if (!features.data) return undefined;
    const byNumber = features.data;
    return { ...table, rows: table.rows.filter((row) => matchesFeatures(byNumber.get(row.number), featureFilter.conditions)) };
  }, [table, filteringFeatures, features.data, featureFilter.conditions]);

  // A live run sends events all the time: the table (every page recomputed by the server) is
  // refetched at most once a second, never while a refetch is still running.
  useProjectEvents(
    project,
    (events) => {
      void client.invalidateQueries({ queryKey: ['metricsTable'] }, { cancelRefetch: false });
      void client.invalidateQueries({ queryKey: metricColumnsQueryOptions({ project }).queryKey }, { cancelRefetch: false });
      if (events.some((event) => event.kind !== 'metrics_appended')) {
        void client.invalidateQueries({ queryKey: experimentFeaturesQueryOptions({ project }).queryKey }, { cancelRefetch: false });
      }
    },
    1000,
  );

  const filtered = !!(nameContains || status || filteringFeatures);
  const loadingFeatures = filteringFeatures && features.isPending;
  const rows = shownTable?.rows.length ?? 0;
  const total = table?.total ?? 0;
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      <div className="flex flex-wrap items-center gap-2">
        <Input
          className="max-w-xs"
          aria-label="Filter by name"
          placeholder="Filter by name…"
          value={nameText}
          onChange={(e) => setParam('q', e.target.value)}
        />
        <Select aria-label="Filter by status" value={status ?? ''} onChange={(e) => setParam('status', e.target.value || null)}>
          <option value="">All statuses</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s.toLowerCase()}
            </option>
          ))}
        </Select>
        <Input
          className="max-w-xs font-mono"
          aria-label="Filter by feature value"
          placeholder="optimizer.lr=0.01, …"
          title="Feature conditions, comma separated: path=value or path!=value (dotted paths)"
          value={featureText}
          onChange={(e) => setParam('feature', e.target.value)}
        />
        <Select aria-label="Compare with" value={vs} onChange={(e) => setParam('vs', e.target.value === 'parent' ? null : e.target.value)}>
          {Object.entries(comparisons).map(([key, { label }]) => (
            <option key={key} value={key}>
              vs {label}
            </option>
          ))}
        </Select>
        {table ? (
          <ColumnPicker
            project={project}
            // The URL's choice at once (the table keeps the previous columns while it refetches).
            shown={columns ?? table.metrics.map((m) => m.name)}
            // A sort by a column no longer shown would be refused: it goes with the column.
            onChange={(cols) => setParams({ cols, sort: sortBy && parseColumns(cols)?.includes(sortBy) === false ? null : sortBy })}
          />
        ) : null}
        {table ? (
          <span className="text-sm text-muted-foreground" aria-live="polite" data-testid="row-count">
            {rows === total || !shownTable ? `${total} experiments` : `${rows} of ${total} experiments`}
            {isFetching || !complete || loadingFeatures ? ' · updating…' : ''}
          </span>
        ) : null}
      </div>
      {featureFilter.error ? <ErrorState error={new Error(featureFilter.error)} /> : null}
      {features.error ? <ErrorState error={features.error} /> : null}
      {isPending ? <Loading what="Loading metrics" /> : null}
      {loadingFeatures ? <Loading what="Loading the runs' features" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {shownTable && rows === 0 ? (
        <Empty>{filtered ? 'No experiments match these filters.' : 'No experiments in this project yet.'}</Empty>
      ) : null}
      {shownTable && rows > 0 ? (
        <MetricsTableView
          project={project}
          table={shownTable}
          sortBy={sortBy}
          onSort={(m) => setParam('sort', m)}
          comparison={comparison}
          baseline={baseline}
        />
      ) : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <AskBox project={project} />
        <SearchBox project={project} />
      </div>
    </section>
  );
}
