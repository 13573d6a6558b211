import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { MetricColumnsQuery, MetricColumnsQueryVariables } from '@/lib/generated/graphql';

/** What the column picker offers: the configured metrics and the table's default columns. */
export const MetricColumnsDocument = /* GraphQL */ `
  query MetricColumns($project: String!) {
    metricConfigs(project: $project) {
      name
    }
    metricsTable(project: $project, first: 1) {
      metrics {
        name
      }
    }
  }
`;

export function fetchMetricColumns(variables: MetricColumnsQueryVariables) {
  return gql<MetricColumnsQuery, MetricColumnsQueryVariables>(MetricColumnsDocument, variables);
}

export const metricColumnsQueryOptions = (variables: MetricColumnsQueryVariables) =>
  queryOptions({ queryKey: ['metricColumns', variables], queryFn: () => fetchMetricColumns(variables) });

/** Fetched only while the picker is open: the overview's first paint does not wait for it. */
export function useMetricColumns(variables: MetricColumnsQueryVariables, enabled: boolean) {
  return useQuery({ ...metricColumnsQueryOptions(variables), enabled });
}
