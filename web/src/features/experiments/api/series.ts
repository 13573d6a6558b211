import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { MetricPointsSubscription, SeriesQuery, SeriesQueryVariables } from '@/lib/generated/graphql';
import { useSubscription } from '@/lib/subscriptions';
import { withLivePoints } from '../components/live-series';

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

export const MetricPointsDocument = /* GraphQL */ `
  subscription MetricPoints($project: String!, $number: Int!) {
    metricPoints(project: $project, number: $number) {
      chunkSequence
      points {
        metric
        step
        value
      }
    }
  }
`;

export type Series = SeriesQuery['series'];
export type LivePoint = MetricPointsSubscription['metricPoints']['points'][number];

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

/**
 * Grows the cached series of experiment `number` with the points its run stores from now on
 * (the `metricPoints` subscription): new steps join the live tail at once; a point before the
 * cached end (a rewrite) refetches that series instead.
 */
export function useLiveSeries(project: string, number: number) {
  const client = useQueryClient();
  const onBatch = ({ metricPoints }: MetricPointsSubscription) => {
    const byMetric = new Map<string, LivePoint[]>();
    for (const point of metricPoints.points) {
      const list = byMetric.get(point.metric);
      if (list) list.push(point);
      else byMetric.set(point.metric, [point]);
    }
    for (const [metric, points] of byMetric) {
      const cached = client.getQueriesData<SeriesQuery>({ queryKey: ['series', { project, number, metric }] });
      for (const [queryKey, data] of cached) {
        const grown = data ? withLivePoints(data.series, points) : null;
        if (grown) client.setQueryData<SeriesQuery>(queryKey, { series: grown });
        else void client.invalidateQueries({ queryKey, exact: true });
      }
    }
  };
  useSubscription<MetricPointsSubscription>(MetricPointsDocument, { project, number }, onBatch, Number.isInteger(number));
}
