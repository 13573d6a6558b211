import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { AskQuery, AskQueryVariables } from '@/lib/generated/graphql';

export const AskDocument = /* GraphQL */ `
  query Ask($project: String!, $question: String!) {
    ask(project: $project, question: $question) {
      answered
      sentence
      columns
      rows
      interpretation {
        intent
        description
        notes
      }
      cypher {
        name
        text
        parameters
        rows
      }
      suggestions
    }
  }
`;

export type Answer = AskQuery['ask'];

export function fetchAsk(variables: AskQueryVariables) {
  return gql<AskQuery, AskQueryVariables>(AskDocument, variables);
}

export const askQueryOptions = (variables: AskQueryVariables) =>
  queryOptions({
    queryKey: ['ask', variables],
    queryFn: () => fetchAsk(variables),
    enabled: variables.question.trim() !== '',
    staleTime: 30_000,
  });

export function useAsk(variables: AskQueryVariables) {
  return useQuery(askQueryOptions(variables));
}
