import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  MetricConfigInput,
  MetricConfigsQuery,
  MetricConfigsQueryVariables,
  RemoveMetricConfigMutation,
  RemoveMetricConfigMutationVariables,
  SetMetricConfigMutation,
  SetMetricConfigMutationVariables,
} from '@/lib/generated/graphql';

export const MetricConfigsDocument = /* GraphQL */ `
  query MetricConfigs($project: String!) {
    metricConfigs(project: $project) {
      name
      direction
      aggregation
      expression
    }
  }
`;

export const SetMetricConfigDocument = /* GraphQL */ `
  mutation SetMetricConfig($project: String!, $config: MetricConfigInput!) {
    setMetricConfig(project: $project, config: $config) {
      name
    }
  }
`;

export const RemoveMetricConfigDocument = /* GraphQL */ `
  mutation RemoveMetricConfig($project: String!, $name: String!) {
    removeMetricConfig(project: $project, name: $name)
  }
`;

export type MetricConfig = MetricConfigsQuery['metricConfigs'][number];

export function fetchMetricConfigs(variables: MetricConfigsQueryVariables) {
  return gql<MetricConfigsQuery, MetricConfigsQueryVariables>(MetricConfigsDocument, variables);
}

export const metricConfigsQueryOptions = (variables: MetricConfigsQueryVariables) =>
  queryOptions({ queryKey: ['metricConfigs', variables], queryFn: () => fetchMetricConfigs(variables) });

export function useMetricConfigs(variables: MetricConfigsQueryVariables) {
  return useQuery(metricConfigsQueryOptions(variables));
}

export function setMetricConfig(variables: SetMetricConfigMutationVariables) {
  return gql<SetMetricConfigMutation, SetMetricConfigMutationVariables>(SetMetricConfigDocument, variables);
}

export function removeMetricConfig(variables: RemoveMetricConfigMutationVariables) {
  return gql<RemoveMetricConfigMutation, RemoveMetricConfigMutationVariables>(RemoveMetricConfigDocument, variables);
}

/** The key metrics decide the overview's default columns, directions and aggregation: those refetch too. */
function useInvalidateMetricConfigs(project: string) {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: metricConfigsQueryOptions({ project }).queryKey });
    void client.invalidateQueries({ queryKey: ['metricColumns'] });
    void client.invalidateQueries({ queryKey: ['metricsTable'] });
  };
}

/** Adds or changes a key metric (one of the same name is replaced). */
export function useSetMetricConfig(project: string) {
  const invalidate = useInvalidateMetricConfigs(project);
  return useMutation({
    mutationFn: (config: MetricConfigInput) => setMetricConfig({ project, config }),
    onSuccess: invalidate,
  });
}

/** Removes a key metric; its logged values stay. */
export function useRemoveMetricConfig(project: string) {
  const invalidate = useInvalidateMetricConfigs(project);
  return useMutation({
    mutationFn: (name: string) => removeMetricConfig({ project, name }),
    onSuccess: invalidate,
  });
}
