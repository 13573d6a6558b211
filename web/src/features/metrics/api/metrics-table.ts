import { keepPreviousData, queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { gql } from '@/lib/graphql';
import type { MetricsTableQuery, MetricsTableQueryVariables } from '@/lib/generated/graphql';

export const MetricsTableDocument = /* GraphQL */ `
  query MetricsTable(
    $project: String!
    $metrics: [String!]
    $status: Status
    $nameContains: String
    $baseline: Baseline! = ROOT
    $sortBy: String
    $first: Int! = 1000
    $offset: Int! = 0
  ) {
    metricsTable(
      project: $project
      metrics: $metrics
      status: $status
      nameContains: $nameContains
      baseline: $baseline
      sortBy: $sortBy
      first: $first
      offset: $offset
    ) {
      total
      metrics {
        name
        direction
        aggregation
        derived
      }
      rows {
        number
        name
        status
        parentNumber
        cells {
          value
          deltaParent
          deltaBaseline
          improvedParent
          improvedBaseline
          missing
        }
      }
    }
  }
`;

export type MetricsTable = MetricsTableQuery['metricsTable'];
export type TableRow = MetricsTable['rows'][number];
export type TableCell = TableRow['cells'][number];
export type TableMetric = MetricsTable['metrics'][number];

/** The most rows the server gives in one page. */
export const TABLE_PAGE_SIZE = 1000;

export function fetchMetricsTable(variables: MetricsTableQueryVariables) {
  return gql<MetricsTableQuery, MetricsTableQueryVariables>(MetricsTableDocument, variables);
}

export const metricsTableQueryOptions = (variables: MetricsTableQueryVariables) =>
  queryOptions({
    queryKey: ['metricsTable', variables],
    queryFn: () => fetchMetricsTable(variables),
    placeholderData: keepPreviousData,
  });

export function useMetricsTable(variables: MetricsTableQueryVariables) {
  return useQuery(metricsTableQueryOptions(variables));
}

type WholeTableVariables = Omit<MetricsTableQueryVariables, 'first' | 'offset'>;

/** The offsets of the pages after the first one, for `total` rows. */
export function laterPageOffsets(total: number, pageSize = TABLE_PAGE_SIZE): number[] {
  const offsets: number[] = [];
  for (let offset = pageSize; offset < total; offset += pageSize) offsets.push(offset);
  return offsets;
}

/** The later pages' rows in order, complete once every page of the current filter is in. */
function combineLaterPages(pages: { data?: MetricsTableQuery; isPlaceholderData: boolean }[]) {
  const rows: TableRow[] = [];
  for (const page of pages) {
    // A page still showing an earlier filter's rows (or not loaded yet) ends the run.
    if (!page.data || page.isPlaceholderData) return { rows, complete: false };
    rows.push(...page.data.metricsTable.rows);
  }
  return { rows, complete: true };
}

/**
 * Every row of the table: the first page at once (the table shows while the rest loads), then
 * the later pages side by side. `complete` is false until every page of the current filter
 * is in.
 */
export function useWholeMetricsTable(variables: WholeTableVariables) {
  const first = useMetricsTable({ ...variables, first: TABLE_PAGE_SIZE, offset: 0 });
  const fresh = first.data && !first.isPlaceholderData ? first.data.metricsTable : undefined;
  const later = useQueries({
    queries: laterPageOffsets(fresh?.total ?? 0).map((offset) =>
      metricsTableQueryOptions({ ...variables, first: TABLE_PAGE_SIZE, offset }),
    ),
    // At module scope: a stable combine keeps its result (and the rows below) between renders.
    combine: combineLaterPages,
  });
  const firstTable = first.data?.metricsTable;
  const table = useMemo(
    () => (firstTable && later.rows.length > 0 ? { ...firstTable, rows: [...firstTable.rows, ...later.rows] } : firstTable),
    [firstTable, later.rows],
  );
  return {
    table,
    complete: !!fresh && later.complete,
    error: first.error,
    isPending: first.isPending,
    isFetching: first.isFetching || !later.complete,
  };
}
