import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { ExperimentFeaturesQuery, ExperimentFeaturesQueryVariables } from '@/lib/generated/graphql';

// The metrics table carries no features: the feature filter reads every run's full features
// from the experiments list, page by page (the server filters by status and name only).
export const ExperimentFeaturesDocument = /* GraphQL */ `
  query ExperimentFeatures($project: String!, $after: String) {
    experiments(project: $project, first: 1000, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        number
        featuresFull
      }
    }
  }
`;

/** Each experiment's full features by number. */
export async function fetchExperimentFeatures(project: string): Promise<Map<number, unknown>> {
  const features = new Map<number, unknown>();
  let after: string | null = null;
  for (;;) {
    const { experiments }: ExperimentFeaturesQuery = await gql<ExperimentFeaturesQuery, ExperimentFeaturesQueryVariables>(
      ExperimentFeaturesDocument,
      { project, after },
    );
    for (const node of experiments.nodes) features.set(node.number, node.featuresFull);
    if (!experiments.pageInfo.hasNextPage || !experiments.pageInfo.endCursor) return features;
    after = experiments.pageInfo.endCursor;
  }
}

export const experimentFeaturesQueryOptions = (variables: { project: string }) =>
  queryOptions({
    queryKey: ['experimentFeatures', variables],
    queryFn: () => fetchExperimentFeatures(variables.project),
  });

/** Fetched only while a feature filter is typed. */
export function useExperimentFeatures(variables: { project: string }, enabled: boolean) {
  return useQuery({ ...experimentFeaturesQueryOptions(variables), enabled });
}
