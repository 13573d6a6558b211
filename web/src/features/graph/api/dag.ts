import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  DagQuery,
  DagQueryVariables,
  ReparentExperimentMutation,
  ReparentExperimentMutationVariables,
} from '@/lib/generated/graphql';

export const DagDocument = /* GraphQL */ `
  query Dag($project: String!) {
    dag(project: $project) {
      nodes {
        number
        name
        status
        progress
      }
      edges {
        from
        to
        kind
      }
    }
  }
`;

export const ReparentExperimentDocument = /* GraphQL */ `
  mutation ReparentExperiment($project: String!, $number: Int!, $parentNumber: Int) {
    reparentExperiment(project: $project, number: $number, parentNumber: $parentNumber) {
      number
      parent {
        number
      }
    }
  }
`;

export type Dag = DagQuery['dag'];
export type DagNode = Dag['nodes'][number];
export type DagEdge = Dag['edges'][number];

export function fetchDag(variables: DagQueryVariables) {
  return gql<DagQuery, DagQueryVariables>(DagDocument, variables);
}

export const dagQueryOptions = (variables: DagQueryVariables) =>
  queryOptions({ queryKey: ['dag', variables], queryFn: () => fetchDag(variables) });

export function useDag(variables: DagQueryVariables) {
  return useQuery(dagQueryOptions(variables));
}

export function reparentExperiment(variables: ReparentExperimentMutationVariables) {
  return gql<ReparentExperimentMutation, ReparentExperimentMutationVariables>(ReparentExperimentDocument, variables);
}

/** Moves an experiment under another parent; refetches the DAG (and whatever shows parents). */
export function useReparentExperiment(project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { number: number; parentNumber: number | null }) => reparentExperiment({ project, ...vars }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: dagQueryOptions({ project }).queryKey });
      void client.invalidateQueries({ queryKey: ['experiment'] });
      void client.invalidateQueries({ queryKey: ['metricsTable'] });
    },
  });
}
