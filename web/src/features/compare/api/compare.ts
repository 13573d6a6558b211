import { queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  CompareExperimentQuery,
  CompareExperimentQueryVariables,
  CompareMetricQuery,
  CompareMetricQueryVariables,
  CompareRunsQuery,
  CompareRunsQueryVariables,
  ParetoFrontQuery,
  ParetoFrontQueryVariables,
} from '@/lib/generated/graphql';

export const CompareRunsDocument = /* GraphQL */ `
  query CompareRuns($project: String!) {
    experiments(project: $project, first: 1000) {
      nodes {
        number
        name
      }
    }
    metricsTable(project: $project, first: 1) {
      metrics {
        name
        direction
      }
    }
  }
`;

export const CompareExperimentDocument = /* GraphQL */ `
  query CompareExperiment($project: String!, $number: Int!) {
    experiment(project: $project, number: $number) {
      number
      name
      featuresFull
    }
  }
`;

export const CompareMetricDocument = /* GraphQL */ `
  query CompareMetric($project: String!, $metric: String!, $numbers: [Int!]!) {
    compareMetric(project: $project, metric: $metric, numbers: $numbers) {
      number
      value
    }
  }
`;

export const ParetoFrontDocument = /* GraphQL */ `
  query ParetoFront($project: String!, $metrics: [String!]!) {
    paretoFront(project: $project, metrics: $metrics) {
      number
      name
      values
    }
  }
`;

export function fetchCompareRuns(variables: CompareRunsQueryVariables) {
  return gql<CompareRunsQuery, CompareRunsQueryVariables>(CompareRunsDocument, variables);
}
export const compareRunsQueryOptions = (variables: CompareRunsQueryVariables) =>
  queryOptions({ queryKey: ['compareRuns', variables], queryFn: () => fetchCompareRuns(variables) });
export function useCompareRuns(variables: CompareRunsQueryVariables) {
  return useQuery(compareRunsQueryOptions(variables));
}

export function fetchCompareExperiment(variables: CompareExperimentQueryVariables) {
  return gql<CompareExperimentQuery, CompareExperimentQueryVariables>(CompareExperimentDocument, variables);
}
export const compareExperimentQueryOptions = (variables: CompareExperimentQueryVariables) =>
  queryOptions({ queryKey: ['experiment', 'features', variables], queryFn: () => fetchCompareExperiment(variables) });
/** Each run's full features, in the order given. */
export function useCompareExperiments(project: string, numbers: number[]) {
  return useQueries({ queries: numbers.map((number) => compareExperimentQueryOptions({ project, number })) });
}

export function fetchCompareMetric(variables: CompareMetricQueryVariables) {
  return gql<CompareMetricQuery, CompareMetricQueryVariables>(CompareMetricDocument, variables);
}
export const compareMetricQueryOptions = (variables: CompareMetricQueryVariables) =>
  queryOptions({ queryKey: ['compareMetric', variables], queryFn: () => fetchCompareMetric(variables) });
/** One query per metric: each metric's value for every run. */
export function useCompareMetrics(project: string, metrics: string[], numbers: number[]) {
  return useQueries({
    queries: metrics.map((metric) => ({ ...compareMetricQueryOptions({ project, metric, numbers }), enabled: numbers.length > 0 })),
  });
}

export function fetchParetoFront(variables: ParetoFrontQueryVariables) {
  return gql<ParetoFrontQuery, ParetoFrontQueryVariables>(ParetoFrontDocument, variables);
}
export const paretoFrontQueryOptions = (variables: ParetoFrontQueryVariables) =>
  queryOptions({ queryKey: ['paretoFront', variables], queryFn: () => fetchParetoFront(variables) });
export function useParetoFront(variables: ParetoFrontQueryVariables, enabled: boolean) {
  return useQuery({ ...paretoFrontQueryOptions(variables), enabled });
}
