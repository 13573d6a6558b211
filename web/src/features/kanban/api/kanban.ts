import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  KanbanQuery,
  KanbanQueryVariables,
  SetExperimentStatusMutation,
  SetExperimentStatusMutationVariables,
  Status,
} from '@/lib/generated/graphql';
import { moveCard } from '../components/columns';

export const KanbanDocument = /* GraphQL */ `
  query Kanban($project: String!) {
    kanban(project: $project) {
      status
      experiments {
        number
        name
        progress
      }
    }
  }
`;

export const SetExperimentStatusDocument = /* GraphQL */ `
  mutation SetExperimentStatus($project: String!, $number: Int!, $status: Status!) {
    updateExperiment(project: $project, number: $number, input: { status: $status }) {
      number
      status
    }
  }
`;

export type KanbanColumns = KanbanQuery['kanban'];

export function fetchKanban(variables: KanbanQueryVariables) {
  return gql<KanbanQuery, KanbanQueryVariables>(KanbanDocument, variables);
}

export const kanbanQueryOptions = (variables: KanbanQueryVariables) =>
  queryOptions({ queryKey: ['kanban', variables], queryFn: () => fetchKanban(variables) });

export function useKanban(variables: KanbanQueryVariables) {
  return useQuery(kanbanQueryOptions(variables));
}

export function setExperimentStatus(variables: SetExperimentStatusMutationVariables) {
  return gql<SetExperimentStatusMutation, SetExperimentStatusMutationVariables>(SetExperimentStatusDocument, variables);
}

/** Changes an experiment's status: the card moves at once and moves back if the server refuses. */
export function useSetExperimentStatus(project: string) {
  const client = useQueryClient();
  const { queryKey } = kanbanQueryOptions({ project });
  return useMutation({
    mutationFn: (vars: { number: number; status: Status }) => setExperimentStatus({ project, ...vars }),
    onMutate: async ({ number, status }) => {
      await client.cancelQueries({ queryKey });
      const previous = client.getQueryData(queryKey);
      if (previous) client.setQueryData(queryKey, { kanban: moveCard(previous.kanban, number, status) });
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) client.setQueryData(queryKey, context.previous);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey });
      void client.invalidateQueries({ queryKey: ['dag'] });
      void client.invalidateQueries({ queryKey: ['experiment'] });
      void client.invalidateQueries({ queryKey: ['metricsTable'] });
    },
  });
}
