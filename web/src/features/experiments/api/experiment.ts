import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { ExperimentQuery, ExperimentQueryVariables } from '@/lib/generated/graphql';

export const ExperimentDocument = /* GraphQL */ `
  query Experiment($project: String!, $number: Int!) {
    experiment(project: $project, number: $number) {
      id
      number
      name
      status
      progress
      notes
      tags
      parent {
        number
        name
      }
      featuresDiff
      featuresFull
      measured {
        metric
        last
        lastStep
        min
        max
        count
      }
      evidence {
        hypothesis {
          id
          title
        }
        score
        contribution
      }
    }
    environment(project: $project, number: $number) {
      interpreter
      platform
      packages {
        name
      }
    }
  }
`;

export type Experiment = ExperimentQuery['experiment'];

export function fetchExperiment(variables: ExperimentQueryVariables) {
  return gql<ExperimentQuery, ExperimentQueryVariables>(ExperimentDocument, variables);
}

export const experimentQueryOptions = (variables: ExperimentQueryVariables) =>
  queryOptions({ queryKey: ['experiment', variables], queryFn: () => fetchExperiment(variables) });

export function useExperiment(variables: ExperimentQueryVariables) {
  return useQuery(experimentQueryOptions(variables));
}
