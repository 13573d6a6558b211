import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { SeriesQuery, SeriesQueryVariables } from '@/lib/generated/graphql';

export const SeriesDocument = /* GraphQL */ `
  query Series($project: String!, $number: Int!, $metric: String!, $maxPoints: Int! = 1000) {
    series(project: $project, number: $number, metric: $metric, maxPoints: $maxPoints) {
      metric
      steps
      values
      tailSteps
      tailValues
    }
  }
`;

export function fetchSeries(variables: SeriesQueryVariables) {
  return gql<SeriesQuery, SeriesQueryVariables>(SeriesDocument, variables);
}

export const seriesQueryOptions = (variables: SeriesQueryVariables) =>
  queryOptions({
    queryKey: ['series', variables],
    queryFn: () => fetchSeries(variables),
    enabled: variables.metric !== '',
  });

export function useSeries(variables: SeriesQueryVariables) {
  return useQuery(seriesQueryOptions(variables));
}
