import { useDeferredValue } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { AskBox } from '@/features/ask';
import { SearchBox } from '@/features/search';
import { Empty, ErrorState, Loading } from '@/components/states';
import { ProjectHeader } from '@/components/project-tabs';
import { Input, Select } from '@/components/ui/input';
import type { Status } from '@/lib/generated/graphql';
import { useMetricsTable } from '../api/metrics-table';
import { MetricsTableView } from '../components/metrics-table-view';

const statuses: Status[] = ['PLANNED', 'RUNNING', 'COMPLETE', 'FAILED'];

function asStatus(value: string | null): Status | null {
  return statuses.find((s) => s === value) ?? null;
}

/** `/p/:project`: the metrics overview; sort and filters live in the URL (?sort=&status=&q=). */
export function ProjectOverviewRoute() {
  const { project = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const sortBy = params.get('sort');
  const status = asStatus(params.get('status'));
  const nameText = params.get('q') ?? '';
  const nameContains = useDeferredValue(nameText);

  const setParam = (key: string, value: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  const { data, error, isPending, isFetching } = useMetricsTable({
    project,
    sortBy,
    status,
    nameContains: nameContains || null,
    first: 1000,
  });

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
        {data ? (
          <span className="text-sm text-muted-foreground" aria-live="polite">
            {data.metricsTable.rows.length === data.metricsTable.total
              ? `${data.metricsTable.total} experiments`
              : `${data.metricsTable.rows.length} of ${data.metricsTable.total} experiments`}
            {isFetching ? ' · updating…' : ''}
          </span>
        ) : null}
      </div>
      {isPending ? <Loading what="Loading metrics" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.metricsTable.rows.length === 0 ? (
        <Empty>{nameContains || status ? 'No experiments match these filters.' : 'No experiments in this project yet.'}</Empty>
      ) : null}
      {data && data.metricsTable.rows.length > 0 ? (
        <MetricsTableView project={project} table={data.metricsTable} sortBy={sortBy} onSort={(m) => setParam('sort', m)} />
      ) : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <AskBox project={project} />
        <SearchBox project={project} />
      </div>
    </section>
  );
}
