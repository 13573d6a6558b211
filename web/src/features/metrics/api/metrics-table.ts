import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { MetricsTableQuery, MetricsTableQueryVariables } from '@/lib/generated/graphql';

export const MetricsTableDocument = /* GraphQL */ `
  query MetricsTable(
    $project: String!
    $metrics: [String!]
    $status: Status
    $nameContains: String
    $sortBy: String
    $first: Int! = 1000
    $offset: Int! = 0
  ) {
    metricsTable(
      project: $project
      metrics: $metrics
      status: $status
      nameContains: $nameContains
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
          improvedParent
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
